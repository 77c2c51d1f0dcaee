// The link emulator's shaper, driven with explicit times (no wall clock).
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { stepTrace } from "../../planner/trace-builtins.js";
import { traceFromSamples } from "../../planner/trace.js";
import { CATCH_UP_MS, MAX_BURST_BYTES, MIN_BURST_BYTES, TokenBucket, checkLinkRate } from "../../services/token-bucket.js";

describe("TokenBucket", () => {
  test("starts full, refills at the rate, never above the burst", () => {
    const b = new TokenBucket({ rate: 100_000, startMs: 1000 }); // 10 ms of 100 KB/s = 1000 B < one packet
    expect(b.burstAt(1000)).toBe(MIN_BURST_BYTES);
    expect(b.available(1000)).toBe(1500);
    b.take(1500, 1000);
    expect(b.available(1000)).toBe(0);
    expect(b.available(1005)).toBe(500);
    expect(b.available(1100)).toBe(1500);
    expect(new TokenBucket({ rate: 1e9, startMs: 0 }).burstAt(0)).toBe(MAX_BURST_BYTES);
    expect(new TokenBucket({ rate: 1e6, startMs: 0 }).burstAt(0)).toBe(10_000);
    expect(new TokenBucket({ rate: 1e6, startMs: 0, burstBytes: 64 }).available(0)).toBe(64);
  });

  test("waitMs: time until half a burst (or what is wanted) is there", () => {
    const b = new TokenBucket({ rate: 100_000, startMs: 0 });
    b.take(1500, 0);
    expect(b.waitMs(100, 0)).toBeCloseTo(1, 9);
    expect(b.waitMs(10_000, 0)).toBeCloseTo(7.5, 9); // capped at burst / 2 = 750 B
    expect(b.waitMs(100, 1)).toBe(0);
  });

  test("follows a trace exactly across steps and reports its rate", () => {
    const t = traceFromSamples([{ atMs: 0, bytesPerSec: 100_000 }, { atMs: 100, bytesPerSec: 1_000_000 }], { durationMs: 200 });
    const b = new TokenBucket({ rate: t, startMs: 500, burstBytes: 1e9 });
    b.take(Infinity, 500);
    expect(b.rateAt(550)).toBe(100_000);
    expect(b.rateAt(650)).toBe(1_000_000);
    expect(b.available(700)).toBe(10_000 + 100_000); // 100 ms at each rate
    expect(b.rateAt(1e6)).toBe(1_000_000); // not looping: the last rate holds
    const looped = new TokenBucket({ rate: t, startMs: 500, loop: true });
    expect(looped.rateAt(720)).toBe(100_000);
  });

  test("rate 0 waits for the next trace step, or forever for a constant 0", () => {
    const t = traceFromSamples([{ atMs: 0, bytesPerSec: 0 }, { atMs: 300, bytesPerSec: 1e6 }], { durationMs: 400 });
    const b = new TokenBucket({ rate: t, startMs: 0 });
    b.take(Infinity, 0);
    expect(b.waitMs(1000, 100)).toBe(200);
    const z = new TokenBucket({ rate: 0, startMs: 0 });
    z.take(Infinity, 0);
    expect(z.waitMs(1, 10)).toBeUndefined();
    expect(z.available(1e6)).toBe(0);
  });

  test("setRate switches the rate from now on and restarts a trace; Infinity is unshaped", () => {
    const b = new TokenBucket({ rate: 1000, startMs: 0, burstBytes: 1e9 });
    b.take(Infinity, 0);
    b.setRate(stepTrace({ segmentMs: 100 }), 1000); // 1000 B earned at the old rate first
    expect(b.available(1000)).toBe(1000);
    expect(b.rateAt(1000)).toBe(2e6);
    expect(b.rateAt(1150)).toBe(3e5);
    b.setRate(Infinity, 2000);
    expect(b.unshaped).toBe(true);
    expect(b.available(2000)).toBe(Infinity);
    expect(b.waitMs(1e9, 2000)).toBe(0);
    expect(() => b.setRate(-1, 2000)).toThrowError(RangeError);
    expect(checkLinkRate(NaN)).toMatch(/rate must be ≥ 0/);
    expect(checkLinkRate({} as never)).toMatch(/BandwidthTrace/);
  });

  test("while backlogged, a late pump gets up to CATCH_UP_MS of the rate beyond the burst; idle, only the burst", () => {
    const b = new TokenBucket({ rate: 1e6, startMs: 0 }); // burst 10 000 B
    b.take(Infinity, 0);
    expect(b.available(50, true)).toBe(10_000 + (1e6 * CATCH_UP_MS) / 1000);
    b.take(Infinity, 50);
    expect(b.available(100)).toBe(10_000);
  });

  test("property: over any schedule of takes, bytes sent ≤ burst + the rate's integral", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1000, max: 3e6 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 20_000 }), fc.boolean()), { maxLength: 200 }), (rate, steps) => {
        const b = new TokenBucket({ rate, startMs: 0 });
        const burst = b.burstAt(0);
        let t = 0;
        let sent = 0;
        for (const [dt, want, backlogged] of steps) {
          t += dt;
          const n = Math.min(want, b.available(t, backlogged));
          b.take(n, t);
          sent += n;
        }
        expect(sent).toBeLessThanOrEqual(burst + (rate * t) / 1000 + 1e-6);
      }),
    );
  });
});
