// The face-api network builders: TensorFlow → ONNX layouts and padding, folding, weight checks,
// and the generated models' determinism and metadata.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import ort from "onnxruntime-node";
import { describe, expect, test } from "vitest";
import { GraphBuilder, heWeights, seededRandom } from "../../model/builder.js";
import { type DecodedWeight, decodeWeights } from "../../model/face-api/dequantize.js";
import { WeightsError, WeightsErrorCode } from "../../model/face-api/errors.js";
import { buildFaceApiModel } from "../../model/face-api/import.js";
import { WeightReader, batchNormAffine, depthwiseToOihw, foldAffine, hwioToOihw, tfConv, tfPadding } from "../../model/face-api/layers.js";
import { parseManifest } from "../../model/face-api/manifest.js";
import { decodeModel } from "../../model/onnx.js";

const require = createRequire(import.meta.url);
const MODEL_DIR = join(require.resolve("@vladmandic/face-api/dist/face-api.esm-nobundle.js"), "../../model");

function realWeights(manifest: string): Map<string, DecodedWeight> {
  const m = parseManifest(readFileSync(join(MODEL_DIR, manifest), "utf8"));
  return decodeWeights(m, (p) => new Uint8Array(readFileSync(join(MODEL_DIR, p))));
}

/** TensorFlow conv2d (NHWC input as [h][w][c], HWIO filter), "same" or "valid", computed directly. */
function tfConvReference(x: Float32Array, h: number, w: number, ci: number, f: Float32Array, k: number, co: number, stride: number, padding: "same" | "valid"): { out: Float32Array; oh: number; ow: number } {
  const p = tfPadding(h, w, k, k, stride, padding);
  const [top, left] = p.pads;
  const out = new Float32Array(p.h * p.w * co);
  for (let oy = 0; oy < p.h; oy++) {
    for (let ox = 0; ox < p.w; ox++) {
      for (let o = 0; o < co; o++) {
        let s = 0;
        for (let ky = 0; ky < k; ky++) {
          for (let kx = 0; kx < k; kx++) {
            const iy = oy * stride + ky - top;
            const ix = ox * stride + kx - left;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            for (let i = 0; i < ci; i++) s += (x[(iy * w + ix) * ci + i] as number) * (f[((ky * k + kx) * ci + i) * co + o] as number);
          }
        }
        out[(oy * p.w + ox) * co + o] = s;
      }
    }
  }
  return { out, oh: p.h, ow: p.w };
}

describe("layouts and padding", () => {
  test("HWIO → OIHW and depthwise HWCM → [C·M, 1, H, W]", () => {
    // [kh=1, kw=2, in=2, out=3]: value = 100·x + 10·i + o
    const hwio = Float32Array.from([0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112]);
    expect(Array.from(hwioToOihw(hwio, [1, 2, 2, 3]))).toEqual([0, 100, 10, 110, 1, 101, 11, 111, 2, 102, 12, 112]);
    // [kh=1, kw=2, c=2, m=2]: value = 100·x + 10·c + m
    const dw = Float32Array.from([0, 1, 10, 11, 100, 101, 110, 111]);
    expect(Array.from(depthwiseToOihw(dw, [1, 2, 2, 2]))).toEqual([0, 100, 1, 101, 10, 110, 11, 111]);
  });

  test("TensorFlow 'same' puts the odd padding pixel at the bottom/right; 'valid' floors", () => {
    expect(tfPadding(512, 512, 3, 3, 2, "same")).toEqual({ h: 256, w: 256, pads: [0, 0, 1, 1] });
    expect(tfPadding(16, 16, 1, 1, 2, "same")).toEqual({ h: 8, w: 8, pads: [0, 0, 0, 0] });
    expect(tfPadding(35, 35, 3, 3, 1, "same")).toEqual({ h: 35, w: 35, pads: [1, 1, 1, 1] });
    expect(tfPadding(150, 150, 7, 7, 2, "valid")).toEqual({ h: 72, w: 72, pads: [0, 0, 0, 0] });
    expect(tfPadding(8, 8, 3, 3, 2, "valid")).toEqual({ h: 3, w: 3, pads: [0, 0, 0, 0] });
  });

  test.each([[7, 3, 2, "same"], [6, 3, 2, "same"], [9, 3, 2, "valid"], [5, 1, 1, "same"]] as const)("tfConv %i×%i k%i s%i %s equals TensorFlow's conv2d in onnxruntime", async (size, k, stride, padding) => {
    const rand = seededRandom(size * 31 + k);
    const [ci, co] = [3, 4];
    const xNhwc = heWeights(rand, size * size * ci, 1);
    const filter = heWeights(rand, k * k * ci * co, k * k * ci);
    const b = new GraphBuilder();
    b.input("x", [1, ci, size, size]);
    const y = tfConv(b, { name: "x", c: ci, h: size, w: size }, { data: filter, shape: [k, k, ci, co] }, new Float32Array(co), stride, padding, "y");
    b.output(y.name);
    const xNchw = new Float32Array(xNhwc.length);
    for (let i = 0; i < size * size; i++) for (let c = 0; c < ci; c++) xNchw[c * size * size + i] = xNhwc[i * ci + c] as number;
    const s = await ort.InferenceSession.create(b.build());
    const out = (await s.run({ x: new ort.Tensor("float32", xNchw, [1, ci, size, size]) }))[y.name] as ort.Tensor;
    await s.release();
    const ref = tfConvReference(xNhwc, size, size, ci, filter, k, co, stride, padding);
    expect(out.dims).toEqual([1, co, ref.oh, ref.ow]);
    const got = out.data as Float32Array;
    for (let o = 0; o < co; o++) for (let i = 0; i < ref.oh * ref.ow; i++) expect(got[o * ref.oh * ref.ow + i]).toBeCloseTo(ref.out[i * co + o] as number, 4);
  });

  test("folding: (conv + bias)·scale + shift, and batch norm as scale/shift", () => {
    const f = foldAffine(Float32Array.from([1, 2, 3, 4]), 2, Float32Array.from([1, -1]), Float32Array.from([2, 0.5]), Float32Array.from([0, 1]));
    expect(Array.from(f.weight)).toEqual([2, 4, 1.5, 2]);
    expect(Array.from(f.bias)).toEqual([2, 0.5]);
    const bn = batchNormAffine(Float32Array.from([2]), Float32Array.from([1]), Float32Array.from([3]), Float32Array.from([4 - 1e-3]), 1e-3);
    expect(bn.scale[0]).toBeCloseTo(1, 6);
    expect(bn.shift[0]).toBeCloseTo(-2, 6);
  });
});

