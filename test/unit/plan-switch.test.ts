// Re-decoupling hysteresis: margin, hold time on a fake clock, infeasibility, same plan.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { PlanChoice } from "../../planner/candidate.js";
import { PlannerError } from "../../planner/errors.js";
import { PlanSwitchPolicy, SwitchReason, samePlan } from "../../planner/plan-switch.js";

function choice(cut: number, totalMs: number, extra: { codec?: string; bits?: number | null; fps?: number; accuracyDrop?: number } = {}): PlanChoice {
  return {
    cut,
    codec: extra.codec ?? "ans",
    bits: extra.bits === undefined ? 4 : extra.bits,
    encoding: cut,
    predicted: { edgeMs: 0, transferMs: totalMs, cloudMs: 0, totalMs, fps: extra.fps ?? 1000 / totalMs, bytes: 1000, accuracyDrop: extra.accuracyDrop ?? 0 },
  };
}

/** A fake clock: the policy only sees the times passed to consider(). */
function clock(start = 0): { now: () => number; advance: (ms: number) => number } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe("PlanSwitchPolicy", () => {
  test("adopts the first candidate at once", () => {
    const d = new PlanSwitchPolicy().consider(undefined, choice(1, 100), 0);
    expect(d).toMatchObject({ switch: true, reason: SwitchReason.Initial });
  });

  test("switches only after the candidate beats the current plan by the margin for the hold time", () => {
    const p = new PlanSwitchPolicy({ marginFraction: 0.1, holdMs: 2000 });
    const c = clock(10_000);
    const cur = choice(1, 100);
    const better = choice(2, 80);
    expect(p.consider(cur, better, c.now())).toMatchObject({ switch: false, reason: SwitchReason.Holding });
    c.advance(1999);
    expect(p.consider(cur, better, c.now())).toMatchObject({ switch: false, reason: SwitchReason.Holding });
    c.advance(1);
    const d = p.consider(cur, better, c.now());
    expect(d).toMatchObject({ switch: true, reason: SwitchReason.Better });
    expect(d.message).toBe("cut 2 ans c=4 beats cut 1 ans c=4 by 20.0% for 2000 ms");
  });

  test("a candidate within the margin never wins, and a lapse restarts the hold", () => {
    const p = new PlanSwitchPolicy({ marginFraction: 0.1, holdMs: 1000 });
    const c = clock();
    const cur = choice(1, 100);
    expect(p.consider(cur, choice(2, 91), c.now())).toMatchObject({ switch: false, reason: SwitchReason.NotBetter });
    expect(p.consider(cur, choice(2, 85), c.advance(100))).toMatchObject({ reason: SwitchReason.Holding });
    expect(p.consider(cur, choice(2, 95), c.advance(800))).toMatchObject({ reason: SwitchReason.NotBetter }); // bandwidth dipped
    expect(p.consider(cur, choice(2, 85), c.advance(100))).toMatchObject({ reason: SwitchReason.Holding });
    expect(p.consider(cur, choice(2, 85), c.advance(999))).toMatchObject({ reason: SwitchReason.Holding });
    expect(p.consider(cur, choice(2, 85), c.advance(1))).toMatchObject({ switch: true });
  });

  test("the hold is about the current plan being beaten, whichever candidate beats it", () => {
    const p = new PlanSwitchPolicy({ holdMs: 1000 });
    const cur = choice(1, 100);
    expect(p.consider(cur, choice(2, 80), 0).reason).toBe(SwitchReason.Holding);
    expect(p.consider(cur, choice(3, 82), 600).reason).toBe(SwitchReason.Holding);
    expect(p.consider(cur, choice(2, 79), 1000)).toMatchObject({ switch: true, reason: SwitchReason.Better });
  });

  test("the hold restarts when the current plan changes", () => {
    const p = new PlanSwitchPolicy({ holdMs: 1000 });
    expect(p.consider(choice(1, 100), choice(2, 50), 0).reason).toBe(SwitchReason.Holding);
    expect(p.consider(choice(3, 100), choice(2, 50), 999).reason).toBe(SwitchReason.Holding);
    expect(p.consider(choice(3, 100), choice(2, 50), 1998).reason).toBe(SwitchReason.Holding);
    expect(p.consider(choice(3, 100), choice(2, 50), 1999).switch).toBe(true);
  });

  test("same (cut, codec, bits) is the same plan, whatever its prediction", () => {
    const p = new PlanSwitchPolicy({ holdMs: 0 });
    expect(p.consider(choice(1, 100), choice(1, 10), 0)).toMatchObject({ switch: false, reason: SwitchReason.SamePlan });
    expect(p.consider(choice(1, 100), choice(1, 10, { bits: 8 }), 0).switch).toBe(true);
    expect(p.consider(choice(1, 100), choice(1, 10, { codec: "huffman" }), 0).switch).toBe(true);
    expect(samePlan(choice(0, 1, { codec: "png", bits: null }), choice(0, 9, { codec: "png", bits: null }))).toBe(true);
  });

  test("an infeasible current plan is left at once for a feasible candidate, even a slower one", () => {
    const p = new PlanSwitchPolicy({ minFps: 10, maxAccuracyDrop: 0.01, maxLatencyMs: 500 });
    const ok = choice(2, 150, { fps: 12 });
    expect(p.consider(choice(1, 100, { fps: 5 }), ok, 0)).toMatchObject({ switch: true, reason: SwitchReason.CurrentInfeasible });
    expect(p.consider(choice(1, 100, { accuracyDrop: 0.02 }), ok, 0).reason).toBe(SwitchReason.CurrentInfeasible);
    expect(p.consider(choice(1, 600, { fps: 20 }), ok, 0).reason).toBe(SwitchReason.CurrentInfeasible);
    const d = p.consider(choice(1, Infinity, { fps: 0 }), ok, 0); // no bandwidth left for its bytes
    expect(d.reason).toBe(SwitchReason.CurrentInfeasible);
    expect(d.message).toMatch(/no bandwidth for its bytes/);
  });

  test("an infeasible candidate never replaces a feasible plan", () => {
    const p = new PlanSwitchPolicy({ minFps: 10, holdMs: 0 });
    expect(p.consider(choice(1, 100, { fps: 10 }), choice(2, 10, { fps: 9 }), 0)).toMatchObject({ switch: false, reason: SwitchReason.CandidateInfeasible });
  });

  test("when both are infeasible, the margin and hold decide", () => {
    const p = new PlanSwitchPolicy({ minFps: 100, holdMs: 500 });
    expect(p.consider(choice(1, Infinity, { fps: 0 }), choice(2, 200, { fps: 5 }), 0).reason).toBe(SwitchReason.Holding);
    expect(p.consider(choice(1, Infinity, { fps: 0 }), choice(2, 200, { fps: 5 }), 500).reason).toBe(SwitchReason.Better);
    expect(p.consider(choice(1, Infinity, { fps: 0 }), choice(2, Infinity, { fps: 0 }), 0).reason).toBe(SwitchReason.NotBetter);
  });

  test("bad options are PlannerError BAD_ARGUMENT", () => {
    expect(() => new PlanSwitchPolicy({ marginFraction: 1.5 })).toThrowError(PlannerError);
    expect(() => new PlanSwitchPolicy({ holdMs: -1 })).toThrowError(/holdMs must be in 0..Infinity/);
    expect(new PlanSwitchPolicy()).toMatchObject({ marginFraction: 0.1, holdMs: 2000 });
  });

  test("property: never switches before holdMs of a continuous streak, nor to a candidate within the margin", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.integer({ min: 0, max: 5000 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.double({ min: 1, max: 300, noNaN: true })), { minLength: 1, maxLength: 40 }),
        (margin, holdMs, steps) => {
          const p = new PlanSwitchPolicy({ marginFraction: margin, holdMs });
          const cur = choice(1, 100);
          let t = 0;
          let streakStart: number | undefined;
          for (const [dt, total] of steps) {
            t += dt;
            const beats = total < 100 * (1 - margin);
            if (!beats) streakStart = undefined;
            else streakStart ??= t;
            const d = p.consider(cur, choice(2, total), t);
            expect(d.switch).toBe(beats && t - (streakStart as number) >= holdMs);
            if (d.switch) streakStart = undefined;
          }
        },
      ),
    );
  });
});
