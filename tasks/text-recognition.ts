/** Text recognition (PP-OCR CTC) output decoding and agreement. */

/**
 * Greedy CTC decoding of a [T, C] probability matrix (row-major): arg-max per step, repeats
 * collapsed, the blank class (index 0) dropped. Returns class indices.
 */
export function ctcGreedy(probs: Float32Array, steps: number, classes: number): number[] {
  if (probs.length < steps * classes) throw new RangeError(`CTC output has ${probs.length} values, expected ${steps}×${classes}`);
  const out: number[] = [];
  let prev = -1;
  for (let t = 0; t < steps; t++) {
    let best = 0;
    let bestP = -Infinity;
    const base = t * classes;
    for (let c = 0; c < classes; c++) {
      const p = probs[base + c] as number;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    if (best !== prev && best !== 0) out.push(best);
    prev = best;
  }
  return out;
}

/** Maps CTC class indices to text with a PaddleOCR key list (class i is keys[i − 1]; the last class is a space). */
export function ctcText(indices: readonly number[], keys: readonly string[]): string {
  return indices.map((i) => (i - 1 < keys.length ? (keys[i - 1] ?? "") : " ")).join("");
}

/** 1 when two decoded sequences are identical, else 0. */
export function sequenceAgreement(a: readonly number[], b: readonly number[]): number {
  return a.length === b.length && a.every((v, i) => v === b[i]) ? 1 : 0;
}
