/**
 * The tfjs weights manifest (`*-weights_manifest.json`) that `@vladmandic/face-api` ships next
 * to its weight shards: parsing and validation (pure). Decoding the shards is in `dequantize.ts`.
 *
 * Format (tfjs `WeightsManifestConfig`): an array of groups; each group lists shard file names
 * (`paths`, concatenated in order) and the weights stored back to back in those bytes
 * (`name`, `shape`, `dtype`, optional `quantization`).
 */
import { WeightsError, WeightsErrorCode } from "./errors.js";

/** Weight dtypes the importer decodes. */
export type WeightDtype = "float32" | "int32";

/** How a weight is stored when quantized: value = stored · scale + min (uint8/uint16), or IEEE half (float16). */
export interface Quantization {
  readonly dtype: "uint8" | "uint16" | "float16";
  /** Step between stored levels (uint8/uint16 only). */
  readonly scale?: number;
  /** Value of stored level 0 (uint8/uint16 only). */
  readonly min?: number;
}

/** One weight of a group. */
export interface WeightSpec {
  /** TensorFlow variable name, e.g. `MobilenetV1/Conv2d_0_pointwise/weights`. */
  readonly name: string;
  /** Dims; TensorFlow layouts (convolution filters are HWIO, depthwise filters HWCM). */
  readonly shape: readonly number[];
  readonly dtype: WeightDtype;
  readonly quantization?: Quantization;
}

/** Shards and the weights stored in them. */
export interface WeightGroup {
  /** Shard file names, relative to the manifest's folder, concatenated in order. */
  readonly paths: readonly string[];
  readonly weights: readonly WeightSpec[];
}

/** A parsed, validated manifest. */
export type WeightsManifest = readonly WeightGroup[];

/** Bytes one stored value of a weight takes (its quantized type when quantized). */
export function bytesPerValue(w: WeightSpec): number {
  const q = w.quantization?.dtype;
  if (q === "uint8") return 1;
  if (q === "uint16" || q === "float16") return 2;
  return 4;
}

/** Elements of a shape (1 for a scalar). */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function bad(where: string, what: string): WeightsError {
  return new WeightsError(WeightsErrorCode.BadManifest, `${where}: ${what}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseQuantization(v: unknown, where: string, name: string, dtype: WeightDtype): Quantization {
  if (!isRecord(v)) throw bad(`${where}.quantization`, "expected an object");
  const q = v.dtype;
  if (q !== "uint8" && q !== "uint16" && q !== "float16") {
    throw new WeightsError(WeightsErrorCode.UnsupportedDtype, `${where} ("${name}"): quantization dtype ${JSON.stringify(q)} is not supported (uint8, uint16 or float16)`);
  }
  if (q === "float16") {
    if (dtype !== "float32") throw new WeightsError(WeightsErrorCode.UnsupportedDtype, `${where} ("${name}"): float16 quantization of a ${dtype} weight is not supported`);
    return { dtype: q };
  }
  const { scale, min } = v;
  if (typeof scale !== "number" || !Number.isFinite(scale)) throw bad(`${where}.quantization.scale`, `expected a finite number for ${q} quantization of "${name}", got ${JSON.stringify(scale)}`);
  if (typeof min !== "number" || !Number.isFinite(min)) throw bad(`${where}.quantization.min`, `expected a finite number for ${q} quantization of "${name}", got ${JSON.stringify(min)}`);
  return { dtype: q, scale, min };
}

function parseWeight(v: unknown, where: string): WeightSpec {
  if (!isRecord(v)) throw bad(where, "expected an object with name, shape and dtype");
  const { name, shape, dtype } = v;
  if (typeof name !== "string" || name === "") throw bad(`${where}.name`, "expected a non-empty string");
  if (!Array.isArray(shape) || !shape.every((d): d is number => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw bad(`${where}.shape`, `expected an array of non-negative integers for "${name}", got ${JSON.stringify(shape)}`);
  }
  if (dtype !== "float32" && dtype !== "int32") {
    throw new WeightsError(WeightsErrorCode.UnsupportedDtype, `${where} ("${name}"): dtype ${JSON.stringify(dtype)} is not supported (float32 or int32)`);
  }
  const quantization = v.quantization === undefined ? undefined : parseQuantization(v.quantization, where, name, dtype);
  return { name, shape, dtype, ...(quantization !== undefined ? { quantization } : {}) };
}

/**
 * Parses a weights manifest from its JSON text (or an already parsed value). Throws
 * {@link WeightsError} `BAD_MANIFEST` naming the first bad field (e.g. `manifest[0].weights[3].shape`),
 * or `UNSUPPORTED_DTYPE` for dtypes and quantizations it cannot decode. `source` names the file in messages.
 */
export function parseManifest(input: unknown, source = "manifest"): WeightsManifest {
  let json: unknown = input;
  if (typeof input === "string") {
    try {
      json = JSON.parse(input);
    } catch (e) {
      throw new WeightsError(WeightsErrorCode.BadManifest, `${source}: not valid JSON (${(e as Error).message})`, { cause: e });
    }
  }
  if (!Array.isArray(json)) throw bad(source, "expected an array of weight groups");
  if (json.length === 0) throw bad(source, "has no weight groups");
  const seen = new Set<string>();
  return json.map((g: unknown, gi): WeightGroup => {
    const where = `${source}[${gi}]`;
    if (!isRecord(g)) throw bad(where, "expected an object with paths and weights");
    const { paths, weights } = g;
    if (!Array.isArray(paths) || paths.length === 0 || !paths.every((p): p is string => typeof p === "string" && p !== "")) {
      throw bad(`${where}.paths`, `expected a non-empty array of shard file names, got ${JSON.stringify(paths)}`);
    }
    for (const p of paths) {
      if (p.includes("..") || p.startsWith("/") || p.includes("\\")) throw bad(`${where}.paths`, `shard name "${p}" must be a plain file name next to the manifest`);
    }
    if (!Array.isArray(weights)) throw bad(`${where}.weights`, "expected an array");
    const parsed = weights.map((w: unknown, wi) => parseWeight(w, `${where}.weights[${wi}]`));
    for (const w of parsed) {
      if (seen.has(w.name)) throw bad(where, `weight "${w.name}" is listed twice`);
      seen.add(w.name);
    }
    return { paths, weights: parsed };
  });
}

/** Bytes a group's shards must hold together: the sum of its weights' stored sizes. */
export function groupByteLength(group: WeightGroup): number {
  return group.weights.reduce((n, w) => n + shapeSize(w.shape) * bytesPerValue(w), 0);
}
