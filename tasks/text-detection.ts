/**
 * Text-detection (DB / PP-OCR) output comparison: how many probability-map pixels change
 * side of the binarisation threshold when the model is split and its features compressed.
 */

/** PaddleOCR's DB binarisation threshold on the probability map. */
export const DB_THRESHOLD = 0.3;

/** Pixels that flip across the threshold, against the unsplit model's map. */
export interface FlipStats {
  /** Pixels whose thresholded value differs. */
  readonly flipped: number;
  /** All pixels. */
  readonly pixels: number;
  /** Text pixels (≥ threshold) in the reference map. */
  readonly textPixels: number;
  /** flipped / pixels. */
  readonly flipFraction: number;
  /** flipped / textPixels (0 when the reference has no text pixels and nothing flipped). */
  readonly textFlipFraction: number;
}

/** Compares a probability map with the reference map at `threshold` (default 0.3). */
export function probabilityFlips(reference: Float32Array, actual: Float32Array, threshold = DB_THRESHOLD): FlipStats {
  if (reference.length !== actual.length) throw new RangeError(`probability maps differ in size: ${reference.length} vs ${actual.length}`);
  let flipped = 0;
  let textPixels = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = (reference[i] as number) >= threshold;
    if (r) textPixels++;
    if (r !== (actual[i] as number) >= threshold) flipped++;
  }
  const pixels = reference.length;
  return {
    flipped, pixels, textPixels,
    flipFraction: pixels > 0 ? flipped / pixels : 0,
    textFlipFraction: textPixels > 0 ? flipped / textPixels : flipped > 0 ? Infinity : 0,
  };
}

/** An axis-aligned box in map pixels, [x0, x1) × [y0, y1). */
export interface Box {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
  /** Mean probability inside the component. */
  readonly score: number;
}

/** Options of {@link detectBoxes}, with PaddleOCR's DB defaults. */
export interface DetectOptions {
  /** Binarisation threshold. Default 0.3. */
  readonly threshold?: number;
  /** Minimum mean probability of a kept component. Default 0.6. */
  readonly boxThreshold?: number;
  /** Minimum component area in pixels. Default 16. */
  readonly minArea?: number;
}

/**
 * DB post-processing, simplified to axis-aligned boxes: binarise the probability map, find
 * 8-connected components, keep those with enough area and mean probability, and return their
 * bounding boxes (largest first).
 */
export function detectBoxes(prob: Float32Array, width: number, height: number, options: DetectOptions = {}): Box[] {
  const threshold = options.threshold ?? DB_THRESHOLD;
  const boxThreshold = options.boxThreshold ?? 0.6;
  const minArea = options.minArea ?? 16;
  if (prob.length < width * height) throw new RangeError(`probability map has ${prob.length} values, expected ${width}×${height}`);
  const label = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  const boxes: (Box & { area: number })[] = [];
  let next = 0;
  for (let start = 0; start < width * height; start++) {
    if (label[start] !== 0 || (prob[start] as number) < threshold) continue;
    next++;
    let sp = 0;
    stack[sp++] = start;
    label[start] = next;
    let x0 = width;
    let y0 = height;
    let x1 = 0;
    let y1 = 0;
    let area = 0;
    let sum = 0;
    while (sp > 0) {
      const p = stack[--sp] as number;
      const x = p % width;
      const y = (p - x) / width;
      area++;
      sum += prob[p] as number;
      if (x < x0) x0 = x;
      if (x >= x1) x1 = x + 1;
      if (y < y0) y0 = y;
      if (y >= y1) y1 = y + 1;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const q = yy * width + xx;
          if (label[q] === 0 && (prob[q] as number) >= threshold) {
            label[q] = next;
            stack[sp++] = q;
          }
        }
      }
    }
    const score = sum / area;
    if (area >= minArea && score >= boxThreshold) boxes.push({ x0, y0, x1, y1, score, area });
  }
  return boxes.sort((a, b) => b.area - a.area).map(({ x0, y0, x1, y1, score }) => ({ x0, y0, x1, y1, score }));
}

/** Intersection over union of two boxes. */
export function iou(a: Box, b: Box): number {
  const iw = Math.max(0, Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0));
  const ih = Math.max(0, Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0));
  const inter = iw * ih;
  const union = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * F1 of `got` boxes against `reference` boxes: greedy one-to-one matching by descending IoU,
 * a match needing IoU ≥ `minIou` (default 0.5). Two empty sets agree perfectly (F1 = 1).
 */
export function boxF1(reference: readonly Box[], got: readonly Box[], minIou = 0.5): number {
  if (reference.length === 0 && got.length === 0) return 1;
  const pairs: [number, number, number][] = [];
  reference.forEach((r, i) => got.forEach((g, j) => {
    const v = iou(r, g);
    if (v >= minIou) pairs.push([v, i, j]);
  }));
  pairs.sort((a, b) => b[0] - a[0]);
  const usedR = new Set<number>();
  const usedG = new Set<number>();
  let tp = 0;
  for (const [, i, j] of pairs) {
    if (usedR.has(i) || usedG.has(j)) continue;
    usedR.add(i);
    usedG.add(j);
    tp++;
  }
  return (2 * tp) / (reference.length + got.length);
}
