/**
 * Estimators of the usable uplink from transfer samples: pluggable, pure, time given by the caller.
 *
 * A sample is `{ bytes, ms, at }`: `bytes` acknowledged over a transfer interval of `ms`
 * milliseconds that ended at `at` (ms on the caller's clock). It comes from a publish and its
 * JetStream ack (one ack round trip) or from a longer window of acknowledged bytes. Its
 * throughput is `bytes / max(ms, 1) · 1000` bytes/s: intervals shorter than 1 ms count as 1 ms so
 * a coarse clock cannot produce an infinite rate. Samples of 0 bytes carry no information and
 * are ignored. Small samples include the round trip, so they underestimate the link: feed
 * samples of at least a few packets.
 *
 * Every estimate comes with a confidence in [0, 1], the product of three factors:
 * - **maturity**: how much evidence there is: for EWMA 1 − 0.5^(sampled ms / halfLifeMs) (the
 *   share of the average's weight that comes from samples rather than its empty start); for the
 *   harmonic mean, samples held / window;
 * - **consistency**: 1 / (1 + cv), cv the coefficient of variation (std / mean) of the sample
 *   throughputs (EWMA: exponentially weighted with the same half-life; harmonic: over the window);
 * - **freshness**: 0.5^(age / staleHalfLifeMs), age = nowMs − the newest sample's `at` (0 if negative).
 * The estimate itself does not decay with age: only the confidence says it is stale.
 */
import { PlannerError, PlannerErrorCode } from "./errors.js";

/** One measurement: `bytes` acknowledged over `ms` milliseconds, ending at `at` (ms, caller's clock). */
export interface BandwidthSample {
  /** Bytes acknowledged (≥ 0; 0 is ignored). */
  readonly bytes: number;
  /** Length of the transfer interval, ms (≥ 0; below 1 counts as 1). */
  readonly ms: number;
  /** When the interval ended, ms on the caller's clock. */
  readonly at: number;
}

/** What an estimator believes the uplink carries now. */
export interface BandwidthEstimate {
  /** Usable uplink, bytes/s. */
  readonly bytesPerSec: number;
  /** How much to trust it, 0..1 (see the file comment). */
  readonly confidence: number;
}

/** A pluggable estimator of the usable uplink. */
export interface BandwidthEstimator {
  /** Records one sample. @throws PlannerError `BAD_ARGUMENT` for a negative or non-finite field. */
  add(sample: BandwidthSample): void;
  /** The estimate at `nowMs` (caller's clock), or undefined before the first sample. */
  estimate(nowMs: number): BandwidthEstimate | undefined;
  /** Forgets every sample. */
  reset(): void;
}

/** Options shared by every estimator. */
export interface EstimatorCommonOptions {
  /** Age at which freshness halves, ms (> 0). Default 5000. */
  readonly staleHalfLifeMs?: number;
}

/** Options for {@link ewmaEstimator}. */
export interface EwmaOptions extends EstimatorCommonOptions {
  /** Sampled time after which a sample's weight halves, ms (> 0). Default 3000. */
  readonly halfLifeMs?: number;
}

/** Options for {@link harmonicMeanEstimator}. */
export interface HarmonicOptions extends EstimatorCommonOptions {
  /** How many of the latest samples to average (integer ≥ 1). Default 5, as in MPC. */
  readonly window?: number;
}

const bad = (msg: string): PlannerError => new PlannerError(PlannerErrorCode.BadArgument, msg);

function positive(name: string, v: number): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw bad(`${name} must be a finite number > 0, got ${v}`);
  return v;
}

/** Validates a sample and returns its throughput in bytes/s, or undefined for a 0-byte sample. */
function throughputOf(s: BandwidthSample): number | undefined {
  for (const k of ["bytes", "ms", "at"] as const) {
    const v = s[k];
    if (typeof v !== "number" || !Number.isFinite(v) || (k !== "at" && v < 0)) throw bad(`bandwidth sample ${k} must be a finite number${k === "at" ? "" : " ≥ 0"}, got ${v}`);
  }
  return s.bytes === 0 ? undefined : (s.bytes / Math.max(s.ms, 1)) * 1000;
}

