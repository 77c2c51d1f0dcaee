// face-api weights: manifest parsing, shard decoding and dequantization, typed errors.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, test } from "vitest";
import { decodeWeight, decodeWeights, halfToFloat } from "../../model/face-api/dequantize.js";
import { WeightsError, WeightsErrorCode } from "../../model/face-api/errors.js";
import { type WeightSpec, groupByteLength, parseManifest } from "../../model/face-api/manifest.js";

const require = createRequire(import.meta.url);
const MODEL_DIR = join(require.resolve("@vladmandic/face-api/dist/face-api.esm-nobundle.js"), "../../model");

/** Runs `fn` and returns the WeightsError it throws. */
function weightsError(fn: () => unknown): WeightsError {
  try {
    fn();
  } catch (e) {
    if (e instanceof WeightsError) return e;
    throw e;
  }
  throw new Error("expected a WeightsError");
}

const valid = [{ paths: ["a.bin"], weights: [{ name: "w", shape: [2, 2], dtype: "float32", quantization: { dtype: "uint8", scale: 0.5, min: -1 } }, { name: "b", shape: [2], dtype: "float32" }] }];

describe("manifest parsing", () => {
  test("parses a manifest from text or a value", () => {
    const m = parseManifest(JSON.stringify(valid));
    expect(m).toEqual(valid);
    expect(parseManifest(valid)).toEqual(valid);
    expect(groupByteLength(m[0] as (typeof m)[number])).toBe(4 + 8);
  });

  test.each([
    ["not JSON", "{oops", WeightsErrorCode.BadManifest, /m\.json: not valid JSON/],
    ["not an array", { paths: [] }, WeightsErrorCode.BadManifest, /m\.json: expected an array of weight groups/],
    ["no groups", [], WeightsErrorCode.BadManifest, /no weight groups/],
    ["group not an object", [1], WeightsErrorCode.BadManifest, /m\.json\[0\]: expected an object/],
    ["no paths", [{ weights: [] }], WeightsErrorCode.BadManifest, /m\.json\[0\]\.paths: expected a non-empty array/],
    ["path outside the folder", [{ paths: ["../x.bin"], weights: [] }], WeightsErrorCode.BadManifest, /shard name "\.\.\/x\.bin" must be a plain file name/],
    ["weights not an array", [{ paths: ["a"], weights: {} }], WeightsErrorCode.BadManifest, /m\.json\[0\]\.weights: expected an array/],
    ["unnamed weight", [{ paths: ["a"], weights: [{ shape: [1], dtype: "float32" }] }], WeightsErrorCode.BadManifest, /weights\[0\]\.name/],
    ["negative dim", [{ paths: ["a"], weights: [{ name: "w", shape: [2, -1], dtype: "float32" }] }], WeightsErrorCode.BadManifest, /weights\[0\]\.shape: .* for "w", got \[2,-1\]/],
    ["string weight", [{ paths: ["a"], weights: [{ name: "s", shape: [1], dtype: "string" }] }], WeightsErrorCode.UnsupportedDtype, /\("s"\): dtype "string" is not supported/],
    ["int8 quantization", [{ paths: ["a"], weights: [{ name: "q", shape: [1], dtype: "float32", quantization: { dtype: "int8", scale: 1, min: 0 } }] }], WeightsErrorCode.UnsupportedDtype, /quantization dtype "int8"/],
    ["uint8 without scale", [{ paths: ["a"], weights: [{ name: "q", shape: [1], dtype: "float32", quantization: { dtype: "uint8", min: 0 } }] }], WeightsErrorCode.BadManifest, /weights\[0\]\.quantization\.scale: .*"q"/],
    ["float16 int32", [{ paths: ["a"], weights: [{ name: "q", shape: [1], dtype: "int32", quantization: { dtype: "float16" } }] }], WeightsErrorCode.UnsupportedDtype, /float16 quantization of a int32 weight/],
    ["duplicate name", [{ paths: ["a"], weights: [{ name: "w", shape: [1], dtype: "float32" }] }, { paths: ["b"], weights: [{ name: "w", shape: [1], dtype: "float32" }] }], WeightsErrorCode.BadManifest, /weight "w" is listed twice/],
  ])("%s → typed error naming the field", (_what, input, code, message) => {
    const e = weightsError(() => parseManifest(typeof input === "string" ? input : JSON.stringify(input), "m.json"));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });
});

