/** Task-independent output comparisons: top-1 agreement and cosine similarity. */

/** Index of the largest value in `x[from, from + length)`, relative to `from`. */
export function argmax(x: ArrayLike<number>, from = 0, length = x.length - from): number {
  let best = 0;
  let bestV = -Infinity;
  for (let i = 0; i < length; i++) {
    const v = x[from + i] as number;
    if (v > bestV) {
      bestV = v;
      best = i;
    }
  }
  return best;
}

/** Fraction of rows (of `classes` scores each) whose arg-max agrees between two outputs. */
export function top1Agreement(a: ArrayLike<number>, b: ArrayLike<number>, classes: number): number {
  const rows = Math.floor(a.length / classes);
  if (rows === 0) return 1;
  let agree = 0;
  for (let r = 0; r < rows; r++) if (argmax(a, r * classes, classes) === argmax(b, r * classes, classes)) agree++;
  return agree / rows;
}

/** Cosine similarity of two vectors (1 when both are zero). */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 && nb === 0) return 1;
  if (na === 0 || nb === 0) return 0;
  return dot / Math.sqrt(na * nb);
}