function freshness(nowMs: number, lastAt: number, staleHalfLifeMs: number): number {
  return 0.5 ** (Math.max(0, nowMs - lastAt) / staleHalfLifeMs);
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

/**
 * Exponentially weighted moving average of sample throughputs, weighted by sampled time: a
 * sample of `ms` milliseconds decays the old average by 0.5^(ms / halfLifeMs) (default 3000 ms),
 * with zero-bias correction (as in Shaka Player's EWMA), so the first sample is the estimate.
 */
export function ewmaEstimator(options: EwmaOptions = {}): BandwidthEstimator {
  const halfLifeMs = positive("halfLifeMs", options.halfLifeMs ?? 3000);
  const stale = positive("staleHalfLifeMs", options.staleHalfLifeMs ?? 5000);
  let mean = 0;
  let meanSq = 0;
  let weightMs = 0;
  let lastAt = -Infinity;
  return {
    add(sample) {
      const x = throughputOf(sample);
      if (x === undefined) return;
      const w = Math.max(sample.ms, 1);
      const keep = 0.5 ** (w / halfLifeMs);
      mean = keep * mean + (1 - keep) * x;
      meanSq = keep * meanSq + (1 - keep) * x * x;
      weightMs += w;
      lastAt = Math.max(lastAt, sample.at);
    },
    estimate(nowMs) {
      if (weightMs === 0) return undefined;
      const maturity = 1 - 0.5 ** (weightMs / halfLifeMs);
      const m = mean / maturity;
      const variance = Math.max(0, meanSq / maturity - m * m);
      const consistency = m > 0 ? 1 / (1 + Math.sqrt(variance) / m) : 0;
      return { bytesPerSec: m, confidence: clamp01(maturity * consistency * freshness(nowMs, lastAt, stale)) };
    },
    reset() {
      mean = meanSq = weightMs = 0;
      lastAt = -Infinity;
    },
  };
}

/**
 * Harmonic mean of the throughputs of the last `window` samples (default 5), as the MPC and
 * FESTIVE ABR algorithms predict bandwidth: robust to one fast outlier, pulled down by slow ones.
 */
export function harmonicMeanEstimator(options: HarmonicOptions = {}): BandwidthEstimator {
  const window = options.window ?? 5;
  if (!Number.isSafeInteger(window) || window < 1) throw bad(`window must be an integer ≥ 1, got ${window}`);
  const stale = positive("staleHalfLifeMs", options.staleHalfLifeMs ?? 5000);
  let recent: number[] = [];
  let lastAt = -Infinity;
  return {
    add(sample) {
      const x = throughputOf(sample);
      if (x === undefined) return;
      recent.push(x);
      if (recent.length > window) recent.shift();
      lastAt = Math.max(lastAt, sample.at);
    },
    estimate(nowMs) {
      const n = recent.length;
      if (n === 0) return undefined;
      const hm = n / recent.reduce((acc, x) => acc + 1 / x, 0);
      const mean = recent.reduce((a, x) => a + x, 0) / n;
      const sd = Math.sqrt(recent.reduce((a, x) => a + (x - mean) ** 2, 0) / n);
      const consistency = 1 / (1 + sd / mean);
      return { bytesPerSec: hm, confidence: clamp01((n / window) * consistency * freshness(nowMs, lastAt, stale)) };
    },
    reset() {
      recent = [];
      lastAt = -Infinity;
    },
  };
}

/** The estimator names {@link createBandwidthEstimator} knows. */
export const ESTIMATORS = ["ewma", "harmonic"] as const;

/** An estimator name. */
export type EstimatorName = (typeof ESTIMATORS)[number];

/** Options for {@link createBandwidthEstimator}: those of the named estimator. */
export type EstimatorOptions = EwmaOptions & HarmonicOptions;

/**
 * An estimator by name: "ewma" ({@link ewmaEstimator}) or "harmonic" ({@link harmonicMeanEstimator}).
 * Options the named estimator does not use are ignored.
 * @throws PlannerError `BAD_ARGUMENT` for an unknown name or a bad option.
 */
export function createBandwidthEstimator(name: EstimatorName, options: EstimatorOptions = {}): BandwidthEstimator {
  switch (name) {
    case "ewma":
      return ewmaEstimator(options);
    case "harmonic":
      return harmonicMeanEstimator(options);
    default:
      throw bad(`unknown bandwidth estimator ${JSON.stringify(name)}: expected one of ${ESTIMATORS.join(", ")}`);
  }
}
