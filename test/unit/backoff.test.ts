import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type BackoffPolicy, DEFAULT_BACKOFF, backoffBase, backoffDelay, backoffPolicyProblem } from "../../operators/backoff.js";

const policies: fc.Arbitrary<BackoffPolicy> = fc.record({
  initialDelayMs: fc.double({ min: 0, max: 10_000, noNaN: true }),
  maxDelayMs: fc.double({ min: 0, max: 100_000, noNaN: true }),
  factor: fc.double({ min: 1, max: 5, noNaN: true }),
  jitter: fc.double({ min: 0, max: 1, noNaN: true }),
});
const failures = fc.integer({ min: 1, max: 2000 });
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe("backoff", () => {
  test("every delay lies in [base·(1−j), base·(1+j)] and never above the ceiling", () => {
    fc.assert(
      fc.property(policies, failures, unit, (p, n, u) => {
        const base = backoffBase(p, n);
        const d = backoffDelay(p, n, () => u);
        const eps = 1e-9 * Math.max(1, base);
        expect(d).toBeGreaterThanOrEqual(base * (1 - p.jitter) - eps);
        expect(d).toBeLessThanOrEqual(base * (1 + p.jitter) + eps);
        expect(d).toBeLessThanOrEqual(p.maxDelayMs);
        expect(Number.isFinite(d)).toBe(true);
      }),
    );
  });

  test("the base delay starts at min(initial, ceiling), never decreases and never passes the ceiling", () => {
    fc.assert(
      fc.property(policies, failures, (p, n) => {
        expect(backoffBase(p, 1)).toBe(Math.min(p.initialDelayMs, p.maxDelayMs));
        expect(backoffBase(p, n + 1)).toBeGreaterThanOrEqual(backoffBase(p, n));
        expect(backoffBase(p, n)).toBeLessThanOrEqual(p.maxDelayMs);
      }),
    );
  });

  test("the default policy doubles from 500 ms up to the 10 s ceiling; u = 0.5 means no jitter", () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7, 100, 1e6].map((n) => backoffDelay(DEFAULT_BACKOFF, n, mid))).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000, 10_000]);
    expect(backoffDelay(DEFAULT_BACKOFF, 1, () => 0)).toBeCloseTo(400, 9);
    expect(backoffDelay(DEFAULT_BACKOFF, 1, () => 0.999999)).toBeCloseTo(600, 3);
    expect(backoffDelay(DEFAULT_BACKOFF, 6, () => 0.999999)).toBe(10_000); // jitter is capped too
    expect(backoffBase({ ...DEFAULT_BACKOFF, initialDelayMs: 0 }, 5000)).toBe(0); // 0·Infinity stays 0
  });

  test("invalid policies are named", () => {
    expect(backoffPolicyProblem(DEFAULT_BACKOFF)).toBeUndefined();
    expect(backoffPolicyProblem({ ...DEFAULT_BACKOFF, initialDelayMs: -1 })).toMatch(/initialDelayMs/);
    expect(backoffPolicyProblem({ ...DEFAULT_BACKOFF, maxDelayMs: Infinity })).toMatch(/maxDelayMs/);
    expect(backoffPolicyProblem({ ...DEFAULT_BACKOFF, factor: 0.5 })).toMatch(/factor/);
    expect(backoffPolicyProblem({ ...DEFAULT_BACKOFF, jitter: 1.5 })).toMatch(/jitter/);
    expect(backoffPolicyProblem({ ...DEFAULT_BACKOFF, jitter: NaN })).toMatch(/jitter/);
  });
});
