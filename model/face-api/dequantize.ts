/**
 * Decoding tfjs weight shards into float32/int32 arrays (pure): uint8/uint16 dequantization
 * (value = stored · scale + min, as tfjs `io.decodeWeights` does, rounded for int32), float16
 * expansion and plain little-endian float32/int32.
 */
import { WeightsError, WeightsErrorCode } from "./errors.js";
import { type WeightSpec, type WeightsManifest, bytesPerValue, groupByteLength, shapeSize } from "./manifest.js";

/** A decoded weight. */
export interface DecodedWeight {
  readonly name: string;
  /** Dims as in the manifest (TensorFlow layout). */
  readonly shape: readonly number[];
  readonly dtype: "float32" | "int32";
  /** Values, row-major. Float32Array for float32 weights, Int32Array for int32 ones. */
  readonly data: Float32Array | Int32Array;
}

/** Weights by name. */
export type WeightMap = ReadonlyMap<string, DecodedWeight>;

/** IEEE 754 half → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Decodes one weight from exactly its stored bytes. */
export function decodeWeight(spec: WeightSpec, bytes: Uint8Array): DecodedWeight {
  const n = shapeSize(spec.shape);
  const need = n * bytesPerValue(spec);
  if (bytes.length !== need) throw new WeightsError(WeightsErrorCode.ShardSize, `weight "${spec.name}" needs ${need} bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const q = spec.quantization;
  const out = spec.dtype === "int32" ? new Int32Array(n) : new Float32Array(n);
  if (q === undefined) {
    for (let i = 0; i < n; i++) out[i] = spec.dtype === "int32" ? view.getInt32(i * 4, true) : view.getFloat32(i * 4, true);
  } else if (q.dtype === "float16") {
    for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
  } else {
    const scale = q.scale ?? 1;
    const min = q.min ?? 0;
    for (let i = 0; i < n; i++) {
      const v = q.dtype === "uint8" ? (bytes[i] as number) : view.getUint16(i * 2, true);
      out[i] = spec.dtype === "int32" ? Math.round(v * scale + min) : v * scale + min;
    }
  }
  return { name: spec.name, shape: spec.shape, dtype: spec.dtype, data: out };
}

/**
 * Decodes every weight of a manifest. `shard(path)` returns a shard's bytes (the caller reads
 * files; a missing one should throw `MISSING_SHARD`). Each group's shards are concatenated and
 * must hold exactly the bytes its weights need: otherwise `SHARD_SIZE` names the group, its
 * shards, and the first weight that does not fit (or the surplus).
 */
export function decodeWeights(manifest: WeightsManifest, shard: (path: string) => Uint8Array): Map<string, DecodedWeight> {
  const out = new Map<string, DecodedWeight>();
  manifest.forEach((group, gi) => {
    const parts = group.paths.map((p) => shard(p));
    const total = parts.reduce((s, p) => s + p.length, 0);
    const bytes = parts.length === 1 ? (parts[0] as Uint8Array) : new Uint8Array(total);
    if (parts.length > 1) {
      let o = 0;
      for (const p of parts) {
        bytes.set(p, o);
        o += p.length;
      }
    }
    const where = `group ${gi} (${group.paths.join(", ")})`;
    let offset = 0;
    for (const w of group.weights) {
      const len = shapeSize(w.shape) * bytesPerValue(w);
      if (offset + len > total) {
        throw new WeightsError(WeightsErrorCode.ShardSize, `${where}: weight "${w.name}" needs bytes ${offset}..${offset + len} but the shards hold ${total} bytes (${groupByteLength(group)} expected): truncated or wrong shard`);
      }
      out.set(w.name, decodeWeight(w, bytes.subarray(offset, offset + len)));
      offset += len;
    }
    if (offset !== total) throw new WeightsError(WeightsErrorCode.ShardSize, `${where}: the shards hold ${total} bytes but the weights use ${offset}: ${total - offset} bytes unaccounted for (wrong shard?)`);
  });
  return out;
}
