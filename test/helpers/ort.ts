/** onnxruntime helpers for tests: run a model from bytes, compare outputs. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import ort from "onnxruntime-node";
import { readRgbResized } from "../../services/image.js";
import { type NormalizeSpec, rgbToTensor } from "../../model/preprocess.js";

/** Runs a model once and returns its outputs (session released). */
export async function runOnce(model: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const s = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

/** Max |a − b| over two float tensors of equal size, and max |a|. */
export function maxAbsDiff(a: ort.Tensor, b: ort.Tensor): { diff: number; magnitude: number } {
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  if (x.length !== y.length) return { diff: Infinity, magnitude: 0 };
  let diff = 0;
  let magnitude = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs((x[i] as number) - (y[i] as number));
    if (!(d <= diff)) diff = d; // NaN-safe: a NaN diff makes diff NaN
    magnitude = Math.max(magnitude, Math.abs(x[i] as number));
  }
  return { diff, magnitude };
}

/** Folder of the real photos extracted by scripts/fetch-photos.sh. */
export const PHOTOS_DIR = join(import.meta.dirname, "../../.cache/photos");

/** Path of a real photo, failing clearly when setup has not been run. */
export function photo(name: string): string {
  const p = join(PHOTOS_DIR, name);
  if (!existsSync(p)) throw new Error(`missing test photo ${p}: run scripts/setup.sh (or scripts/fetch-photos.sh) first`);
  return p;
}

/** Loads photos as one NCHW float32 batch at width×height with the given normalisation. */
export async function photoBatch(names: readonly string[], width: number, height: number, spec: NormalizeSpec, crop?: { left: number; top: number; width: number; height: number }): Promise<ort.Tensor> {
  const plane = 3 * width * height;
  const out = new Float32Array(names.length * plane);
  for (const [i, n] of names.entries()) {
    const img = await readRgbResized(photo(n), width, height, crop);
    rgbToTensor(img.data, width, height, spec, out, i * plane);
  }
  return new ort.Tensor("float32", out, [names.length, 3, height, width]);
}
