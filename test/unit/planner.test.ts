import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { bruteForcePlan } from "../../planner/brute-force.js";
import { PlannerError, PlannerErrorCode } from "../../planner/errors.js";
import { type Objective, Planner, plan } from "../../planner/plan.js";
import { type Profile, parseProfile } from "../../planner/profile.js";
import { formatRate, parseRate } from "../../planner/rates.js";

const SHA = "ab".repeat(32);

type Enc = [cut: number, codec: string, bits: number | null, bytes: number, accuracyDrop: number, encodeMs: number, decodeMs: number];

function profileOf(cuts: [edgeMs: number, cloudMs: number][], encodings: Enc[]): Profile {
  return parseProfile({
    version: 1,
    model: { name: "test", sha256: SHA },
    cuts: cuts.map(([edgeMs, cloudMs], id) => ({ id, edgeMs, cloudMs })),
    encodings: encodings.map(([cut, codec, bits, bytes, accuracyDrop, encodeMs, decodeMs]) => ({ cut, codec, bits, bytes, accuracyDrop, encodeMs, decodeMs })),
  });
}

function thrown(f: () => unknown): PlannerError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PlannerError);
    return e as PlannerError;
  }
  throw new Error("expected a PlannerError, nothing was thrown");
}

/**
 * Stages (edge, cloud): raw (0, 30), jpeg (5, 32), ans8 (13, 28), ans4 (12, 27), result (40, 0).
 * At 1 MB/s transfers are 1000, 60, 30, 12, 0.1 ms.
 */
const P = profileOf(
  [[0, 30], [10, 25], [40, 0]],
  [
    [0, "raw", null, 1_000_000, 0, 0, 0],
    [0, "jpeg-q90", null, 60_000, 0.01, 5, 2],
    [1, "ans", 8, 30_000, 0.005, 3, 3],
    [1, "ans", 4, 12_000, 0.03, 2, 2],
    [2, "result", null, 100, 0, 0, 0],
  ],
);
const name = (p: { codec: string; bits: number | null }): string => `${p.codec}${p.bits ?? ""}`;

describe("plan: objectives on a hand-made profile", () => {
  test("latency: edge only wins at 1 MB/s, with the prediction spelled out", () => {
    const p = plan(P, 1e6, 0.05, "latency");
    expect(name(p)).toBe("result");
    expect(p.cut).toBe(2);
    expect(p.predicted).toEqual({ edgeMs: 40, transferMs: 0.1, cloudMs: 0, totalMs: 40.1, fps: 25, bytes: 100, accuracyDrop: 0 });
    expect(p.alternatives.map(name)).toEqual(["ans4", "ans8", "jpeg-q90", "raw"]);
    expect(p.alternatives.map((a) => a.predicted.totalMs)).toEqual([51, 71, 97, 1030]);
  });

  test("throughput: the smallest slowest stage wins", () => {
    expect(name(plan(P, 1e6, 0.05, "throughput"))).toBe("ans4"); // period 27 ms (cloud)
    const p = plan(P, 1e6, 0.01, "throughput");
    expect(name(p)).toBe("ans8"); // period 30 ms (transfer) beats result's 40 ms (edge)
    expect(p.predicted.fps).toBeCloseTo(1000 / 30, 12);
  });

  test("latency-at-fps: the fastest-latency plan is skipped when it misses the floor", () => {
    expect(name(plan(P, 1e6, 0.01, "latency"))).toBe("result"); // 25 fps
    const p = plan(P, 1e6, 0.01, "latency-at-fps", { minFps: 30 });
    expect(name(p)).toBe("ans8");
    expect(p.minFps).toBe(30);
    expect(p.predicted.fps).toBeGreaterThanOrEqual(30);
    expect(p.alternatives).toEqual([]); // nothing else within budget reaches 30 fps
    expect(name(plan(P, 1e6, 0.01, "latency-at-fps", { minFps: 25 }))).toBe("result");
  });

  test("alternatives are capped", () => {
    expect(plan(P, 1e6, 1, "latency", { alternatives: 2 }).alternatives).toHaveLength(2);
    expect(plan(P, 1e6, 1, "latency", { alternatives: 0 }).alternatives).toHaveLength(0);
  });

  test("bandwidth 0: only bytes matter, so the edge-only result wins; tiny bandwidth agrees", () => {
    for (const objective of ["latency", "throughput"] as const) {
      const p = plan(P, 0, 0.05, objective);
      expect(name(p)).toBe("result");
      expect(p.predicted.transferMs).toBe(Infinity);
      expect(name(plan(P, 1, 0.05, objective))).toBe("result");
    }
  });

  test("bandwidth ∞: transfer is free and the cheapest compute wins", () => {
    const p = plan(P, Infinity, 0.05, "latency");
    expect(name(p)).toBe("raw");
    expect(p.predicted.transferMs).toBe(0);
    expect(p.predicted.totalMs).toBe(30);
    expect(name(plan(P, Infinity, 0.05, "throughput"))).toBe("ans4"); // slowest stage 27 ms
  });

  test("bandwidth 0 with a zero-byte encoding: its transfer is 0, not NaN", () => {
    const q = profileOf([[0, 5], [9, 0]], [[0, "raw", null, 10, 0, 0, 0], [1, "result", null, 0, 0, 0, 0]]);
    const p = plan(q, 0, 0, "latency");
    expect(p.predicted).toMatchObject({ transferMs: 0, totalMs: 9 });
  });
});

