// Plan ids: planId/parsePlanId round trip over every valid spec, typed BAD_ARGUMENT errors that
// name what is wrong, and the transport each codec maps to.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { PlannerError, PlannerErrorCode } from "../../planner/errors.js";
import { type PlanSpec, parsePlanId, planId, transportOf } from "../../planner/plan-id.js";

const cut = fc.integer({ min: 0, max: 999_999 });
const bits = fc.integer({ min: 1, max: 16 });
const coder = fc.constantFrom("ans", "huffman", "ctx", "deflate", "raw");
const quantizer = fc.constantFrom("channel", "zero", "minmax", "channel-zero");

/** Quantized feature plans: `<coder>[+<quantizer>]` with a bit width, at any cut. */
const featureSpec: fc.Arbitrary<PlanSpec> = fc
  .record({ cut, coder, quantizer: fc.option(quantizer, { nil: undefined }), bits })
  .map(({ cut, coder, quantizer, bits }) => ({ cut, codec: quantizer === undefined ? coder : `${coder}+${quantizer}`, bits }));
/** The frame itself at cut 0. */
const imageSpec: fc.Arbitrary<PlanSpec> = fc
  .oneof(fc.constant("png"), fc.constant("raw"), fc.integer({ min: 1, max: 100 }).map((q) => `jpeg-q${q}`))
  .map((codec) => ({ cut: 0, codec, bits: null }));
const resultSpec: fc.Arbitrary<PlanSpec> = cut.map((cut) => ({ cut, codec: "result", bits: null }));
const floatSpec: fc.Arbitrary<PlanSpec> = fc
  .record({ cut, codec: fc.constantFrom("f16", "f32", "f16+deflate", "f32+deflate") })
  .map(({ cut, codec }) => ({ cut, codec, bits: null }));
const validSpec = fc.oneof(featureSpec, imageSpec, resultSpec, floatSpec);

/** Runs `f`, expecting a PlannerError BAD_ARGUMENT, and returns it. */
function badArgument(f: () => unknown): PlannerError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(PlannerError);
  const err = caught as PlannerError;
  expect(err.code).toBe(PlannerErrorCode.BadArgument);
  expect(err.name).toBe("PlannerError");
  return err;
}

describe("planId / parsePlanId", () => {
  test("writes the documented forms", () => {
    expect(planId({ cut: 52, codec: "ans+channel", bits: 4 })).toBe("52.ans+channel.4");
    expect(planId({ cut: 0, codec: "jpeg-q90", bits: null })).toBe("0.jpeg-q90");
    expect(planId({ cut: 390, codec: "result", bits: null })).toBe("390.result");
  });

  test("parses the documented examples", () => {
    expect(parsePlanId("52.ans+channel.4")).toEqual({ cut: 52, codec: "ans+channel", bits: 4 });
    expect(parsePlanId("0.jpeg-q90")).toEqual({ cut: 0, codec: "jpeg-q90", bits: null });
    expect(parsePlanId("390.result")).toEqual({ cut: 390, codec: "result", bits: null });
    expect(parsePlanId("7.huffman+zero.16")).toEqual({ cut: 7, codec: "huffman+zero", bits: 16 });
    expect(parsePlanId("0.raw")).toEqual({ cut: 0, codec: "raw", bits: null });
    expect(parsePlanId("0.raw.8")).toEqual({ cut: 0, codec: "raw", bits: 8 });
    expect(parsePlanId("3.f32+deflate")).toEqual({ cut: 3, codec: "f32+deflate", bits: null });
  });

  test("round trip: parsePlanId(planId(spec)) is spec, and planId(parsePlanId(id)) is id", () => {
    fc.assert(
      fc.property(validSpec, (spec) => {
        const id = planId(spec);
        const back = parsePlanId(id);
        expect(back).toEqual(spec);
        expect(planId(back)).toBe(id);
        // The id alone fixes the transport.
        expect(transportOf(back)).toEqual(transportOf(spec));
      }),
      { numRuns: 500 },
    );
  });

  test("the largest cut and bit width round-trip", () => {
    expect(parsePlanId("999999.ans.16")).toEqual({ cut: 999_999, codec: "ans", bits: 16 });
    expect(parsePlanId("999999.result")).toEqual({ cut: 999_999, codec: "result", bits: null });
  });
});

