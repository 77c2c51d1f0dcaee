// face-api SSD post-processing: anchors, box decoding, NMS, boxes and the accuracy drop.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { decodeWeights } from "../../model/face-api/dequantize.js";
import { parseManifest } from "../../model/face-api/manifest.js";
import { anchorCount, ssdAnchors } from "../../tasks/face-anchors.js";
import { SSD_PREDICTION_WIDTH, boxTableIou, decodeSsd, detectFaces, faceDetectionDrop, nonMaxSuppression } from "../../tasks/face-detection.js";
import { taskAdapter } from "../../tasks/adapter.js";

const require = createRequire(import.meta.url);
const MODEL_DIR = join(require.resolve("@vladmandic/face-api/dist/face-api.esm-nobundle.js"), "../../model");

/** Predictions for `n` anchors: all logits very negative (no face) unless set. */
function predictions(n: number, set: Record<number, number[]> = {}): Float32Array {
  const p = new Float32Array(n * SSD_PREDICTION_WIDTH);
  for (let a = 0; a < n; a++) p[a * SSD_PREDICTION_WIDTH + 5] = -20;
  for (const [a, v] of Object.entries(set)) p.set(v, Number(a) * SSD_PREDICTION_WIDTH);
  return p;
}

describe("SSD anchors", () => {
  test("5118 anchors: 32×32×3 + 16×16×6 + 8×8×6 + 4×4×6 + 2×2×6 + 6", () => {
    expect(anchorCount(ssdAnchors())).toBe(3072 + 1536 + 384 + 96 + 24 + 6);
  });

  test("first cell of the first map: (0.1, 1), (0.2, 2), (0.2, 0.5) around (1/64, 1/64)", () => {
    const a = ssdAnchors();
    const c = 0.5 / 32;
    const box = (s: number, r: number): number[] => [c - s / Math.sqrt(r) / 2, c - (s * Math.sqrt(r)) / 2, c + s / Math.sqrt(r) / 2, c + (s * Math.sqrt(r)) / 2];
    const expected = [...box(0.1, 1), ...box(0.2, 2), ...box(0.2, 0.5)];
    Array.from(a.subarray(0, 12)).forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 6));
  });

  test("the last map (1×1) is centred with scales 0.95 and √0.95", () => {
    const a = ssdAnchors();
    const last = a.subarray(4 * 5112);
    expect(last[0]).toBeCloseTo(0.5 - 0.95 / 2, 6);
    expect(last[4]).toBeCloseTo(0.5 - Math.sqrt(0.95) / 2, 6);
  });

  test("reproduces the anchor table shipped in face-api's weights (Output/extra_dim) to 1e-6", () => {
    const m = parseManifest(readFileSync(join(MODEL_DIR, "ssd_mobilenetv1_model-weights_manifest.json"), "utf8"));
    const w = decodeWeights(m, (p) => new Uint8Array(readFileSync(join(MODEL_DIR, p))));
    const table = w.get("Output/extra_dim");
    expect(table?.shape).toEqual([1, 5118, 4]);
    const ours = ssdAnchors();
    let worst = 0;
    table?.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (ours[i] as number)))));
    expect(worst).toBeLessThan(1e-6);
  });

  test("options change the grid", () => {
    expect(anchorCount(ssdAnchors({ featureMaps: [4, 2], reduceBoxesInLowestLayer: false, aspectRatios: [1] }))).toBe(4 * 4 * 2 + 2 * 2 * 2);
  });
});

