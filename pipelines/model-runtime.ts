/**
 * A model as the streaming pipeline runs it: its manifest (what the edge stores beside the
 * bytes so a worker needs no configuration), its cuts at the manifest's input shape, and the
 * front/back segments per cut, built on demand and cached. Edge and workers build the same
 * runtime from the same bytes and manifest, so cut ids agree on both sides.
 */
import { z } from "zod";
import type { Cut } from "../model/cuts.js";
import { type SplitModels, extractSegments } from "../model/extract.js";
import { indexGraph } from "../model/graph.js";
import { findCatalogEntry } from "../model/catalog.js";
import { IMAGENET_NORMALIZE, type NormalizeSpec } from "../model/preprocess.js";
import { TASK_NAMES, type TaskName } from "../tasks/adapter.js";
import { analyzeModel } from "./analyze-model.js";

/** Thrown when a plan names a cut the model does not have, or a manifest is malformed. */
export class ModelRuntimeError extends Error {
  override readonly name = "ModelRuntimeError";
  constructor(readonly code: "UNKNOWN_CUT" | "BAD_MANIFEST" | "UNSUPPORTED_MODEL", message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const Triple = z.tuple([z.number(), z.number(), z.number()]);

/** What a worker needs besides the bytes: input shape and preprocessing, and the task. */
export const ModelManifestSchema = z.object({
  version: z.literal(1),
  /** Human-readable name (catalog name or file name). */
  name: z.string().min(1).max(200),
  /** Input-shape spec the cuts were listed at, e.g. `1x3x640x640`. */
  inputShape: z.string().min(1).max(200),
  /** The image input's name, width and height. */
  input: z.object({ name: z.string().min(1), width: z.int().positive(), height: z.int().positive() }),
  normalize: z.object({ channelOrder: z.enum(["rgb", "bgr"]), scale: z.number().optional(), mean: Triple, std: Triple }),
  task: z.enum(TASK_NAMES),
});

/** A parsed manifest. */
export type ModelManifest = z.output<typeof ModelManifestSchema>;

/** Parses a manifest (JSON text), with the failing field named. */
export function parseManifest(text: string): ModelManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelRuntimeError("BAD_MANIFEST", `model manifest is not JSON: ${(e as Error).message}`, { cause: e });
  }
  const r = ModelManifestSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ModelRuntimeError("BAD_MANIFEST", `model manifest: ${i?.path.join(".") ?? ""}: ${i?.message ?? "invalid"}`);
  }
  return r.data;
}

/** A loaded model with its cuts and cached segments. */
export class ModelRuntime {
  private readonly segmentCache = new Map<number, SplitModels>();

  private constructor(
    /** The model's bytes. */
    readonly bytes: Uint8Array,
    /** Hex sha256 of the bytes. */
    readonly sha256: string,
    readonly manifest: ModelManifest,
    private readonly cuts: readonly Cut[],
    private readonly build: (cut: Cut) => SplitModels,
  ) {}

  /** Analyses `bytes` at the manifest's input shape (probes shapes in onnxruntime: seconds for large models). */
  static async create(bytes: Uint8Array, manifest: ModelManifest): Promise<ModelRuntime> {
    return ModelRuntime.build(await analyzeModel(bytes, { inputShape: manifest.inputShape }), manifest);
  }

  /**
   * Opens a model file for the edge and writes its manifest: catalog preprocessing and task when
   * it is a bundled model, else ImageNet RGB normalisation and the "generic" task.
   */
  static async open(path: string, bytes: Uint8Array, inputShape?: string): Promise<ModelRuntime> {
    const entry = findCatalogEntry(path);
    const a = await analyzeModel(bytes, { inputShape: inputShape ?? entry?.inputShape });
    const [name, dims] = [...a.inputShapes][0] ?? [];
    if (name === undefined || dims === undefined || dims.length !== 4 || dims[1] !== 3) {
      throw new ModelRuntimeError("UNSUPPORTED_MODEL", `the pipeline feeds images: the first input must be [N,3,H,W], got ${name ?? "none"} [${dims?.join(",") ?? ""}]`);
    }
    if (a.inputShapes.size !== 1) throw new ModelRuntimeError("UNSUPPORTED_MODEL", `the pipeline feeds one image input; the model has ${a.inputShapes.size} inputs`);
    const normalize: NormalizeSpec = entry?.normalize ?? IMAGENET_NORMALIZE;
    const task: TaskName = entry?.task ?? "generic";
    const manifest: ModelManifest = { version: 1, name: entry?.name ?? (path.split(/[\\/]/).pop() as string), inputShape: `${name}=${dims.join("x")}`, input: { name, width: dims[3] as number, height: dims[2] as number }, normalize: { ...normalize, mean: [...normalize.mean], std: [...normalize.std] }, task };
    return ModelRuntime.build(a, manifest);
  }

  private static build(a: Awaited<ReturnType<typeof analyzeModel>>, manifest: ModelManifest): ModelRuntime {
    if (a.loaded.externalData.size > 0) throw new ModelRuntimeError("UNSUPPORTED_MODEL", "models with external data cannot be streamed yet: save it as one file");
    const index = indexGraph(a.loaded.model.graph);
    return new ModelRuntime(a.loaded.bytes, a.loaded.sha256, manifest, a.analysis.cuts, (cut) => extractSegments(a.loaded, index, cut));
  }

  /** The last cut's id (edge only). */
  get lastCut(): number {
    return (this.cuts.at(-1) as Cut).id;
  }

  /** A cut by id. */
  cut(id: number): Cut {
    const c = this.cuts.find((x) => x.id === id);
    if (c === undefined) throw new ModelRuntimeError("UNKNOWN_CUT", `model ${this.manifest.name} has no cut ${id} (cuts 0..${this.lastCut})`);
    return c;
  }

  /** Every cut. */
  allCuts(): readonly Cut[] {
    return this.cuts;
  }

  /** The front and back segments of a cut (built once). */
  segments(id: number): SplitModels {
    let s = this.segmentCache.get(id);
    if (s === undefined) {
      s = this.build(this.cut(id));
      this.segmentCache.set(id, s);
    }
    return s;
  }

  /** Pool key of a segment. */
  key(id: number, side: "front" | "back"): string {
    return `${this.sha256}:${id}:${side}`;
  }
}
