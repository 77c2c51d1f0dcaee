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
