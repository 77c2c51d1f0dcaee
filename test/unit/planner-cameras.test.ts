import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { bruteForceCameras } from "../../planner/brute-force.js";
import { type CamerasPlan, type CamerasProblem, prepareCameras } from "../../planner/cameras.js";
import { PlannerError, PlannerErrorCode } from "../../planner/errors.js";
import { camerasLp, planCameras } from "../../planner/multi-camera.js";
import { type Profile, parseProfile } from "../../planner/profile.js";

type Enc = [cut: number, bytes: number, accuracyDrop: number, encodeMs: number, decodeMs: number];

function profileOf(cuts: [edgeMs: number, cloudMs: number][], encodings: Enc[]): Profile {
  return parseProfile({
    version: 1,
    model: { name: "test", sha256: "cd".repeat(32) },
    cuts: cuts.map(([edgeMs, cloudMs], id) => ({ id, edgeMs, cloudMs })),
    encodings: encodings.map(([cut, bytes, accuracyDrop, encodeMs, decodeMs], j) => ({ cut, codec: `c${j}`, bits: null, bytes, accuracyDrop, encodeMs, decodeMs })),
  });
}

async function rejection(p: Promise<unknown>): Promise<PlannerError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(PlannerError);
    return e as PlannerError;
  }
  throw new Error("expected a PlannerError, the promise resolved");
}

/** Every camera's choice is within its own budget, and the totals fit exactly. */
function expectSound(problem: CamerasProblem, p: CamerasPlan): void {
  expect(p.cameras).toHaveLength(problem.cameras.length);
  p.cameras.forEach((c, i) => expect(c.predicted.accuracyDrop).toBeLessThanOrEqual(problem.cameras[i]?.maxAccuracyDrop ?? -1));
  expect(p.uplinkBytesPerSec).toBeLessThanOrEqual(problem.uplinkBytesPerSec);
  expect(p.cloudMsPerSec).toBeLessThanOrEqual(problem.cloudCapacityMsPerSec ?? Infinity);
}

/**
 * Cut 0 sends a 100 kB frame (cloud 30 ms), cut 1 sends 10 kB (edge 20, cloud 10), cut 2 sends a 100 B
 * result after 60 ms on the edge. Two cameras at 10 fps, uplink 1.02 MB/s (share 510 kB/s each).
 * Latencies: frame 30 + 196.08 = 226.08, features 30 + 19.61 = 49.61, result 60.2 ms.
 */
const P = profileOf([[0, 30], [20, 10], [60, 0]], [[0, 100_000, 0, 0, 0], [1, 10_000, 0, 0, 0], [2, 100, 0, 0, 0]]);
const two = (uplink: number, capacity: number, objective: "sum" | "max", fps = 10): CamerasProblem => ({
  cameras: [{ id: "a", profile: P, maxAccuracyDrop: 0, fps }, { id: "b", profile: P, maxAccuracyDrop: 0, fps, weight: 2 }],
  uplinkBytesPerSec: uplink,
  cloudCapacityMsPerSec: capacity,
  objective,
});

