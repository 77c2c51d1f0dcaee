// Uplink estimators: EWMA and harmonic mean, their confidence, the factory.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type BandwidthEstimator, ESTIMATORS, createBandwidthEstimator, ewmaEstimator, harmonicMeanEstimator } from "../../planner/bandwidth-estimators.js";
import { PlannerError, PlannerErrorCode } from "../../planner/errors.js";

/** A sample of `rate` bytes/s over `ms`, ending at `at`. */
const at = (rate: number, ms: number, end: number) => ({ bytes: (rate * ms) / 1000, ms, at: end });

describe.each(ESTIMATORS)("%s estimator", (name) => {
  const make = (): BandwidthEstimator => createBandwidthEstimator(name);

  test("undefined before any sample and after reset; a steady rate is estimated exactly, with high confidence", () => {
    const e = make();
    expect(e.estimate(0)).toBeUndefined();
    for (let i = 1; i <= 10; i++) e.add(at(300_000, 1000, i * 1000));
    const est = e.estimate(10_000);
    expect(est?.bytesPerSec).toBeCloseTo(300_000, 3);
    expect(est?.confidence).toBeGreaterThan(0.85);
    expect(est?.confidence).toBeLessThanOrEqual(1);
    e.reset();
    expect(e.estimate(10_000)).toBeUndefined();
  });

  test("confidence falls with the age of the newest sample", () => {
    const e = make();
    for (let i = 1; i <= 10; i++) e.add(at(1e6, 1000, i * 1000));
    const fresh = e.estimate(10_000)?.confidence ?? NaN;
    const old = e.estimate(15_000)?.confidence ?? NaN;
    expect(old).toBeCloseTo(fresh / 2, 6); // staleHalfLifeMs 5000
    expect(e.estimate(5000)?.confidence).toBeCloseTo(fresh, 9); // a clock behind the samples is age 0
  });

  test("confidence rises with the number of samples and with their consistency", () => {
    const one = make();
    one.add(at(1e6, 1000, 1000));
    const many = make();
    for (let i = 1; i <= 5; i++) many.add(at(1e6, 1000, i * 1000));
    expect(many.estimate(5000)?.confidence).toBeGreaterThan(one.estimate(1000)?.confidence ?? 1);
    const noisy = make();
    for (let i = 1; i <= 5; i++) noisy.add(at(i % 2 === 0 ? 2e6 : 2e5, 1000, i * 1000));
    expect(noisy.estimate(5000)?.confidence).toBeLessThan(many.estimate(5000)?.confidence ?? 0);
  });

  test("0-byte samples are ignored, sub-millisecond intervals count as 1 ms, bad samples throw", () => {
    const e = make();
    e.add({ bytes: 0, ms: 50, at: 0 });
    expect(e.estimate(0)).toBeUndefined();
    e.add({ bytes: 100, ms: 0, at: 1 });
    expect(e.estimate(1)?.bytesPerSec).toBeCloseTo(100_000, 6);
    for (const s of [{ bytes: -1, ms: 1, at: 0 }, { bytes: 1, ms: NaN, at: 0 }, { bytes: 1, ms: 1, at: Infinity }]) {
      expect(() => e.add(s)).toThrowError(PlannerError);
    }
  });

  test("property: the estimate stays within the sample throughputs; confidence within 0..1", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 1e7 }), fc.integer({ min: 1, max: 5000 })), { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 1e6 }), (samples, now) => {
        const e = make();
        let t = 0;
        for (const [bytes, ms] of samples) e.add({ bytes, ms, at: (t += ms) });
        const rates = samples.map(([b, ms]) => (b / ms) * 1000);
        const est = e.estimate(now);
        expect(est).toBeDefined();
        expect(est?.bytesPerSec).toBeGreaterThanOrEqual(Math.min(...rates) * (1 - 1e-9));
        expect(est?.bytesPerSec).toBeLessThanOrEqual(Math.max(...rates) * (1 + 1e-9));
        expect(est?.confidence).toBeGreaterThanOrEqual(0);
        expect(est?.confidence).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe("ewmaEstimator", () => {
  test("follows a step with the configured half-life (by sampled time)", () => {
    const e = ewmaEstimator({ halfLifeMs: 2000 });
    for (let i = 1; i <= 50; i++) e.add(at(1e6, 1000, i * 1000));
    e.add(at(2e5, 2000, 52_000)); // one half-life at the new rate: halfway there
    expect(e.estimate(52_000)?.bytesPerSec).toBeCloseTo(6e5, -2);
    e.add(at(2e5, 2000, 54_000));
    expect(e.estimate(54_000)?.bytesPerSec).toBeCloseTo(4e5, -2);
  });

  test("the first sample is the estimate (zero-bias correction) and maturity grows with sampled time", () => {
    const e = ewmaEstimator({ halfLifeMs: 1000 });
    e.add(at(5e5, 1000, 1000));
    const first = e.estimate(1000);
    expect(first?.bytesPerSec).toBeCloseTo(5e5, 6);
    expect(first?.confidence).toBeCloseTo(0.5, 9); // maturity 1 − 0.5^(1000/1000); consistent; fresh
    expect(() => ewmaEstimator({ halfLifeMs: 0 })).toThrowError(/halfLifeMs must be a finite number > 0/);
  });
});

describe("harmonicMeanEstimator", () => {
  test("is the harmonic mean of the last `window` throughputs", () => {
    const e = harmonicMeanEstimator({ window: 3 });
    e.add(at(9e9, 1000, 0)); // dropped: outside the window at the end
    e.add(at(1e5, 1000, 1));
    e.add(at(2e5, 1000, 2));
    e.add(at(4e5, 1000, 3));
    expect(e.estimate(3)?.bytesPerSec).toBeCloseTo(3 / (1 / 1e5 + 1 / 2e5 + 1 / 4e5), 3);
  });

  test("confidence counts samples against the window", () => {
    const e = harmonicMeanEstimator({ window: 4 });
    e.add(at(1e6, 1000, 0));
    expect(e.estimate(0)?.confidence).toBeCloseTo(0.25, 9);
    expect(() => harmonicMeanEstimator({ window: 0 })).toThrowError(/window must be an integer ≥ 1/);
  });
});

test("createBandwidthEstimator rejects an unknown name", () => {
  try {
    createBandwidthEstimator("bola" as never);
    expect.unreachable();
  } catch (e) {
    expect(e).toBeInstanceOf(PlannerError);
    expect((e as PlannerError).code).toBe(PlannerErrorCode.BadArgument);
    expect((e as PlannerError).message).toMatch(/unknown bandwidth estimator "bola": expected one of ewma, harmonic/);
  }
});
