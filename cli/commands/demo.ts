/** `jalad demo` and `jalad experiment adaptive`: the whole system over an emulated uplink. */
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import type { Command } from "commander";
import type { Profile } from "../../planner/profile.js";
import { ensureClip, runDemo, tickLine } from "../../pipelines/demo.js";
import { runExperiment } from "../../pipelines/experiment.js";
import { resolveModelArg } from "../../services/bundled-models.js";
import { jsonLogger } from "../../services/log.js";
import { CliError } from "../errors.js";
import { readProfile } from "../files.js";
import { onShutdownSignal, parseFraction, parsePositive } from "../options.js";
import { loadTrace } from "./link.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The profile for a model: --profile, else the shipped `profiles/<name>.profile.json`. */
function profileFor(model: string, flag: string | undefined): Profile {
  if (flag !== undefined) return readProfile(flag, "--profile");
  const shipped = join(ROOT, "profiles", `${basename(model).replace(/\.onnx$/, "")}.profile.json`);
  if (!existsSync(shipped)) throw new CliError(`no profile for model ${model}: run jalad calibrate --model ${model} ... --out ${shipped}, or pass --profile`);
  return readProfile(shipped, "profile");
}

/** An AbortController tripped by the first SIGINT/SIGTERM. */
function interruptible(): { signal: AbortSignal; off: () => void } {
  const ac = new AbortController();
  const off = onShutdownSignal(() => Promise.resolve(ac.abort()));
  return { signal: ac.signal, off };
}

/** Registers `jalad demo` and `jalad experiment adaptive`. */
export function registerDemoCommands(program: Command): void {
  program.command("demo")
    .description("run nats-server, a link emulator on a step trace, 2 workers and an adaptive edge; compare with cloud-only PNG")
    .option("--duration <s>", "capture time of each run, seconds", parsePositive("--duration"), 60)
    .option("--model <m>", "bundled model name or .onnx path", "ppocr-det")
    .option("--profile <file>", "planner profile (default: profiles/<model>.profile.json)")
    .option("--edge-slowdown <k>", "emulate a k× slower edge", parsePositive("--edge-slowdown", 0.999), 8)
    .option("--max-accuracy-drop <x>", "accuracy budget, fraction", parseFraction("--max-accuracy-drop"), 0.01)
    .option("--no-baseline", "skip the cloud-only PNG comparison run")
    .action(async (f: { duration: number; model: string; profile?: string; edgeSlowdown: number; maxAccuracyDrop: number; baseline: boolean }) => {
      const model = resolveModelArg(f.model);
      const profile = profileFor(f.model, f.profile);
      const { signal, off } = interruptible();
      try {
        await runDemo({ durationMs: f.duration * 1000, model, profile, slowdown: f.edgeSlowdown, maxAccuracyDrop: f.maxAccuracyDrop, baseline: f.baseline, root: ROOT, signal, print: (l) => process.stdout.write(`${l}\n`), logger: jsonLogger("demo", { minLevel: "warn" }), ...(process.env.NATS_URL ? { natsUrl: process.env.NATS_URL } : {}) });
      } finally {
        off();
      }
    });

  const exp = program.command("experiment").description("experiments on the real pipeline");
  exp.command("adaptive")
    .description("adaptive vs oracle vs static plans vs cloud-only PNG on one bandwidth trace (real pipeline, link emulator)")
    .requiredOption("--trace <file>", "trace: a file (time_s Mbit/s columns, or mahimahi), builtin:step[:segmentS] or builtin:3g[:seed[:durationS]]")
    .option("--duration <s>", "capture time per condition, seconds (the trace is time-scaled to it; default: the trace's own length)", parsePositive("--duration"))
    .option("--model <m>", "bundled model name or .onnx path", "ppocr-det")
    .option("--profile <file>", "planner profile (default: profiles/<model>.profile.json)")
    .option("--edge-slowdown <k>", "emulate a k× slower edge", parsePositive("--edge-slowdown", 0.999), 8)
    .option("--max-accuracy-drop <x>", "accuracy budget, fraction", parseFraction("--max-accuracy-drop"), 0.01)
    .option("--source <src>", "frames: video file, folder or rtsp:// URL (default: the clip of photos with text)")
    .option("--out <dir>", "where the table, JSON and plot go", "reports")
    .option("--json", "print one JSON object on stdout instead of the table")
    .action(async (f: { trace: string; duration?: number; model: string; profile?: string; edgeSlowdown: number; maxAccuracyDrop: number; source?: string; out: string; json?: boolean }) => {
      const trace = loadTrace(f.trace);
      const model = resolveModelArg(f.model);
      const profile = profileFor(f.model, f.profile);
      const durationMs = f.duration !== undefined ? f.duration * 1000 : trace.durationMs;
      const say = (l: string): void => void (f.json === true ? process.stderr : process.stdout).write(`${l}\n`);
      const { signal, off } = interruptible();
      try {
        const r = await runExperiment({
          trace, traceName: f.trace.startsWith("builtin:") ? f.trace.slice(8).replace(/[^A-Za-z0-9_-]/g, "-") : basename(f.trace).replace(/\.[^.]*$/, ""), durationMs, model, source: f.source ?? ensureClip(ROOT), profile, slowdown: f.edgeSlowdown, maxAccuracyDrop: f.maxAccuracyDrop, outDir: f.out, signal,
          onCondition: (label) => say(`experiment: ${label} (${(durationMs / 1000).toFixed(0)} s)`), onTick: (t) => say(tickLine(t)), logger: jsonLogger("experiment", { minLevel: "warn" }),
          ...(process.env.NATS_URL ? { natsUrl: process.env.NATS_URL } : {}),
        });
        const pick = (m: typeof r.adaptive): Record<string, unknown> => ({ meanMs: m.meanMs, p95Ms: m.p95Ms, fps: m.fps, dropped: m.dropped, lost: m.lost, accuracyDrop: m.accuracyDrop, plans: m.plans, switches: m.switches.length });
        if (f.json === true) process.stdout.write(`${JSON.stringify({ adaptive: pick(r.adaptive), oracle: pick(r.oracle), static: r.static.map((s) => ({ plan: s.plan, percentile: s.percentile, bandwidthBytesPerSec: s.bandwidthBytesPerSec, ...pick(s) })), cloudPng: pick(r.cloudPng) })}\n`);
        else say(`\n${r.markdown}\nwritten: ${r.files.markdown}, ${r.files.json}, ${r.files.svg}`);
      } finally {
        off();
      }
    });
}
