/** Summaries of calibration samples: means, p95, and the spread across epochs (paper Fig. 5). */
import { quantile } from "./timing.js";

/** One frame's measurement of one encoding. */
export interface Sample {
  readonly bytes: number;
  readonly accuracyDrop: number;
  readonly labelledDrop?: number;
  readonly encodeMs: number;
  readonly decodeMs: number;
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length;
}

/**
 * Summarises samples in frame order: mean and p95 bytes, mean accuracy drop (and labelled drop),
 * median encode/decode times, and for each of `epochs` consecutive slices its mean bytes and
 * accuracy drop, with their range.
 */
export function summarize(samples: readonly Sample[], epochs: number) {
  const per = Math.max(1, Math.ceil(samples.length / Math.max(1, epochs)));
  const slices: Sample[][] = [];
  for (let i = 0; i < samples.length; i += per) slices.push(samples.slice(i, i + per));
  const epochBytes = slices.map((s) => mean(s.map((x) => x.bytes)));
  const epochDrop = slices.map((s) => mean(s.map((x) => x.accuracyDrop)));
  const labelled = samples.filter((s) => s.labelledDrop !== undefined).map((s) => s.labelledDrop as number);
  return {
    bytes: mean(samples.map((s) => s.bytes)),
    bytesP95: quantile(samples.map((s) => s.bytes), 0.95),
    accuracyDrop: mean(samples.map((s) => s.accuracyDrop)),
    ...(labelled.length > 0 ? { labelledAccuracyDrop: mean(labelled) } : {}),
    encodeMs: quantile(samples.map((s) => s.encodeMs), 0.5),
    decodeMs: quantile(samples.map((s) => s.decodeMs), 0.5),
    frames: samples.length,
    stability: {
      epochs: slices.length,
      bytes: { min: Math.min(...epochBytes), max: Math.max(...epochBytes) },
      accuracyDrop: { min: Math.min(...epochDrop), max: Math.max(...epochDrop) },
    },
  };
}
