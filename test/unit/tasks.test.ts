import { describe, expect, test } from "vitest";
import { cosineSimilarity, top1Agreement } from "../../tasks/generic.js";
import { boxF1, detectBoxes, iou, probabilityFlips } from "../../tasks/text-detection.js";
import { ctcGreedy, ctcText, sequenceAgreement } from "../../tasks/text-recognition.js";

/** A w×h map with filled rectangles of probability p. */
function map(w: number, h: number, rects: [number, number, number, number, number][]): Float32Array {
  const m = new Float32Array(w * h);
  for (const [x0, y0, x1, y1, p] of rects) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * w + x] = p;
  return m;
}

describe("text detection", () => {
  test("flips count pixels that change side of the threshold", () => {
    const f = probabilityFlips(Float32Array.from([0.1, 0.5, 0.9, 0.29]), Float32Array.from([0.31, 0.5, 0.2, 0.29]));
    expect(f).toMatchObject({ flipped: 2, pixels: 4, textPixels: 2, flipFraction: 0.5, textFlipFraction: 1 });
  });

  test("DB post-processing finds components, drops small and faint ones", () => {
    const m = map(40, 20, [[2, 2, 12, 8, 0.9], [20, 10, 38, 18, 0.8], [30, 1, 32, 3, 0.95], [14, 12, 18, 18, 0.4]]);
    const boxes = detectBoxes(m, 40, 20);
    expect(boxes.map(({ x0, y0, x1, y1 }) => [x0, y0, x1, y1])).toEqual([[20, 10, 38, 18], [2, 2, 12, 8]]);
  });

  test("box F1 matches one-to-one at IoU ≥ 0.5", () => {
    const a = { x0: 0, y0: 0, x1: 10, y1: 10, score: 1 };
    const b = { x0: 1, y0: 0, x1: 11, y1: 10, score: 1 };
    const far = { x0: 50, y0: 50, x1: 60, y1: 60, score: 1 };
    expect(iou(a, b)).toBeCloseTo(90 / 110, 10);
    expect(boxF1([a], [b])).toBe(1);
    expect(boxF1([a, far], [b])).toBeCloseTo(2 / 3, 10);
    expect(boxF1([a], [b, b])).toBeCloseTo(2 / 3, 10); // a duplicate detection is a false positive
    expect(boxF1([], [])).toBe(1);
    expect(boxF1([a], [])).toBe(0);
  });
});

describe("text recognition", () => {
  test("greedy CTC collapses repeats and drops blanks", () => {
    // steps: blank, 3, 3, blank, 3, 2 → [3, 3, 2]
    const classes = 4;
    const winners = [0, 3, 3, 0, 3, 2];
    const probs = new Float32Array(winners.length * classes);
    winners.forEach((c, t) => (probs[t * classes + c] = 1));
    const seq = ctcGreedy(probs, winners.length, classes);
    expect(seq).toEqual([3, 3, 2]);
    expect(ctcText(seq, ["a", "b", "c"])).toBe("ccb");
    expect(sequenceAgreement(seq, [3, 3, 2])).toBe(1);
    expect(sequenceAgreement(seq, [3, 2])).toBe(0);
  });
});

describe("generic", () => {
  test("top-1 agreement per row and cosine similarity", () => {
    expect(top1Agreement([0.1, 0.9, 0.8, 0.2], [0.2, 0.8, 0.1, 0.9], 2)).toBe(0.5);
    expect(cosineSimilarity([1, 0], [1, 0])).toBe(1);
    expect(cosineSimilarity([1, 0], [0, 1])).toBe(0);
    expect(cosineSimilarity([0, 0], [0, 0])).toBe(1);
  });
});