describe("plan: ties", () => {
  // At bandwidth ∞ every latency below is 10 ms.
  const enc = (cut: number, codec: string, bytes: number): Enc => [cut, codec, 8, bytes, 0, 0, 0];
  const cuts: [number, number][] = [[0, 10], [5, 5], [10, 0]];

  test("fewer bytes, then the lower cut, then the earlier encoding", () => {
    expect(plan(profileOf(cuts, [enc(1, "a", 500), enc(0, "b", 500), enc(2, "c", 100)]), Infinity, 0).codec).toBe("c");
    const p = plan(profileOf(cuts, [enc(1, "a", 500), enc(0, "b", 500), enc(2, "c", 500)]), Infinity, 0);
    expect([p.codec, ...p.alternatives.map((a) => a.codec)]).toEqual(["b", "a", "c"]);
    expect(plan(profileOf(cuts, [enc(1, "y", 500), enc(1, "x", 500)]), Infinity, 0).codec).toBe("y");
  });

  test("throughput ties also go to fewer bytes", () => {
    // Both have a 10 ms slowest stage.
    const q = profileOf(cuts, [enc(0, "big", 900), enc(1, "small", 300)]);
    expect(plan(q, Infinity, 0, "throughput").codec).toBe("small");
  });
});

describe("plan: infeasible and bad arguments", () => {
  test("no encoding within the accuracy budget: INFEASIBLE names the least lossy one", () => {
    const q = profileOf([[0, 10], [5, 0]], [[0, "jpeg-q50", null, 10, 0.2, 0, 0], [1, "ans", 2, 5, 0.05, 0, 0]]);
    const e = thrown(() => plan(q, 1e6, 0.01));
    expect(e.code).toBe(PlannerErrorCode.Infeasible);
    expect(e.message).toContain("cut 1 ans c=2");
    expect(e.message).toContain("0.05");
    expect(e.closest).toMatchObject({ cut: 1, codec: "ans", bits: 2 });
  });

  test("fps floor out of reach: INFEASIBLE names the fastest plan and its bottleneck", () => {
    const e = thrown(() => plan(P, 1e6, 0.01, "latency-at-fps", { minFps: 34 }));
    expect(e.code).toBe(PlannerErrorCode.Infeasible);
    expect(e.message).toMatch(/fastest is cut 1 ans c=8 at 33\.33 fps, limited by its transfer stage \(30\.00 ms/);
    expect(e.closest?.predicted.fps).toBeCloseTo(33.33, 2);
  });

  test("bad arguments are typed errors", () => {
    for (const f of [
      () => plan(P, -1, 0.1),
      () => plan(P, Number.NaN, 0.1),
      () => plan(P, 1e6, -0.1),
      () => plan(P, 1e6, 0.1, "fastest" as Objective),
      () => plan(P, 1e6, 0.1, "latency-at-fps"),
      () => plan(P, 1e6, 0.1, "latency", { alternatives: 1.5 }),
    ]) expect(thrown(f).code).toBe(PlannerErrorCode.BadArgument);
  });
});

/** Small random profiles with many ties: integer times and bytes in tiny ranges. */
const profileArb = fc
  .record({
    cuts: fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 })), { minLength: 2, maxLength: 5 }),
    encodings: fc.array(
      fc.record({ cut: fc.nat(), bytes: fc.integer({ min: 0, max: 8 }).map((b) => b * 250), drop: fc.integer({ min: 0, max: 5 }), encodeMs: fc.integer({ min: 0, max: 3 }), decodeMs: fc.integer({ min: 0, max: 3 }) }),
      { minLength: 1, maxLength: 30 },
    ),
  })
  .map(({ cuts, encodings }) =>
    profileOf(
      cuts.map(([e, c], id) => [id === 0 ? 0 : e, id === cuts.length - 1 ? 0 : c]),
      encodings.map((x, j): Enc => [x.cut % cuts.length, `codec${j}`, null, x.bytes, x.drop / 100, x.encodeMs, x.decodeMs]),
    ),
  );