describe("SSD box decoding", () => {
  const anchors = Float32Array.from([0.2, 0.1, 0.6, 0.3, 0, 0, 1, 1]);

  test("zero encodings give the anchors; logits go through a sigmoid of class 1", () => {
    const d = decodeSsd(predictions(2, { 0: [0, 0, 0, 0, 0, 0, 0] }), anchors);
    Array.from(d.boxes).forEach((v, i) => expect(v).toBeCloseTo(anchors[i] as number, 6));
    expect(d.scores[0]).toBeCloseTo(0.5, 6);
    expect(d.scores[1]).toBeLessThan(1e-8);
  });

  test("TF box coder: centre moves by t/10 of the anchor size, size scales by exp(t/5)", () => {
    const d = decodeSsd(predictions(2, { 0: [10, -10, 5 * Math.log(2), 0, 0, 2, 0] }), anchors);
    // anchor 0: h 0.4, w 0.2, centre (0.4, 0.2) → centre (0.8, 0.0), h 0.8, w 0.2
    expect(Array.from(d.boxes.subarray(0, 4)).map((v) => Number(v.toFixed(6)))).toEqual([0.4, -0.1, 1.2, 0.1]);
    expect(d.scores[0]).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
  });

  test("decodes the requested image of a batch and checks the size", () => {
    const p = new Float32Array(2 * 2 * SSD_PREDICTION_WIDTH);
    p[2 * SSD_PREDICTION_WIDTH + 5] = 3;
    expect(decodeSsd(p, anchors, 1).scores[0]).toBeCloseTo(1 / (1 + Math.exp(-3)), 6);
    expect(() => decodeSsd(p, anchors, 2)).toThrow(/expected 2 anchors × 7 for image 2/);
  });
});

describe("non-maximum suppression", () => {
  // [ymin, xmin, ymax, xmax]
  const boxes = Float32Array.from([0, 0, 1, 1, 0, 0.1, 1, 1.1, 0, 0.6, 1, 1.6, 2, 2, 3, 3]);

  test("IoU as face-api computes it (corners in any order, empty boxes 0)", () => {
    expect(boxTableIou(boxes, 0, 1)).toBeCloseTo(0.9 / 1.1, 6);
    expect(boxTableIou(Float32Array.from([1, 1, 0, 0, 0, 0, 1, 1]), 0, 1)).toBe(1);
    expect(boxTableIou(Float32Array.from([0, 0, 0, 1, 0, 0, 1, 1]), 0, 1)).toBe(0);
  });

  test("keeps the best box, drops overlaps above 0.5, keeps the rest by score", () => {
    const scores = Float32Array.from([0.9, 0.95, 0.8, 0.6]);
    expect(nonMaxSuppression(boxes, scores)).toEqual([1, 2, 3]);
  });

  test("score threshold is strict, ties go to the lower index, maxResults caps", () => {
    const scores = Float32Array.from([0.5, 0.7, 0.7, 0.7]);
    expect(nonMaxSuppression(boxes, scores)).toEqual([1, 2, 3]);
    expect(nonMaxSuppression(boxes, scores, { maxResults: 2 })).toEqual([1, 2]);
    expect(nonMaxSuppression(boxes, scores, { iouThreshold: 0.95, minScore: 0.4 })).toEqual([1, 2, 3, 0]);
  });
});

describe("faces and accuracy", () => {
  test("detectFaces clips boxes to the image and returns x/y corners", () => {
    const anchors = Float32Array.from([-0.1, 0.5, 0.3, 1.2]);
    const [f] = detectFaces(predictions(1, { 0: [0, 0, 0, 0, 0, 4, 0] }), {}, 0, anchors);
    expect(f).toMatchObject({ x0: 0.5, y0: 0, x1: 1 });
    expect(f?.y1).toBeCloseTo(0.3, 6);
  });

  test("drop = 1 − F1 at IoU ≥ 0.5", () => {
    const a = { x0: 0, y0: 0, x1: 0.5, y1: 0.5, score: 0.9 };
    const b = { x0: 0.6, y0: 0.6, x1: 0.9, y1: 0.9, score: 0.8 };
    expect(faceDetectionDrop([a, b], [a, b])).toBe(0);
    expect(faceDetectionDrop([a, b], [a])).toBeCloseTo(1 - 2 / 3, 10);
    expect(faceDetectionDrop([], [])).toBe(0);
  });

  test("the face-detection task adapter decodes raw predictions and scores agreement by F1", () => {
    const ad = taskAdapter("face-detection");
    const p = predictions(5118, { 100: [0, 0, 0, 0, 0, 5, 0] });
    const ref = ad.predict({ data: p, dims: [1, 5118, 7] });
    expect((ref as unknown[]).length).toBe(1);
    expect(ad.agreement(ref, ref)).toBe(1);
    expect(ad.agreement(ref, ad.predict({ data: predictions(5118), dims: [1, 5118, 7] }))).toBe(0);
    expect(JSON.stringify(ad.result(ref))).toMatch(/^\[\[[\d.,]+\]\]$/);
  });
});
