/**
 * Exponential backoff with jitter, as pure functions: the delay before reconnect attempt n
 * after n consecutive failures. Used by `frameSource`; no timers here (the operator schedules).
 */

/** A reconnect delay policy. All delays in ms. */
export interface BackoffPolicy {
  /** Base delay after the first failure, ms (≥ 0). */
  readonly initialDelayMs: number;
  /** Ceiling on every delay, jitter included, ms (≥ 0). */
  readonly maxDelayMs: number;
  /** Growth of the base delay per further consecutive failure (≥ 1). */
  readonly factor: number;
  /** Relative jitter j in [0, 1]: a delay is drawn uniformly from base·[1 − j, 1 + j], then capped. */
  readonly jitter: number;
}

/** The default policy: 500 ms, doubling, capped at 10 s, ±20 % jitter. */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialDelayMs: 500, maxDelayMs: 10_000, factor: 2, jitter: 0.2 };

/** Returns a reason the policy is invalid, or undefined when it is valid. */
export function backoffPolicyProblem(p: BackoffPolicy): string | undefined {
  if (!(Number.isFinite(p.initialDelayMs) && p.initialDelayMs >= 0)) return `initialDelayMs must be a finite number ≥ 0, got ${p.initialDelayMs}`;
  if (!(Number.isFinite(p.maxDelayMs) && p.maxDelayMs >= 0)) return `maxDelayMs must be a finite number ≥ 0, got ${p.maxDelayMs}`;
  if (!(Number.isFinite(p.factor) && p.factor >= 1)) return `factor must be a finite number ≥ 1, got ${p.factor}`;
  if (!(p.jitter >= 0 && p.jitter <= 1)) return `jitter must be in [0, 1], got ${p.jitter}`;
  return undefined;
}

/**
 * The base (un-jittered) delay after `failures` consecutive failures (1 = the first):
 * min(maxDelayMs, initialDelayMs · factor^(failures − 1)), ms. Non-decreasing in `failures`;
 * `failures` below 1 counts as 1.
 */
export function backoffBase(p: BackoffPolicy, failures: number): number {
  const n = Math.max(1, Math.floor(failures));
  const grown = p.initialDelayMs * Math.pow(p.factor, n - 1);
  // factor^(n−1) overflows to Infinity for large n: then the ceiling (or 0·Infinity = NaN → 0).
  if (Number.isNaN(grown)) return 0;
  return Math.min(p.maxDelayMs, grown);
}

/**
 * The jittered delay after `failures` consecutive failures, ms:
 * min(maxDelayMs, base · (1 + jitter · (2u − 1))) with u = `random()` in [0, 1) and base from
 * {@link backoffBase}. Always within [base·(1 − jitter), base·(1 + jitter)] and ≤ maxDelayMs.
 * @param random uniform source on [0, 1). Default Math.random.
 */
export function backoffDelay(p: BackoffPolicy, failures: number, random: () => number = Math.random): number {
  const base = backoffBase(p, failures);
  const u = Math.min(1, Math.max(0, random()));
  return Math.min(p.maxDelayMs, base * (1 + p.jitter * (2 * u - 1)));
}
