/** `jalad model inspect`, `jalad model split` and `jalad model import`. */
import { mkdirSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Command } from "commander";
import type { Cut } from "../../model/cuts.js";
import { extractSegments } from "../../model/extract.js";
import { WeightsError } from "../../model/face-api/errors.js";
import { FACE_API_NETS, FACE_API_NET_NAMES, type FaceApiNet } from "../../model/face-api/nets.js";
import { importFaceApiNet } from "../../services/face-api-weights.js";
import { analyzeModel, type ModelAnalysis } from "../../pipelines/analyze-model.js";
import { resolveModelArg } from "../../services/bundled-models.js";
import { CliError } from "../errors.js";
import { formatBytes, formatFlops, table } from "../format.js";
import { parseCount } from "../options.js";

interface AnalyzeFlags {
  inputShape?: string;
  maxCrossing: number;
  refine: boolean;
}

async function analyze(modelArg: string, flags: AnalyzeFlags): Promise<ModelAnalysis> {
  return analyzeModel(resolveModelArg(modelArg), { maxCrossing: flags.maxCrossing, refine: flags.refine, ...(flags.inputShape !== undefined ? { inputShape: flags.inputShape } : {}) });
}

/** The JSON shape of one cut in `jalad model inspect --json`. */
export function cutJson(c: Cut): object {
  return {
    id: c.id, kind: c.kind, boundary: c.boundary,
    tensors: c.tensors.map((t) => ({ name: t.name, shape: t.dims })),
    elements: c.elements, bytes: c.bytes, edgeFlops: c.edgeFlops, cloudFlops: c.cloudFlops,
    ...(c.moved.length > 0 ? { moved: c.moved } : {}),
  };
}

function printTable(a: ModelAnalysis): void {
  const { analysis, loaded, inputShapes } = a;
  const total = analysis.totalFlops;
  const prefixBytes = new Map(analysis.cuts.filter((c) => c.kind === "prefix").map((c) => [c.boundary, c.bytes]));
  const rows = analysis.cuts.map((c) => {
    const names = c.tensors.map((t) => `${t.name}[${t.dims.join("x")}]`).join(" ");
    const vsPrefix = c.kind === "refined" ? ` (prefix ${formatBytes(prefixBytes.get(c.boundary) ?? NaN)})` : "";
    return [String(c.id), c.kind, String(c.tensors.length), formatBytes(c.bytes) + vsPrefix, formatFlops(c.edgeFlops), formatFlops(c.cloudFlops), `${total > 0 ? ((100 * c.edgeFlops) / total).toFixed(1) : "0.0"}%`, names.length > 90 ? `${names.slice(0, 87)}...` : names];
  });
  const shapes = [...inputShapes].map(([k, d]) => `${k}=${d.join("x")}`).join(", ");
  console.log(`${loaded.source}\n  sha256 ${loaded.sha256}\n  input ${shapes}; ${analysis.index.order.length} compute nodes, ${analysis.index.staticNodes.length} static; ${formatFlops(total)}FLOPs`);
  if (analysis.uncosted.size > 0) console.log(`  uncosted ops (counted by output size): ${[...analysis.uncosted].map(([k, n]) => `${k}×${n}`).join(", ")}`);
  const refined = analysis.cuts.filter((c) => c.kind === "refined").length;
  console.log(`  ${analysis.cuts.length} cuts (${refined} refined by min cut)\n`);
  console.log(table(["id", "kind", ">#", ">bytes/frame", ">edge FLOPs", ">cloud FLOPs", ">edge", "crossing tensors"], rows));
}

function findCut(a: ModelAnalysis, id: number): Cut {
  const cut = a.analysis.cuts[id];
  if (cut === undefined) throw new CliError(`unknown cut id ${id}: this model has cuts 0..${a.analysis.cuts.length - 1} (see jalad model inspect)`);
  return cut;
}

function sha256(b: Uint8Array): string {
  return createHash("sha256").update(b).digest("hex");
}

