// Edge slowdown: edge compute and encoding scale by k; cloud, decoding, sizes and accuracy do not.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { candidatesOf } from "../../planner/candidate.js";
import { withEdgeSlowdown } from "../../planner/edge-slowdown.js";
import { PlannerError, PlannerErrorCode } from "../../planner/errors.js";
import { plan } from "../../planner/plan.js";
import { type Profile, parseProfile } from "../../planner/profile.js";

const SHA = "9f2c1e0b7a3d4c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6";

/** A small valid profile: cut 0 (cloud only), one interior cut, cut 2 (edge only). */
function profile(): Profile {
  return parseProfile({
    version: 1,
    model: { name: "tiny", sha256: SHA, device: "test-bench" },
    calibration: { frames: 8 },
    cuts: [
      { id: 0, edgeMs: 0, cloudMs: 20 },
      { id: 1, edgeMs: 10, cloudMs: 12, tensors: ["x_1"] },
      { id: 2, edgeMs: 40, cloudMs: 0 },
    ],
    encodings: [
      { cut: 0, codec: "png", bits: null, bytes: 500_000, accuracyDrop: 0, encodeMs: 6, decodeMs: 3 },
      { cut: 0, codec: "jpeg-q90", bits: null, bytes: 80_000, accuracyDrop: 0.004, encodeMs: 2, decodeMs: 1.5 },
      { cut: 1, codec: "ans", bits: 4, bytes: 60_000, accuracyDrop: 0.01, encodeMs: 2.5, decodeMs: 1.25, note: "kept" },
      { cut: 2, codec: "result", bits: null, bytes: 1000, accuracyDrop: 0, encodeMs: 0.1, decodeMs: 0.1 },
    ],
  });
}

describe("withEdgeSlowdown", () => {
  test("the hand-built profile is valid", () => {
    expect(() => profile()).not.toThrow();
  });

  test("multiplies every cut's edgeMs by k (the front segment, as the pipeline slows it), not encoding, and records k", () => {
    const p = profile();
    const s = withEdgeSlowdown(p, 3);
    expect(s.edgeSlowdown).toBe(3);
    expect(s.cuts.map((c) => c.edgeMs)).toEqual([0, 30, 120]);
    expect(s.encodings.map((e) => e.encodeMs)).toEqual(p.encodings.map((e) => e.encodeMs));
  });

  test("leaves cloud times, decode times, bytes, accuracy, codecs, ids and other fields alone", () => {
    const p = profile();
    const s = withEdgeSlowdown(p, 2.5);
    expect(s.version).toBe(1);
    expect(s.model).toEqual(p.model);
    expect(s.calibration).toEqual({ frames: 8 });
    expect(s.cuts.map((c) => ({ id: c.id, cloudMs: c.cloudMs, tensors: c.tensors }))).toEqual(p.cuts.map((c) => ({ id: c.id, cloudMs: c.cloudMs, tensors: c.tensors })));
    const rest = (e: Profile["encodings"][number]): unknown => ({ cut: e.cut, codec: e.codec, bits: e.bits, bytes: e.bytes, accuracyDrop: e.accuracyDrop, decodeMs: e.decodeMs, note: e.note });
    expect(s.encodings.map(rest)).toEqual(p.encodings.map(rest));
  });

  test("is pure: the input profile is not changed, and the output is a new object", () => {
    const p = profile();
    const before = JSON.parse(JSON.stringify(p)) as unknown;
    const s = withEdgeSlowdown(p, 4);
    expect(s).not.toBe(p);
    expect(s.cuts).not.toBe(p.cuts);
    expect(JSON.parse(JSON.stringify(p))).toEqual(before);
    expect(p.edgeSlowdown).toBeUndefined();
  });

  test("k = 1 returns the very same profile object", () => {
    const p = profile();
    expect(withEdgeSlowdown(p, 1)).toBe(p);
  });

  test("the slowed profile is still a valid profile (cut 0 keeps edgeMs 0)", () => {
    const s = withEdgeSlowdown(profile(), 7);
    const again = parseProfile(JSON.parse(JSON.stringify(s)));
    expect(again.cuts[0]?.edgeMs).toBe(0);
    expect(again.edgeSlowdown).toBe(7);
  });

  test.each([0, 0.5, 0.999, -1, -Infinity, Infinity, Number.NaN])("k = %s throws PlannerError BAD_ARGUMENT", (k) => {
    let caught: unknown;
    try {
      withEdgeSlowdown(profile(), k);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PlannerError);
    expect((caught as PlannerError).code).toBe(PlannerErrorCode.BadArgument);
    expect((caught as PlannerError).message).toBe(`edge slowdown must be a finite number ≥ 1, got ${k}`);
  });

  test("property: each candidate's edge compute scales by k, its encoding, cloud stage, bytes and accuracy do not", () => {
    const p = profile();
    const base = candidatesOf(p);
    fc.assert(
      fc.property(fc.double({ min: 1, max: 1000, noNaN: true }), (k) => {
        const slowed = candidatesOf(withEdgeSlowdown(p, k));
        expect(slowed.length).toBe(base.length);
        for (const c of slowed) {
          const b = base.find((x) => x.encoding === c.encoding);
          expect(b).toBeDefined();
          if (b === undefined) return;
          const enc = p.encodings[c.encoding]?.encodeMs ?? 0;
          expect(c.edgeMs).toBeCloseTo((b.edgeMs - enc) * k + enc, 6);
          expect(c.cloudMs).toBe(b.cloudMs);
          expect(c.bytes).toBe(b.bytes);
          expect(c.accuracyDrop).toBe(b.accuracyDrop);
        }
      }),
    );
  });

  test("applied twice, times scale by the product; edgeSlowdown records the last k", () => {
    const p = profile();
    const s = withEdgeSlowdown(withEdgeSlowdown(p, 2), 3);
    expect(s.cuts.map((c) => c.edgeMs)).toEqual([0, 60, 240]);
    expect(s.encodings[0]?.encodeMs).toBe(6);
    expect(s.edgeSlowdown).toBe(3);
  });

  test("a slower edge moves the plan toward the cloud", () => {
    const p = profile();
    // Budget 0 leaves png (cut 0) and result (cut 2); at 1 MB/s the fast edge computes everything.
    const fast = plan(p, 1_000_000, 0);
    expect(fast).toMatchObject({ cut: 2, codec: "result" }); // 40.1 + 1 + 0.1 = 41.2 ms < png 6 + 500 + 23 = 529 ms
    const slow = plan(withEdgeSlowdown(p, 20), 1_000_000, 0);
    expect(slow).toMatchObject({ cut: 0, codec: "png" }); // png 6 + 500 + 23 = 529 ms < result 800 + 0.1 + 1 + 0.1 = 801.2 ms
    expect(slow.predicted.edgeMs).toBe(6); // encoding is not slowed, as in the pipeline
  });
});