describe("dequantization", () => {
  test("uint8 and uint16: value = stored · scale + min", () => {
    const spec: WeightSpec = { name: "w", shape: [3], dtype: "float32", quantization: { dtype: "uint8", scale: 0.25, min: -1 } };
    expect(Array.from(decodeWeight(spec, Uint8Array.from([0, 4, 255])).data)).toEqual([-1, 0, 62.75]);
    const s16: WeightSpec = { name: "w", shape: [2], dtype: "float32", quantization: { dtype: "uint16", scale: 0.5, min: 1 } };
    expect(Array.from(decodeWeight(s16, new Uint8Array(Uint16Array.from([0, 1000]).buffer)).data)).toEqual([1, 501]);
  });

  test("int32 weights are rounded after dequantization, as tfjs does", () => {
    const spec: WeightSpec = { name: "n", shape: [2], dtype: "int32", quantization: { dtype: "uint8", scale: 0.4, min: 0 } };
    const d = decodeWeight(spec, Uint8Array.from([1, 2]));
    expect(d.data).toBeInstanceOf(Int32Array);
    expect(Array.from(d.data)).toEqual([0, 1]);
  });

  test("float16 and plain float32/int32", () => {
    expect([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00].map(halfToFloat)).toEqual([1, -2, 65504, 2 ** -24, Infinity]);
    expect(Number.isNaN(halfToFloat(0x7e00))).toBe(true);
    const f16: WeightSpec = { name: "h", shape: [2], dtype: "float32", quantization: { dtype: "float16" } };
    expect(Array.from(decodeWeight(f16, new Uint8Array(Uint16Array.from([0x3800, 0xbc00]).buffer)).data)).toEqual([0.5, -1]);
    const f32: WeightSpec = { name: "f", shape: [2], dtype: "float32" };
    expect(Array.from(decodeWeight(f32, new Uint8Array(Float32Array.from([1.5, -3]).buffer)).data)).toEqual([1.5, -3]);
    const i32: WeightSpec = { name: "i", shape: [1], dtype: "int32" };
    expect(Array.from(decodeWeight(i32, new Uint8Array(Int32Array.from([-7]).buffer)).data)).toEqual([-7]);
  });

  test("weights of a group are read back to back across its shards", () => {
    const m = parseManifest([{ paths: ["a.bin", "b.bin"], weights: [{ name: "x", shape: [3], dtype: "float32", quantization: { dtype: "uint8", scale: 1, min: 0 } }, { name: "y", shape: [1], dtype: "float32" }] }]);
    const y = new Uint8Array(Float32Array.from([2.5]).buffer);
    const shards: Record<string, Uint8Array> = { "a.bin": Uint8Array.from([1, 2]), "b.bin": Uint8Array.from([3, ...y]) };
    const w = decodeWeights(m, (p) => shards[p] as Uint8Array);
    expect(Array.from(w.get("x")?.data ?? [])).toEqual([1, 2, 3]);
    expect(Array.from(w.get("y")?.data ?? [])).toEqual([2.5]);
  });

  test("a short shard names the weight that does not fit; a long one the surplus", () => {
    const m = parseManifest(valid);
    const short = weightsError(() => decodeWeights(m, () => new Uint8Array(10)));
    expect(short.code).toBe(WeightsErrorCode.ShardSize);
    expect(short.message).toMatch(/group 0 \(a\.bin\): weight "b" needs bytes 4\.\.12 but the shards hold 10 bytes \(12 expected\)/);
    const long = weightsError(() => decodeWeights(m, () => new Uint8Array(13)));
    expect(long.code).toBe(WeightsErrorCode.ShardSize);
    expect(long.message).toMatch(/hold 13 bytes but the weights use 12: 1 bytes unaccounted/);
  });

  test("matches tfjs's own decoder on face-api's real SSD-MobileNetV1 weights", () => {
    const manifestText = readFileSync(join(MODEL_DIR, "ssd_mobilenetv1_model-weights_manifest.json"), "utf8");
    const m = parseManifest(manifestText);
    const shard = readFileSync(join(MODEL_DIR, "ssd_mobilenetv1_model.bin"));
    const ours = decodeWeights(m, () => new Uint8Array(shard.buffer, shard.byteOffset, shard.byteLength));
    const specs = (JSON.parse(manifestText) as { weights: tf.io.WeightsManifestEntry[] }[]).flatMap((g) => g.weights);
    const ref = tf.io.decodeWeights(shard.buffer.slice(shard.byteOffset, shard.byteOffset + shard.byteLength), specs);
    expect(ours.size).toBe(Object.keys(ref).length);
    for (const [name, t] of Object.entries(ref)) {
      const o = ours.get(name);
      expect(o?.shape, name).toEqual(t.shape);
      expect(Array.from(o?.data ?? []), name).toEqual(Array.from(t.dataSync()));
    }
  });
});
