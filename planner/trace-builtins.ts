/**
 * Built-in bandwidth traces for demos, tests and benchmarks: a step trace and a seeded,
 * 3G-like fluctuating trace. Both are deterministic.
 */
import { type BandwidthTrace, type TraceSample, traceFromSamples } from "./trace.js";
import { TraceError, TraceErrorCode } from "./trace-errors.js";
import { seededRandom } from "../model/random.js";

/** Options for {@link stepTrace}. */
export interface StepTraceOptions {
  /** Length of each step, ms (> 0). Default 30000. */
  readonly segmentMs?: number;
  /** The rates, bytes/s, in order (finite, ≥ 0, at least one). Default {@link STEP_TRACE_RATES}. */
  readonly ratesBytesPerSec?: readonly number[];
  /** Start over after the last step. Default false (the last rate holds). */
  readonly loop?: boolean;
}

/** The default steps of {@link stepTrace}: 2 MB/s → 300 KB/s → 100 KB/s → 1 MB/s (bytes/s). */
export const STEP_TRACE_RATES: readonly number[] = [2e6, 3e5, 1e5, 1e6];

/**
 * A step trace: each rate of `ratesBytesPerSec` for `segmentMs` (default 2 MB/s → 300 KB/s →
 * 100 KB/s → 1 MB/s, 30 s each: 120 s in all).
 * @throws TraceError `BAD_ARGUMENT` for a segment length ≤ 0 or a bad rate.
 */
export function stepTrace(options: StepTraceOptions = {}): BandwidthTrace {
  const segmentMs = options.segmentMs ?? 30_000;
  const rates = options.ratesBytesPerSec ?? STEP_TRACE_RATES;
  if (!(Number.isFinite(segmentMs) && segmentMs > 0)) throw new TraceError(TraceErrorCode.BadArgument, `segmentMs must be a finite number > 0, got ${segmentMs}`);
  return traceFromSamples(
    rates.map((bytesPerSec, i) => ({ atMs: i * segmentMs, bytesPerSec })),
    { durationMs: rates.length * segmentMs, loop: options.loop ?? false },
  );
}

/** Options for {@link synthetic3gTrace}. */
export interface Synthetic3gOptions {
  /** Length of one step of the chain, ms (> 0). Default 500. */
  readonly stepMs?: number;
  /** Start over after the end. Default false. */
  readonly loop?: boolean;
}

/** The levels of the {@link synthetic3gTrace} chain, bytes/s: 50 KB/s to 1 MB/s. */
export const SYNTHETIC_3G_LEVELS: readonly number[] = [50e3, 100e3, 200e3, 350e3, 600e3, 1e6];

/**
 * A seeded, 3G-like fluctuating trace of `durationS` seconds (the same seed gives the same trace).
 *
 * Model: a Markov chain over the levels {@link SYNTHETIC_3G_LEVELS} (50, 100, 200, 350, 600 KB/s,
 * 1 MB/s), stepped every `stepMs` (default 500 ms), starting at 350 KB/s. Per step:
 * - outage: if not in one, with probability 0.02 an outage starts and lasts 1–6 steps (0.5–3 s at
 *   the default step), uniform; the rate is 0 during it, and the level is kept;
 * - otherwise the level stays with probability 0.80, moves one level up or down with 0.18 (half
 *   each way, reflected at the ends) and jumps to a uniformly drawn level with 0.02;
 * - the step's rate is the level times log-normal jitter exp(0.2·z), z ~ N(0, 1), clamped to
 *   50 KB/s..1 MB/s and rounded to whole bytes/s.
 * The last step is cut short when `durationS` is not a multiple of the step.
 * @throws TraceError `BAD_ARGUMENT` for a duration or step ≤ 0.
 */
export function synthetic3gTrace(seed: number, durationS: number, options: Synthetic3gOptions = {}): BandwidthTrace {
  const stepMs = options.stepMs ?? 500;
  if (!(Number.isFinite(durationS) && durationS > 0)) throw new TraceError(TraceErrorCode.BadArgument, `durationS must be a finite number > 0, got ${durationS}`);
  if (!(Number.isFinite(stepMs) && stepMs > 0)) throw new TraceError(TraceErrorCode.BadArgument, `stepMs must be a finite number > 0, got ${stepMs}`);
  const rand = seededRandom(Number.isFinite(seed) ? Math.trunc(seed) : 0);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const levels = SYNTHETIC_3G_LEVELS;
  const lo = levels[0] as number;
  const hi = levels[levels.length - 1] as number;
  const durationMs = durationS * 1000;
  const steps = Math.ceil(durationMs / stepMs);
  const samples: TraceSample[] = [];
  let level = 3;
  let outage = 0;
  for (let i = 0; i < steps; i++) {
    if (outage === 0 && rand() < 0.02) outage = 1 + Math.floor(rand() * 6);
    let bytesPerSec = 0;
    if (outage > 0) {
      outage--;
    } else {
      const u = rand();
      if (u >= 0.98) level = Math.floor(rand() * levels.length);
      else if (u >= 0.8) {
        const up = rand() < 0.5;
        level = up ? (level === levels.length - 1 ? level - 1 : level + 1) : level === 0 ? 1 : level - 1;
      }
      bytesPerSec = Math.round(Math.min(hi, Math.max(lo, (levels[level] as number) * Math.exp(0.2 * gauss()))));
    }
    samples.push({ atMs: i * stepMs, bytesPerSec });
  }
  return traceFromSamples(samples, { durationMs, loop: options.loop ?? false });
}
