/** Timing helpers shared by the measuring pipelines: medians, quantiles, warm-up-then-time. */
import { performance } from "node:perf_hooks";

/** The q-quantile (0..1) of `xs` by nearest rank; 0 for an empty list. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : (s[Math.min(s.length - 1, Math.floor(q * s.length))] as number);
}

/** The median of `xs` (upper median for even lengths); 0 for an empty list. */
export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** Runs `f` `warmups` times untimed, then `runs` times timed; returns the median and p95 in ms. */
export async function timed(f: () => Promise<unknown>, runs: number, warmups = 2): Promise<{ ms: number; p95Ms: number }> {
  for (let w = 0; w < warmups; w++) await f();
  const ts: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    await f();
    ts.push(performance.now() - t);
  }
  return { ms: median(ts), p95Ms: quantile(ts, 0.95) };
}