describe("plan: equals the brute force", () => {
  test("same plan and same ranked alternatives for every objective, bandwidth 0 and ∞ included", () => {
    fc.assert(
      fc.property(
        profileArb,
        fc.oneof(fc.constant(0), fc.constant(Infinity), fc.integer({ min: 1, max: 4 }).map((k) => k * 50_000)),
        fc.integer({ min: 0, max: 6 }).map((d) => d / 100),
        fc.constantFrom<Objective>("latency", "throughput", "latency-at-fps"),
        fc.integer({ min: 0, max: 120 }),
        (profile, bw, budget, objective, minFps) => {
          const planner = new Planner(profile);
          const run = (f: () => ReturnType<typeof plan>): ReturnType<typeof plan> | PlannerErrorCode => {
            try {
              return f();
            } catch (e) {
              if (e instanceof PlannerError) return e.code;
              throw e;
            }
          };
          const fast = run(() => planner.decide(bw, budget, objective, { minFps, alternatives: 5 }));
          const slow = run(() => bruteForcePlan(profile, bw, budget, objective, { minFps, alternatives: 5 }));
          expect(fast).toEqual(slow);
          if (typeof fast !== "string") {
            expect(fast.predicted.accuracyDrop).toBeLessThanOrEqual(budget);
            if (objective === "latency-at-fps") expect(fast.predicted.fps).toBeGreaterThanOrEqual(minFps);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("parseProfile", () => {
  const good = (): Record<string, unknown> => ({
    version: 1,
    model: { name: "m", sha256: SHA, extra: "kept" },
    cuts: [{ id: 0, edgeMs: 0, cloudMs: 9, note: "cloud only" }, { id: 1, edgeMs: 9, cloudMs: 0 }],
    encodings: [
      { cut: 0, codec: "png", bits: null, bytes: 1000, accuracyDrop: 0, encodeMs: 1, decodeMs: 1 },
      { cut: 1, codec: "result", bits: null, bytes: 10, accuracyDrop: 0, encodeMs: 0, decodeMs: 0 },
    ],
    calibration: { frames: 64 },
  });
  const DELETE = Symbol("delete");
  /** Sets (or deletes) the value at `path` in a fresh good profile; returns the error's path and message. */
  const badPath = (path: (string | number)[], value: unknown): [string | undefined, string] => {
    const root = good();
    let node = root as Record<string | number, unknown>;
    for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
    const last = path[path.length - 1] as string | number;
    if (value === DELETE) delete node[last];
    else node[last] = value;
    const e = thrown(() => parseProfile(root));
    expect(e.code).toBe(PlannerErrorCode.BadProfile);
    return [e.path, e.message];
  };

  test("accepts a valid profile and keeps extra fields", () => {
    const p = parseProfile(good());
    expect(p.cuts).toHaveLength(2);
    expect((p as Record<string, unknown>).calibration).toEqual({ frames: 64 });
    expect((p.model as Record<string, unknown>).extra).toBe("kept");
    expect((p.cuts[0] as Record<string, unknown>).note).toBe("cloud only");
  });

  test("schema errors name the offending path", () => {
    expect(badPath(["encodings", 1, "accuracyDrop"], 1.5)[0]).toBe("encodings[1].accuracyDrop");
    expect(badPath(["cuts", 1, "edgeMs"], -1)[0]).toBe("cuts[1].edgeMs");
    expect(badPath(["encodings", 0, "bytes"], DELETE)[0]).toBe("encodings[0].bytes");
    expect(badPath(["encodings", 0, "bits"], 2.5)[0]).toBe("encodings[0].bits");
    expect(badPath(["model", "sha256"], "xyz")[0]).toBe("model.sha256");
    expect(badPath(["version"], 2)[0]).toBe("version");
    const [path, message] = badPath(["cuts", 0, "id"], "zero");
    expect(path).toBe("cuts[0].id");
    expect(message).toContain("cuts[0].id");
    expect(thrown(() => parseProfile(null)).path).toBe("(root)");
  });

  test("invariants: unique ids, cut 0 cloud only, last cut edge only, encodings on known cuts, no duplicates", () => {
    expect(badPath(["cuts", 1, "id"], 0)[0]).toBe("cuts[1].id");
    expect(badPath(["cuts", 0, "edgeMs"], 1)[0]).toBe("cuts[0].edgeMs");
    expect(badPath(["cuts", 1, "cloudMs"], 1)[0]).toBe("cuts[1].cloudMs");
    expect(badPath(["cuts"], [{ id: 1, edgeMs: 0, cloudMs: 0 }])).toEqual(["cuts", expect.stringContaining("no cut with id 0")]);
    expect(badPath(["encodings", 1, "cut"], 7)[0]).toBe("encodings[1].cut");
    expect(badPath(["encodings", 2], { cut: 0, codec: "png", bits: null, bytes: 9, accuracyDrop: 0, encodeMs: 1, decodeMs: 1 })[0]).toBe("encodings[2]");
  });
});

describe("docs/profile-format.md", () => {
  test("its example parses and plans as the text says", () => {
    const md = readFileSync(join(import.meta.dirname, "../../docs/profile-format.md"), "utf8");
    const example = parseProfile(JSON.parse(md.split("```json")[1]?.split("```")[0] ?? "null"));
    const fast = plan(example, parseRate("1 MB/s"), 0.01);
    expect([fast.codec, fast.predicted.totalMs]).toEqual(["jpeg-q90", 113.8]);
    const slow = plan(example, parseRate("300 KB/s"), 0.01);
    expect([slow.codec, slow.predicted.totalMs.toFixed(1), slow.alternatives[0]?.predicted.totalMs.toFixed(1)]).toEqual(["result", "166.6", "314.5"]);
  });
});

describe("rates", () => {
  test("parses every unit, with or without a space, decimals allowed", () => {
    const cases: [string, number][] = [
      ["0 B/s", 0], ["300 KB/s", 300_000], ["1.5MB/s", 1_500_000], ["2KiB/s", 2048], ["1 MiB/s", 1_048_576],
      ["1 GB/s", 1e9], ["1 GiB/s", 1024 ** 3], ["8 bit/s", 1], ["8 kbit/s", 1000], ["20 Mbit/s", 2_500_000],
      ["1 Gbit/s", 125_000_000], [" .5 KB/s ", 500], ["1. MB/s", 1e6],
    ];
    for (const [text, bytes] of cases) expect(parseRate(text)).toBeCloseTo(bytes, 6);
  });

  test("anything else is a BAD_RATE error", () => {
    for (const text of ["", "5", "MB/s", "1 mb/s", "1 Kb/s", "1 kB/s", "-1 MB/s", "+1 MB/s", "1e6 B/s", "1.5.2 MB/s", "1 MB", "NaN B/s", "Infinity B/s", "1 MB/s/s", "1 toString/s", "1 constructor/s"]) {
      const e = thrown(() => parseRate(text));
      expect(e.code, text).toBe(PlannerErrorCode.BadRate);
      expect(e.message).toContain(JSON.stringify(text));
    }
  });

  test("formatRate picks a readable unit and parses back", () => {
    expect(formatRate(1_500_000)).toBe("1.5 MB/s");
    expect(formatRate(300_000)).toBe("300 KB/s");
    expect(formatRate(12)).toBe("12 B/s");
    expect(formatRate(2_500_000, { unit: "Mbit/s" })).toBe("20 Mbit/s");
    expect(formatRate(Infinity)).toBe("∞ B/s");
    expect(thrown(() => formatRate(-1)).code).toBe(PlannerErrorCode.BadArgument);
    fc.assert(
      fc.property(fc.oneof(fc.constant(0), fc.double({ min: 1e-3, max: 1e15, noNaN: true })), (x) => {
        const back = parseRate(formatRate(x, { digits: 15 }));
        expect(Math.abs(back - x)).toBeLessThanOrEqual(x * 1e-12);
      }),
    );
  });
});