describe("parsePlanId: malformed ids throw PlannerError BAD_ARGUMENT naming the problem", () => {
  test.each(["", "x", "1.", ".ans.4", "1..4", "a.ans.4", "1.ANS.4", "1.ans.4.", "1.ans.4.5", "-1.ans.4", "1 .ans.4", "1.ans.123", "1234567.ans.4", "1.a_b.4"])(
    "shape %j: says the id is not <cut>.<codec>[.<bits>]",
    (id) => {
      const err = badArgument(() => parsePlanId(id));
      expect(err.message).toContain(JSON.stringify(id));
      expect(err.message).toContain("is not <cut>.<codec>[.<bits>]");
      expect(err.message).toMatch(/e\.g\. 52\.ans\+channel\.4/);
    },
  );

  test("a codec longer than 40 characters is rejected by shape", () => {
    const err = badArgument(() => parsePlanId(`1.${"a".repeat(41)}.4`));
    expect(err.message).toContain("is not <cut>.<codec>[.<bits>]");
    expect(parsePlanId(`1.${"a".repeat(40)}.4`).codec).toHaveLength(40);
  });

  test("a very long id is quoted only in part, so the message stays short", () => {
    for (const id of ["1".repeat(100_000), `1.${"ans".repeat(50_000)}.4`, "\u0000".repeat(10_000)]) {
      const err = badArgument(() => parsePlanId(id));
      expect(err.message).toContain(JSON.stringify(id.slice(0, 80)));
      expect(err.message.length).toBeLessThanOrEqual(JSON.stringify(id.slice(0, 80)).length + 120);
      expect(err.message.length).toBeLessThan(600);
    }
  });

  test("1.ans (a coder without bits) asks for a bit width", () => {
    const err = badArgument(() => parsePlanId("1.ans"));
    expect(err.message).toBe("plan 1.ans: coder ans needs a bit width in 1..16");
  });

  test.each(["1.ans.0", "1.ans.17", "1.huffman+zero.99"])("%s: bit width outside 1..16", (id) => {
    const err = badArgument(() => parsePlanId(id));
    expect(err.message).toContain(`plan ${id}:`);
    expect(err.message).toContain("needs a bit width in 1..16");
  });

  test.each(["3.png", "1.jpeg-q90", "2.raw"])("%s: frames go as images at cut 0 only", (id) => {
    const err = badArgument(() => parsePlanId(id));
    expect(err.message).toBe(`plan ${id}: frames are sent as images at cut 0 only`);
  });

  test.each([
    ["0.jpeg-q0", 0],
    ["0.jpeg-q101", 101],
    ["0.jpeg-q999", 999],
  ])("%s: JPEG quality outside 1..100", (id, q) => {
    const err = badArgument(() => parsePlanId(id));
    expect(err.message).toBe(`plan ${id}: JPEG quality ${q} is outside 1..100`);
  });

  test.each(["1.ans+channel+x.4", "1.+ans.4", "1.+.4"])("%s: not <coder>[+<quantizer>]", (id) => {
    const err = badArgument(() => parsePlanId(id));
    expect(err.message).toMatch(/is not <coder>\[\+<quantizer>\]$/);
    expect(err.message).toContain(`plan ${id}:`);
  });

  test.each(["1.result.4", "1.f16.8", "1.f32+deflate.4"])("%s: codec takes no bit width", (id) => {
    const err = badArgument(() => parsePlanId(id));
    expect(err.message).toMatch(/takes no bit width$/);
  });

  test.each(["1.f16+zstd", "1.f32+channel"])("%s: floats may only be deflated", (id) => {
    const err = badArgument(() => parsePlanId(id));
    expect(err.message).toMatch(/may only be followed by \+deflate$/);
  });

  // Image codecs take no bit width.
  test.each(["0.png.4", "0.jpeg-q90.7"])("image codec %s with a bit width is rejected", (id) => {
    badArgument(() => parsePlanId(id));
  });

  // A third `+` part after a float codec is rejected.
  test("1.f32+deflate+x is rejected", () => {
    badArgument(() => parsePlanId("1.f32+deflate+x"));
  });
});