describe("planCameras: hand-made cases", () => {
  test("unconstrained: every camera takes its own fastest plan without a solve", async () => {
    const p = await planCameras(two(1.02e6, Infinity, "sum"));
    expect(p.solver).toBe("separable");
    expect(p.cameras.map((c) => c.cut)).toEqual([1, 1]);
    expect(p.cameras[0]?.shareBytesPerSec).toBe(510_000);
  });

  test("the cloud capacity pushes the lighter-weight camera to edge only", async () => {
    // Features use 100 ms/s of cloud per camera; 150 ms/s leaves room for one: b has weight 2.
    for (const objective of ["sum", "max"] as const) {
      const problem = two(1.02e6, 150, objective);
      const p = await planCameras(problem);
      expect(p.solver).toBe("milp");
      expect(p.cameras.map((c) => [c.camera, c.cut])).toEqual([["a", 2], ["b", 1]]);
      expect(p).toEqual({ ...bruteForceCameras(problem), solver: "milp", optionCount: p.optionCount });
      expectSound(problem, p);
    }
  });

  test("a tight uplink pushes the lighter-weight camera to edge only", async () => {
    // At 40 fps features need 400 kB/s per camera; 700 kB/s fits one camera's. Share 350 kB/s:
    // features 30 + 28.57 ms beat the result's 60.29 ms.
    for (const objective of ["sum", "max"] as const) {
      const problem = two(700_000, Infinity, objective, 40);
      const p = await planCameras(problem);
      expect(p.cameras.map((c) => c.cut)).toEqual([2, 1]);
      expect(p.uplinkBytesPerSec).toBe(404_000);
      expect(p.sumLatencyMs).toBeCloseTo(bruteForceCameras(problem).sumLatencyMs, 9);
    }
  });

  test("infeasible uplink: INFEASIBLE says how much the lightest plans need", async () => {
    const e = await rejection(planCameras(two(1500, Infinity, "sum")));
    expect(e.code).toBe(PlannerErrorCode.Infeasible);
    expect(e.message).toContain("2 KB/s"); // 2 cameras × 10 fps × 100 B
    expect(e.message).toContain("1.5 KB/s");
    expect(() => bruteForceCameras(two(1500, Infinity, "max"))).toThrow(/lightest plans need 2 KB\/s/);
  });

  test("infeasible cloud capacity and a camera with no option are typed too", async () => {
    const q = profileOf([[0, 30], [60, 0]], [[0, 1000, 0, 0, 0], [1, 1000, 0.5, 0, 0]]);
    const both = (capacity: number): CamerasProblem => ({
      cameras: [{ profile: q, maxAccuracyDrop: 0, fps: 10 }, { profile: q, maxAccuracyDrop: 0, fps: 10 }],
      uplinkBytesPerSec: 1e6,
      cloudCapacityMsPerSec: capacity,
      objective: "sum",
    });
    expect((await rejection(planCameras(both(500)))).message).toMatch(/cheapest plans need 600\.0 ms\/s of cloud work/);
    const e = await rejection(planCameras({ cameras: [{ id: "cam7", profile: q, maxAccuracyDrop: 0, fps: 10, minFps: 1000 }], uplinkBytesPerSec: 1e6, objective: "sum" }));
    expect(e.code).toBe(PlannerErrorCode.Infeasible);
    expect(e.message).toMatch(/^camera cam7: no plan reaches 1000 fps/);
    expect(e.closest?.cut).toBe(0);
  });

  test("bad problems are BAD_ARGUMENT", async () => {
    for (const problem of [
      { ...two(1e6, 1, "sum"), cameras: [] },
      { ...two(-1, 1, "sum") },
      { ...two(1e6, Number.NaN, "sum") },
      { ...two(1e6, 1, "sum"), objective: "mean" as "sum" },
      { ...two(1e6, 1, "sum"), cameras: [{ profile: P, maxAccuracyDrop: 0, fps: 0 }] },
      { ...two(1e6, 1, "sum"), cameras: [{ id: "x", profile: P, maxAccuracyDrop: 0, fps: 1 }, { id: "x", profile: P, maxAccuracyDrop: 0, fps: 1 }] },
    ]) expect((await rejection(planCameras(problem))).code).toBe(PlannerErrorCode.BadArgument);
  });

  test("the LP text has one choice row per camera, the two capacity rows and binaries", () => {
    const problem = two(700_000, 500, "max", 40);
    const lp = camerasLp(problem, prepareCameras(problem), "max");
    expect(lp).toMatch(/^Minimize\n obj: t\nSubject To\n one0: x0_0 \+ x0_1/);
    expect(lp).toContain(" uplink:");
    expect(lp).toContain(" cloud:");
    expect(lp).toContain(" lat1: t - ");
    expect(lp).toMatch(/Binary\n x0_0\n/);
  });
});

/** A camera: a random small profile (≤ 5 encodings over ≤ 3 cuts), budget, fps and weight. */
const cameraArb = fc.record({
  cuts: fc.array(fc.tuple(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 80 })), { minLength: 2, maxLength: 3 }),
  encodings: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 40 }), fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5 })), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 5 }),
  budget: fc.integer({ min: 2, max: 4 }),
  fps: fc.integer({ min: 5, max: 60 }),
  weight: fc.constantFrom(1, 1, 2, 0.5),
});

/**
 * Uplink and cloud capacity are placed between what the lightest and the heaviest choices need
 * (fractions u, v; a little below the lightest sometimes, for infeasible cases), so they bind.
 */