/** Registers the `model` command group. */
export function registerModelCommands(program: Command): void {
  const model = program.command("model").description("inspect and split ONNX models");
  const common = (c: Command): Command =>
    c
      .option("--input-shape <dims>", "input shape, e.g. 1x3x640x640 or name=1x3x640x640 (default: the bundled model's shape, else declared dims with batch 1)")
      .option("--max-crossing <k>", "list cuts whose crossing set has at most k tensors", parseCount("--max-crossing", 1), 4)
      .option("--no-refine", "list plain prefix cuts only (no min-cut refinement)");

  common(model.command("inspect").argument("<model>", "ONNX file, or a bundled model name (ppocr-det, ppocr-rec, ppocr-cls, face-ssd, face-embed)"))
    .description("list every cut of a model: crossing tensors, bytes per frame, edge and cloud FLOPs")
    .option("--json", "print the cuts as a JSON array")
    .action(async (modelArg: string, flags: AnalyzeFlags & { json?: boolean }) => {
      const a = await analyze(modelArg, flags);
      // One cut per line: greppable, and still one JSON array.
      if (flags.json === true && a.analysis.uncosted.size > 0) {
        process.stderr.write(`jalad: note: ops without a cost model, counted by output size: ${[...a.analysis.uncosted].map(([k, n]) => `${k}×${n}`).join(", ")}\n`);
      }
      if (flags.json === true) console.log(`[\n${a.analysis.cuts.map((c) => JSON.stringify(cutJson(c))).join(",\n")}\n]`);
      else printTable(a);
    });

  common(model.command("split").argument("<model>", "ONNX file, or a bundled model name"))
    .description("write front.onnx, back.onnx and split.json for one cut")
    .requiredOption("--cut <id>", "cut id from jalad model inspect", parseCount("--cut"))
    .requiredOption("--out <dir>", "output folder (created if absent)")
    .action(async (modelArg: string, flags: AnalyzeFlags & { cut: number; out: string }) => {
      const a = await analyze(modelArg, flags);
      const cut = findCut(a, flags.cut);
      const seg = extractSegments(a.loaded, a.analysis.index, cut);
      try {
        mkdirSync(flags.out, { recursive: true });
        writeFileSync(join(flags.out, "front.onnx"), seg.front);
        writeFileSync(join(flags.out, "back.onnx"), seg.back);
        const manifest = {
          model: { source: a.loaded.source, sha256: a.loaded.sha256 },
          cut: { id: cut.id, kind: cut.kind, boundary: cut.boundary, maxCrossing: flags.maxCrossing, refine: flags.refine },
          inputShape: Object.fromEntries(a.inputShapes),
          crossing: cut.tensors.map((t) => ({ name: t.name, shape: t.dims, dataType: t.dataType, bytes: t.bytes })),
          bytes: cut.bytes, edgeFlops: cut.edgeFlops, cloudFlops: cut.cloudFlops,
          inputs: a.analysis.index.inputNames, outputs: a.analysis.index.outputNames,
          front: { file: "front.onnx", sha256: sha256(seg.front) },
          back: { file: "back.onnx", sha256: sha256(seg.back) },
        };
        writeFileSync(join(flags.out, "split.json"), `${JSON.stringify(manifest, null, 2)}\n`);
      } catch (e) {
        throw new CliError(`cannot write to ${flags.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2, { cause: e });
      }
      console.log(`cut ${cut.id} (${cut.kind}): ${cut.tensors.length} tensors, ${formatBytes(cut.bytes)}/frame → ${join(flags.out, "front.onnx")}, ${join(flags.out, "back.onnx")}, ${join(flags.out, "split.json")}`);
    });

  model.command("import")
    .argument("<source>", "where the weights come from: face-api (@vladmandic/face-api)")
    .description("build a standalone ONNX model from a package's weights (face-api: ssd-mobilenetv1, face-recognition)")
    .requiredOption("--net <name>", `network to import: ${FACE_API_NET_NAMES.join(" | ")}`)
    .option("--out <file>", "ONNX file to write (default: ./face-ssd.onnx or ./face-embed.onnx)")
    .option("--weights-dir <dir>", "folder with the weights manifest and shards (default: the installed package's model/)")
    .action((source: string, flags: { net: string; out?: string; weightsDir?: string }) => {
      if (source !== "face-api") throw new CliError(`unknown import source "${source}": only face-api is supported`);
      if (!(FACE_API_NET_NAMES as readonly string[]).includes(flags.net)) throw new CliError(`--net expects one of ${FACE_API_NET_NAMES.join(", ")}, got "${flags.net}"`);
      const net = flags.net as FaceApiNet;
      const info = FACE_API_NETS[net];
      let bytes: Uint8Array;
      try {
        bytes = importFaceApiNet(net, flags.weightsDir !== undefined ? { modelDir: flags.weightsDir } : {});
      } catch (e) {
        if (e instanceof WeightsError) throw new CliError(`${e.code}: ${e.message}`, 2, { cause: e });
        throw e;
      }
      const out = flags.out ?? info.fileName;
      try {
        writeFileSync(out, bytes);
      } catch (e) {
        throw new CliError(`cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2, { cause: e });
      }
      console.log(`face-api ${net} → ${out} (${formatBytes(bytes.length)}, sha256 ${sha256(bytes)})`);
      console.log(`  input:  ${info.preprocessing}`);
      console.log(`  output: ${info.outputs}`);
    });
}