describe("weights against the network", () => {
  test("a missing weight and a misshapen weight are typed errors naming them", () => {
    const reader = new WeightReader(new Map([["a", { name: "a", shape: [2, 3], dtype: "float32", data: new Float32Array(6) }]]), "net");
    expect(reader.get("a", [2, null]).shape).toEqual([2, 3]);
    const missing = (() => { try { reader.get("b"); } catch (e) { return e; } })();
    expect(missing).toBeInstanceOf(WeightsError);
    expect(missing).toMatchObject({ code: WeightsErrorCode.MissingWeight, message: 'net: the manifest has no weight "b"' });
    expect(() => reader.get("a", [3, 3])).toThrow(/weight "a" has shape \[2,3\], expected \[3,3\]/);
  });

  test("the detector without one of its weights does not build", () => {
    const w = realWeights("ssd_mobilenetv1_model-weights_manifest.json");
    w.delete("MobilenetV1/Conv2d_7_depthwise/BatchNorm/gamma");
    expect(() => buildFaceApiModel("ssd-mobilenetv1", w, { packageVersion: "test", files: [] })).toThrow(/no weight "MobilenetV1\/Conv2d_7_depthwise\/BatchNorm\/gamma"/);
  });

  test("the embedder with a misshapen filter does not build", () => {
    const w = realWeights("face_recognition_model-weights_manifest.json");
    const fc = w.get("fc") as DecodedWeight;
    w.set("fc", { ...fc, shape: [128, 256] });
    expect(() => buildFaceApiModel("face-recognition", w, { packageVersion: "test", files: [] })).toThrow(WeightsError);
  });

  test("builds are deterministic and carry provenance metadata", () => {
    const w = realWeights("face_recognition_model-weights_manifest.json");
    const prov = { packageVersion: "1.7.15", files: [{ file: "face_recognition_model.bin", sha256: "ab".repeat(32) }] };
    const a = buildFaceApiModel("face-recognition", w, prov);
    const b = buildFaceApiModel("face-recognition", w, prov);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const m = decodeModel(a);
    expect(m.opsetImports).toEqual([{ domain: "", version: 13 }]);
    const meta = Object.fromEntries(m.metadata.map((e) => [e.key, e.value]));
    expect(meta["jalad.provenance"]).toMatch(/@vladmandic\/face-api 1\.7\.15 \(MIT licence\)/);
    expect(meta["jalad.provenance"]).toContain(`sha256 ${"ab".repeat(32)} face_recognition_model.bin`);
    expect(meta["jalad.preprocessing"]).toMatch(/122\.782/);
    expect(meta["jalad.catalog_name"]).toBe("face-embed");
  });
});