const problemArb = fc.record({
  cameras: fc.array(cameraArb, { minLength: 2, maxLength: 4 }),
  u: fc.oneof({ arbitrary: fc.constant(-1), weight: 1 }, { arbitrary: fc.integer({ min: 0, max: 10 }), weight: 8 }),
  v: fc.oneof({ arbitrary: fc.constant(Infinity), weight: 3 }, { arbitrary: fc.constant(-1), weight: 1 }, { arbitrary: fc.integer({ min: 0, max: 10 }), weight: 6 }),
  objective: fc.constantFrom<"sum" | "max">("sum", "max"),
}).map(({ cameras, u, v, objective }): CamerasProblem => {
  const specs = cameras.map((c, i) => ({
    id: `cam${i}`,
    profile: profileOf(
      c.cuts.map(([e, cl], id) => [id === 0 ? 0 : e, id === c.cuts.length - 1 ? 0 : cl]),
      c.encodings.map(([cut, kb, drop, enc, dec]): Enc => [cut % c.cuts.length, kb * 1000, drop / 100, enc, dec]),
    ),
    maxAccuracyDrop: c.budget / 100,
    fps: c.fps,
    weight: c.weight,
  }));
  // Range of each camera's use over its encodings within budget (cloud: cut cloud time + decode).
  const range = (f: (s: (typeof specs)[number], e: Profile["encodings"][number]) => number): [number, number] => {
    let [lo, hi] = [0, 0];
    for (const s of specs) {
      const xs = s.profile.encodings.filter((e) => e.accuracyDrop <= s.maxAccuracyDrop).map((e) => f(s, e));
      lo += xs.length === 0 ? 0 : Math.min(...xs);
      hi += xs.length === 0 ? 0 : Math.max(...xs);
    }
    return [lo, hi];
  };
  const between = ([lo, hi]: [number, number], t: number): number => Math.max(0, Math.round(lo + (t / 10) * (hi - lo)));
  const uplink = between(range((s, e) => s.fps * e.bytes), u);
  const cloud = range((s, e) => s.fps * (e.decodeMs + (s.profile.cuts.find((c) => c.id === e.cut)?.cloudMs ?? 0)));
  return { cameras: specs, uplinkBytesPerSec: uplink, cloudCapacityMsPerSec: v === Infinity ? Infinity : between(cloud, v), objective };
});

describe("planCameras equals the brute force", () => {
  test("random 2–4 camera problems, sum and max, infeasible ones included", async () => {
    let solved = 0;
    let milp = 0;
    let infeasible = 0;
    await fc.assert(
      fc.asyncProperty(problemArb, async (problem) => {
        let expected: CamerasPlan | PlannerErrorCode;
        try {
          expected = bruteForceCameras(problem);
        } catch (e) {
          if (!(e instanceof PlannerError)) throw e;
          expected = e.code;
        }
        if (typeof expected === "string") {
          expect((await rejection(planCameras(problem))).code).toBe(expected);
          infeasible++;
          return;
        }
        const got = await planCameras(problem);
        expectSound(problem, got);
        if (got.solver === "milp") milp++;
        const tol = 1e-7 * Math.max(1, expected.sumLatencyMs);
        if (problem.objective === "sum") expect(Math.abs(got.sumLatencyMs - expected.sumLatencyMs)).toBeLessThanOrEqual(tol);
        else {
          expect(Math.abs(got.maxLatencyMs - expected.maxLatencyMs)).toBeLessThanOrEqual(tol);
          expect(got.sumLatencyMs).toBeLessThanOrEqual(expected.sumLatencyMs + tol);
        }
        // The pruned brute force agrees too: pruning never changes the optimum.
        const pruned = bruteForceCameras(problem, { prune: true });
        expect(problem.objective === "sum" ? pruned.sumLatencyMs : pruned.maxLatencyMs).toBeCloseTo(problem.objective === "sum" ? expected.sumLatencyMs : expected.maxLatencyMs, 9);
        solved++;
      }),
      { numRuns: 300 },
    );
    expect(solved).toBeGreaterThan(50);
    expect(milp).toBeGreaterThan(15); // the rest fit with every camera's own fastest plan
    expect(infeasible).toBeGreaterThan(5);
  });
});
