// Fuzz: 100 000 mutated and truncated real feature messages (PP-OCR classifier activations on a
// real photo, every quantizer/coder path). Each must decode or fail with a CodecError.
import ort from "onnxruntime-node";
import { beforeAll, describe, expect, test } from "vitest";
import { CODER_NAMES } from "../../codec/coder.js";
import { CodecError } from "../../codec/errors.js";
import { type EncodingSpec, type FeatureTensor, decodeFeatures, encodeFeatures } from "../../codec/features.js";
import { seededRandom } from "../../model/builder.js";
import { extractSegments } from "../../model/extract.js";
import { PADDLE_REC_NORMALIZE } from "../../model/preprocess.js";
import { analyzeModel } from "../../pipelines/analyze-model.js";
import { bundled } from "../helpers/models.js";
import { photoBatch, runOnce } from "../helpers/ort.js";
import { META, reseal } from "../helpers/messages.js";

const ITERATIONS = 100_000;
let messages: Uint8Array[] = [];

/** Crops a [1,C,H,W] tensor to [1,c,h,w] from the origin. */
function crop(t: ort.Tensor, c: number, h: number, w: number): FeatureTensor {
  const [, C, H, W] = t.dims as [number, number, number, number];
  const src = t.data as Float32Array;
  const out = new Float32Array(c * h * w);
  for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(k * h + y) * w + x] = src[(k * H + y) * W + x]!;
  expect(C).toBeGreaterThanOrEqual(c);
  return { name: "feature", dims: [1, c, h, w], data: out };
}

beforeAll(async () => {
  const a = await analyzeModel(bundled("ppocr-cls"), { inputShape: "1x3x48x192" });
  const cut = a.analysis.cuts.find((c) => c.kind === "prefix" && c.tensors.length === 1 && c.tensors[0]!.dims.length === 4 && c.tensors[0]!.dims[1]! >= 8)!;
  const seg = extractSegments(a.loaded, a.analysis.index, cut);
  const x = await photoBatch(["licenseplate_motion.jpg"], 192, 48, PADDLE_REC_NORMALIZE);
  const out = await runOnce(seg.front, { x });
  const feature = crop(out[cut.tensors[0]!.name]!, 4, 12, 24);
  const specs: EncodingSpec[] = [
    { quantizer: { kind: "float32" }, coder: "raw" },
    { quantizer: { kind: "float16" }, coder: "deflate" },
    ...[...CODER_NAMES, "raw" as const].flatMap((coder): EncodingSpec[] => [
      { quantizer: { kind: "minmax", bits: 4 }, coder },
      { quantizer: { kind: "zero-point", bits: 3, granularity: "channel" }, coder },
      { quantizer: { kind: "minmax", bits: 12 }, coder },
    ]),
  ];
  messages = specs.map((s) => encodeFeatures({ ...META, cutId: cut.id }, [feature, { ...feature, name: "second" }], s));
});

describe("feature message fuzzing", () => {
  test(`${ITERATIONS} mutated or truncated real messages end in a valid message or a CodecError`, () => {
    const rand = seededRandom(2026);
    const int = (n: number): number => Math.floor(rand() * n);
    let decoded = 0;
    let rejected = 0;
    const codes = new Map<string, number>();
    for (let it = 0; it < ITERATIONS; it++) {
      const m = messages[it % messages.length]!;
      let b: Uint8Array;
      const kind = int(4);
      if (kind === 0) b = m.slice(0, int(m.length)); // truncation
      else if (kind === 1 || kind === 2) {
        b = m.slice();
        for (let k = 1 + int(kind === 1 ? 2 : 8); k > 0; k--) b[int(b.length)] = int(256); // byte mutations
      } else {
        const at = int(m.length); // insertion or deletion
        b = rand() < 0.5 ? Uint8Array.from([...m.subarray(0, at), int(256), ...m.subarray(at)]) : Uint8Array.from([...m.subarray(0, at), ...m.subarray(at + 1)]);
      }
      if (rand() < 0.6) b = reseal(b); // most mutations get a valid CRC, so the deeper checks run
      try {
        decodeFeatures(b);
        decoded++;
      } catch (e) {
        if (!(e instanceof CodecError)) throw new Error(`iteration ${it}: ${String(e)} is not a CodecError`, { cause: e });
        rejected++;
        codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
      }
    }
    expect(decoded + rejected).toBe(ITERATIONS);
    // The checks beyond the checksum must have been exercised.
    for (const code of ["BAD_CHECKSUM", "CORRUPT_PAYLOAD", "BAD_FIELD", "TRUNCATED"]) expect(codes.get(code) ?? 0, code).toBeGreaterThan(0);
    console.log(`fuzz: ${decoded} decoded, ${rejected} rejected`, Object.fromEntries(codes));
  }, 300_000);
});
