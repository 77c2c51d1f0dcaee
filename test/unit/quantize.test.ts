import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { mseOptimalRange, percentileRange } from "../../codec/clipping.js";
import { CodecError } from "../../codec/errors.js";
import { dequantize, maxStep, quantize } from "../../codec/quantize.js";

const floats = (min: number, max: number) => fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true, noDefaultInfinity: true });

describe("quantize / dequantize", () => {
  test("per-tensor min-max: within half a step, and min and max round-trip exactly", () => {
    fc.assert(fc.property(fc.array(floats(-1e4, 1e4), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 16 }), (values, bits) => {
      const x = Float32Array.from(values);
      const q = new Uint16Array(x.length);
      const p = quantize(x, [x.length], { bits }, q);
      const y = dequantize(q, p, [x.length], new Float32Array(x.length));
      const half = maxStep(p) / 2;
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < x.length; i++) {
        expect(Math.abs((y[i] as number) - (x[i] as number))).toBeLessThanOrEqual(half * (1 + 1e-6) + 1e-30);
        lo = Math.min(lo, x[i] as number);
        hi = Math.max(hi, x[i] as number);
      }
      // Numerically exact (indexOf cannot tell −0 from +0, and neither can ===).
      expect(y[x.indexOf(lo)] === lo).toBe(true);
      expect(y[x.indexOf(hi)] === hi).toBe(true);
    }));
  });

  test("negative zero at an end of the range survives (seen by fast-check: [-0, 0] at 1 bit)", () => {
    const x = Float32Array.from([-0, 0]);
    const q = new Uint16Array(2);
    const p = quantize(x, [2], { bits: 1 }, q);
    const y = dequantize(q, p, [2], new Float32Array(2));
    expect(Object.is(y[0], -0)).toBe(true); // lo itself, sign included
    expect(y[1] === 0).toBe(true); // a one-value range: every element decodes to it
  });

  test("per-channel ranges follow each channel (NCHW axis 1)", () => {
    const x = new Float32Array(2 * 3 * 4);
    for (let i = 0; i < x.length; i++) x[i] = Math.floor(i / 4) % 3 === 1 ? 1000 + i : i * 0.01; // channel 1 is huge
    const q = new Uint16Array(x.length);
    const p = quantize(x, [2, 3, 2, 2], { bits: 4, granularity: "channel" }, q);
    expect(p.a.length).toBe(3);
    const y = dequantize(q, p, [2, 3, 2, 2], new Float32Array(x.length));
    // Channel 0 values (0..0.2) stay accurate although channel 1 spans 1000+.
    for (let i = 0; i < x.length; i++) if (Math.floor(i / 4) % 3 === 0) expect(Math.abs((y[i] as number) - (x[i] as number))).toBeLessThan(0.02);
  });

  test("zero-point mode keeps zeros exact at every bit width", () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.constant(0), floats(-5, 20)), { minLength: 2, maxLength: 200 }), fc.integer({ min: 1, max: 12 }), (values, bits) => {
      const x = Float32Array.from(values);
      const q = new Uint16Array(x.length);
      const p = quantize(x, [x.length], { bits, zeroExact: true }, q);
      const y = dequantize(q, p, [x.length], new Float32Array(x.length));
      for (let i = 0; i < x.length; i++) if (x[i] === 0) expect(y[i]).toBe(0);
    }));
  });

  test("a fixed (clipped) range clamps outliers to its ends", () => {
    const x = Float32Array.from([-100, 0, 0.5, 1, 100]);
    const q = new Uint16Array(5);
    const p = quantize(x, [5], { bits: 8, range: { lo: [0], hi: [1] } }, q);
    expect(p.clipped).toBe(true);
    const y = dequantize(q, p, [5], new Float32Array(5));
    expect([...y]).toEqual([0, 0, Math.fround((0 * 127 + 1 * 128) / 255), 1, 1]);
  });

  test("constant tensors, bad bit widths, NaN ranges and size mismatches", () => {
    const q = new Uint16Array(3);
    const p = quantize(Float32Array.from([2, 2, 2]), [3], { bits: 4 }, q);
    expect([...dequantize(q, p, [3], new Float32Array(3))]).toEqual([2, 2, 2]);
    expect(() => quantize(Float32Array.from([1]), [1], { bits: 0 }, new Uint16Array(1))).toThrowError(CodecError);
    expect(() => quantize(Float32Array.from([1]), [1], { bits: 17 }, new Uint16Array(1))).toThrowError(/1\.\.16/);
    expect(() => quantize(Float32Array.from([NaN, NaN]), [2], { bits: 4 }, new Uint16Array(2))).toThrowError(/non-finite range/);
    expect(() => quantize(Float32Array.from([1, 2]), [3], { bits: 4 }, new Uint16Array(2))).toThrowError(/hold 3 elements/);
  });
});

describe("clipping ranges", () => {
  test("percentile ranges cut the tails; MSE-optimal ranges beat min-max on heavy tails at low bits", () => {
    const x = new Float32Array(20000);
    let s = 1;
    for (let i = 0; i < x.length; i++) {
      s = (s * 16807) % 2147483647;
      const u = s / 2147483647;
      x[i] = i % 500 === 0 ? 50 * (u - 0.5) : u - 0.5; // mostly small, a few large outliers
    }
    const r = percentileRange(x, 99);
    expect(r.lo).toBeGreaterThan(-1);
    expect(r.hi).toBeLessThan(1);
    const err = (range?: { lo: number[]; hi: number[] }) => {
      const q = new Uint16Array(x.length);
      const p = quantize(x, [x.length], { bits: 3, ...(range ? { range } : {}) }, q);
      const y = dequantize(q, p, [x.length], new Float32Array(x.length));
      let e = 0;
      for (let i = 0; i < x.length; i++) e += ((y[i] as number) - (x[i] as number)) ** 2;
      return e;
    };
    const m = mseOptimalRange(x, 3);
    expect(err({ lo: [m.lo], hi: [m.hi] })).toBeLessThan(err() * 0.5);
  });
});