describe("transportOf", () => {
  test("quantized features: coder, quantizer (minmax by default) and bits", () => {
    expect(transportOf({ cut: 5, codec: "ans", bits: 4 })).toEqual({ kind: "features", coder: "ans", quantizer: "minmax", bits: 4 });
    expect(transportOf({ cut: 5, codec: "ans+channel", bits: 8 })).toEqual({ kind: "features", coder: "ans", quantizer: "channel", bits: 8 });
    expect(transportOf({ cut: 5, codec: "huffman+zero", bits: 3 })).toEqual({ kind: "features", coder: "huffman", quantizer: "zero", bits: 3 });
    // raw with a bit width is uncoded symbols, even at cut 0
    expect(transportOf({ cut: 0, codec: "raw", bits: 16 })).toEqual({ kind: "features", coder: "raw", quantizer: "minmax", bits: 16 });
  });

  test("images at cut 0: png and raw at quality 100, jpeg at its quality", () => {
    expect(transportOf({ cut: 0, codec: "png", bits: null })).toEqual({ kind: "image", format: "png", quality: 100 });
    expect(transportOf({ cut: 0, codec: "raw", bits: null })).toEqual({ kind: "image", format: "raw", quality: 100 });
    expect(transportOf({ cut: 0, codec: "jpeg-q1", bits: null })).toEqual({ kind: "image", format: "jpeg", quality: 1 });
    expect(transportOf({ cut: 0, codec: "jpeg-q100", bits: null })).toEqual({ kind: "image", format: "jpeg", quality: 100 });
  });

  test("floats: precision and deflate", () => {
    expect(transportOf({ cut: 2, codec: "f32", bits: null })).toEqual({ kind: "float", precision: "f32", deflate: false });
    expect(transportOf({ cut: 2, codec: "f16", bits: null })).toEqual({ kind: "float", precision: "f16", deflate: false });
    expect(transportOf({ cut: 2, codec: "f16+deflate", bits: null })).toEqual({ kind: "float", precision: "f16", deflate: true });
    expect(transportOf({ cut: 2, codec: "f32+deflate", bits: null })).toEqual({ kind: "float", precision: "f32", deflate: true });
  });

  test("result at any cut", () => {
    expect(transportOf({ cut: 390, codec: "result", bits: null })).toEqual({ kind: "result" });
    expect(transportOf({ cut: 0, codec: "result", bits: null })).toEqual({ kind: "result" });
  });

  test("property: each valid spec maps to the kind its codec family names", () => {
    fc.assert(
      fc.property(validSpec, (spec) => {
        const t = transportOf(spec);
        if (spec.codec === "result") expect(t.kind).toBe("result");
        else if (spec.codec.startsWith("f16") || spec.codec.startsWith("f32")) expect(t.kind).toBe("float");
        else if (spec.bits === null) {
          expect(t.kind).toBe("image");
          expect(spec.cut).toBe(0);
        } else expect(t).toMatchObject({ kind: "features", bits: spec.bits, coder: spec.codec.split("+")[0] });
      }),
    );
  });

  test("bits out of range given directly are rejected too", () => {
    badArgument(() => transportOf({ cut: 1, codec: "ans", bits: 0 }));
    badArgument(() => transportOf({ cut: 1, codec: "raw", bits: 17 }));
    badArgument(() => transportOf({ cut: 1, codec: "ans", bits: null }));
  });
});
