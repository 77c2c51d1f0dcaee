/**
 * Clipping ranges chosen at calibration: a percentile range, or the range that minimises the
 * mean squared quantization error (clipping error + rounding error) at a given bit width.
 * Both work on a 4096-bin histogram, so they cost two passes over the samples.
 */
import { CodecError, CodecErrorCode } from "./errors.js";

const BINS = 4096;

function histogram(x: Float32Array): { lo: number; hi: number; counts: Float64Array } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    lo = Math.min(lo, x[i] as number);
    hi = Math.max(hi, x[i] as number);
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new CodecError(CodecErrorCode.BadInput, "samples", "no finite samples to calibrate a range from");
  const counts = new Float64Array(BINS);
  const k = hi > lo ? (BINS - 1) / (hi - lo) : 0;
  for (let i = 0; i < x.length; i++) {
    const b = Math.floor(((x[i] as number) - lo) * k);
    counts[b] = (counts[b] as number) + 1;
  }
  return { lo, hi, counts };
}

/** The [lo, hi] range holding all but `(100 − p)/2` % of the samples at each end (p in (0, 100]). */
export function percentileRange(x: Float32Array, p: number): { lo: number; hi: number } {
  if (!(p > 0 && p <= 100)) throw new CodecError(CodecErrorCode.BadInput, "percentile", `${p} is not in (0, 100]`);
  const { lo, hi, counts } = histogram(x);
  if (p === 100 || hi === lo) return { lo, hi };
  const tail = (x.length * (100 - p)) / 200;
  const width = (hi - lo) / (BINS - 1);
  let acc = 0;
  let a = 0;
  while (a < BINS - 1 && acc + (counts[a] as number) <= tail) acc += counts[a++] as number;
  acc = 0;
  let b = BINS - 1;
  while (b > a && acc + (counts[b] as number) <= tail) acc += counts[b--] as number;
  return { lo: Math.fround(lo + a * width), hi: Math.fround(Math.min(hi, lo + (b + 1) * width)) };
}

/**
 * The clipping range minimising the expected squared error at `bits`: for candidate ranges
 * [lo + i·w, hi − j·w] (shrinking each end independently), error = Σ clipped distance² +
 * (step²/12)·n_inside. Returns the best candidate (the full range when clipping does not pay).
 */
export function mseOptimalRange(x: Float32Array, bits: number): { lo: number; hi: number } {
  const { lo, hi, counts } = histogram(x);
  if (hi === lo) return { lo, hi };
  const width = (hi - lo) / (BINS - 1);
  const L = 2 ** bits - 1;
  const centre = (i: number): number => lo + (i + 0.5) * width;
  // Try 64 shrink levels per end (each a fraction of the range), evaluated on the histogram.
  const steps = 64;
  let best = { lo, hi, err: Infinity };
  for (let i = 0; i < steps; i++) {
    const a = Math.floor((i / steps) * (BINS / 2));
    for (let j = 0; j < steps; j++) {
      const b = BINS - 1 - Math.floor((j / steps) * (BINS / 2));
      if (b <= a) continue;
      const clo = lo + a * width;
      const chi = lo + b * width;
      const step = (chi - clo) / L;
      let err = 0;
      for (let k = 0; k < BINS; k++) {
        const c = counts[k] as number;
        if (c === 0) continue;
        const v = centre(k);
        if (v < clo) err += c * (clo - v) ** 2;
        else if (v > chi) err += c * (v - chi) ** 2;
        else err += (c * step * step) / 12;
      }
      if (err < best.err) best = { lo: clo, hi: chi, err };
    }
  }
  return { lo: Math.fround(best.lo), hi: Math.fround(best.hi) };
}
