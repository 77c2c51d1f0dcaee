/** `jalad calibrate`: the accuracy and size tables of a profile, measured on real frames. */
import type { Command } from "commander";
import { CODER_NAMES, type CoderName } from "../../codec/coder.js";
import { QUANTIZER_NAMES } from "../../codec/features.js";
import { calibrate } from "../../pipelines/calibrate.js";
import { resolveModelArg } from "../../services/bundled-models.js";
import { FrameSourceError } from "../../services/ffmpeg.js";
import { ImageError } from "../../services/image.js";
import { TASK_NAMES, type TaskName } from "../../tasks/adapter.js";
import { CliError } from "../errors.js";
import { readJsonFile } from "../files.js";
import { parseCount } from "../options.js";

/** Parses a comma-separated list, checking each item against `allowed`. */
function list<T extends string>(flag: string, allowed: readonly T[]): (v: string) => T[] {
  return (v: string) => {
    const items = v.split(",").map((s) => s.trim()).filter((s) => s !== "");
    for (const i of items) if (!(allowed as readonly string[]).includes(i)) throw new CliError(`${flag}: "${i}" is not one of ${allowed.join(", ")}`);
    if (items.length === 0) throw new CliError(`${flag} is empty`);
    return items as T[];
  };
}

function intList(flag: string, min: number, max: number): (v: string) => number[] {
  return (v: string) => {
    const items = v.split(",").map((s) => s.trim());
    return items.map((s) => {
      const n = Number(s);
      if (!/^\d+$/.test(s) || n < min || n > max) throw new CliError(`${flag}: "${s}" is not an integer in ${min}..${max}`);
      return n;
    });
  };
}

/** A progress line with ETA on stderr (redrawn on a terminal, one line per 10% otherwise). */
function progress(done: number, total: number, elapsedMs: number): void {
  const eta = Math.round(done > 0 ? ((total - done) * elapsedMs) / done / 1000 : 0);
  const width = 30;
  const bar = "#".repeat(Math.round((width * done) / total)).padEnd(width, ".");
  const text = `calibrate [${bar}] ${done}/${total} frames, ${(elapsedMs / 1000).toFixed(0)} s, ETA ${eta >= 60 ? `${Math.floor(eta / 60)}m${eta % 60}s` : `${eta}s`}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${text}${done === total ? "\n" : ""}`);
  else if (done === total || Math.floor((10 * done) / total) !== Math.floor((10 * (done - 1)) / total)) process.stderr.write(`${text}\n`);
}

/** Registers `jalad calibrate`. */
export function registerCalibrateCommand(program: Command): void {
  program.command("calibrate")
    .description("measure bytes and accuracy drop of every cut × bit width × coder on real frames; write a profile")
    .requiredOption("--model <model>", "ONNX file or bundled model name")
    .requiredOption("--frames <source>", "image folder, video file, or rtsp:// URL")
    .requiredOption("--out <profile.json>", "profile to write (progress is kept in <out>.partial.json: rerun to resume)")
    .option("--count <n>", "frames to use", parseCount("--count", 1), 200)
    .option("--bits <list>", "bit widths", intList("--bits", 1, 16), [2, 3, 4, 6, 8])
    .option("--coders <list>", `coders: ${CODER_NAMES.join(", ")}`, list("--coders", CODER_NAMES), ["ans", "ctx"] as CoderName[])
    .option("--quantizers <list>", `quantizers: ${QUANTIZER_NAMES.join(", ")}`, list("--quantizers", QUANTIZER_NAMES), ["minmax"])
    .option("--task <task>", `auto or one of ${TASK_NAMES.join(", ")}`, "auto")
    .option("--labels <file>", "JSON object: frame file name → label (class index, or boxes for text detection)")
    .option("--cuts <ids|all|pareto>", "cut ids to calibrate, all, or pareto (the default: cuts no other cut beats on both edge FLOPs and bytes)", (v: string) => (v === "all" || v === "pareto" ? v : intList("--cuts", 0, 65535)(v)))
    .option("--max-cuts <n>", "most cuts chosen automatically", parseCount("--max-cuts", 1), 10)
    .option("--epochs <n>", "epochs for the stability spread", parseCount("--epochs", 1), 5)
    .option("--input-shape <dims>", "input shape (default: the bundled model's)")
    .action(async (f: { model: string; frames: string; out: string; count: number; bits: number[]; coders: CoderName[]; quantizers: string[]; task: string; labels?: string; cuts?: number[] | "all" | "pareto"; maxCuts: number; epochs: number; inputShape?: string }) => {
      if (f.task !== "auto" && !(TASK_NAMES as readonly string[]).includes(f.task)) throw new CliError(`--task expects auto or one of ${TASK_NAMES.join(", ")}, got "${f.task}"`);
      let labels: Record<string, unknown> | undefined;
      if (f.labels !== undefined) {
        const parsed = readJsonFile(f.labels, "--labels");
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new CliError(`--labels ${f.labels}: expected a JSON object of file name → label`);
        labels = parsed as Record<string, unknown>;
      }
      try {
        const p = await calibrate({
          model: resolveModelArg(f.model), frames: f.frames, out: f.out, count: f.count, bits: f.bits, coders: f.coders, quantizers: f.quantizers,
          task: f.task as TaskName | "auto", maxCuts: f.maxCuts, epochs: f.epochs, onProgress: progress,
          ...(labels ? { labels } : {}), ...(f.cuts ? { cuts: f.cuts } : {}), ...(f.inputShape ? { inputShape: f.inputShape } : {}),
        });
        const encodings = p.encodings as unknown[];
        console.log(`wrote ${f.out}: ${(p.cuts as unknown[]).length} cuts, ${encodings.length} encodings`);
      } catch (e) {
        if (e instanceof FrameSourceError || e instanceof ImageError) throw new CliError(e.message, 2, { cause: e });
        throw e;
      }
    });
}
