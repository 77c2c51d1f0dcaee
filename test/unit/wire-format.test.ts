import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { CODER_NAMES } from "../../codec/coder.js";
import { CodecError } from "../../codec/errors.js";
import { type EncodingSpec, decodeFeatures, encodeFeatures } from "../../codec/features.js";
import { maxStep } from "../../codec/quantize.js";
import { writeMessage } from "../../codec/wire-format.js";
import { META, reseal } from "../helpers/messages.js";

const tensorArb = fc.record({
  dims: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
  seed: fc.integer(),
}).map(({ dims, seed }) => {
  const n = dims.reduce((a, b) => a * b, 1);
  let s = seed;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    data[i] = ((s >>> 8) / 2 ** 24 - 0.3) * 10;
  }
  return { name: `t${seed & 0xff}`, dims, data };
});

const lossyArb = fc.record({
  bits: fc.integer({ min: 1, max: 16 }),
  kind: fc.constantFrom("minmax" as const, "zero-point" as const),
  granularity: fc.constantFrom("tensor" as const, "channel" as const),
  coder: fc.constantFrom(...CODER_NAMES, "raw" as const),
});

describe("feature messages", () => {
  test("lossless paths round-trip exactly (float32 raw or deflated)", () => {
    fc.assert(fc.property(fc.array(tensorArb, { minLength: 1, maxLength: 3 }), fc.constantFrom("raw" as const, "deflate" as const), (tensors, coder) => {
      const m = encodeFeatures(META, tensors, { quantizer: { kind: "float32" }, coder });
      const d = decodeFeatures(m);
      expect(d.meta).toEqual(META);
      d.tensors.forEach((t, k) => {
        expect(t.name).toBe(tensors[k]!.name);
        expect(t.dims).toEqual(tensors[k]!.dims);
        expect(t.data).toEqual(tensors[k]!.data);
      });
    }), { numRuns: 200 });
  });

  test("quantized paths decode within half a quantization step, with every coder", () => {
    fc.assert(fc.property(fc.array(tensorArb, { minLength: 1, maxLength: 2 }), lossyArb, (tensors, q) => {
      const spec: EncodingSpec = { quantizer: { kind: q.kind, bits: q.bits, granularity: q.granularity, axis: 0 }, coder: q.coder };
      const d = decodeFeatures(encodeFeatures(META, tensors, spec));
      d.tensors.forEach((t, k) => {
        const p = t.header.quantizer;
        if (p.kind === "float32" || p.kind === "float16") throw new Error("unexpected");
        const tol = maxStep(p) / 2 + 1e-6 * Math.max(...tensors[k]!.data.map(Math.abs));
        for (let i = 0; i < t.data.length; i++) expect(Math.abs(t.data[i]! - tensors[k]!.data[i]!)).toBeLessThanOrEqual(tol);
      });
    }), { numRuns: 300 });
  });

  test("float16 passthrough keeps 3 significant digits", () => {
    const data = Float32Array.from([0, 1.5, -2.25, 1000.5, 0.0001]);
    const d = decodeFeatures(encodeFeatures(META, [{ name: "x", dims: [5], data }], { quantizer: { kind: "float16" }, coder: "raw" }));
    for (let i = 0; i < 5; i++) expect(d.tensors[0]!.data[i]).toBeCloseTo(data[i]!, 3);
  });

  test("header fields are validated on the way out", () => {
    const t = [{ name: "x", dims: [1], data: Float32Array.from([1]) }];
    const raw: EncodingSpec = { quantizer: { kind: "float32" }, coder: "raw" };
    expect(() => encodeFeatures({ ...META, camera: "bad camera!" }, t, raw)).toThrowError(/meta\.camera/);
    expect(() => encodeFeatures({ ...META, seq: -1 }, t, raw)).toThrowError(/meta\.seq/);
    expect(() => encodeFeatures({ ...META, modelSha256: "xyz" }, t, raw)).toThrowError(/meta\.modelSha256/);
    expect(() => encodeFeatures(META, [{ name: "x", dims: [2], data: Float32Array.from([1]) }], raw)).toThrowError(/hold 2 elements/);
  });
});

describe("defensive decoding", () => {
  const good = encodeFeatures(META, [{ name: "feat", dims: [1, 2, 3, 4], data: Float32Array.from({ length: 24 }, (_, i) => i / 7) }], { quantizer: { kind: "minmax", bits: 4 }, coder: "ans" });

  const codeOf = (b: Uint8Array, limits = {}): string => {
    try {
      decodeFeatures(b, limits);
      return "ok";
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      return `${e.code} ${e.field}`;
    }
  };

  test("names the failing check and field", () => {
    expect(codeOf(good)).toBe("ok");
    expect(codeOf(new TextEncoder().encode("GIF89a..."))).toBe("BAD_MAGIC message.magic");
    const v2 = good.slice();
    v2[4] = 2;
    expect(codeOf(v2)).toBe("UNSUPPORTED_VERSION message.version");
    const flipped = good.slice();
    flipped[40] = (flipped[40]! ^ 1);
    expect(codeOf(flipped)).toBe("BAD_CHECKSUM message.crc32c");
    expect(codeOf(good.subarray(0, good.length - 9))).toBe("BAD_CHECKSUM message.crc32c");
    const flags = good.slice();
    flags[5] = 1;
    expect(codeOf(reseal(flags))).toBe("BAD_FIELD message.flags");
  });

  test("limits bound what a message may declare before anything is allocated", () => {
    expect(codeOf(good, { maxElements: 10 })).toMatch(/^LIMIT_EXCEEDED message\.tensor\[0\]\.dims/);
    expect(codeOf(good, { maxDims: 3 })).toMatch(/^LIMIT_EXCEEDED message\.tensor\[0\]\.ndims/);
    expect(codeOf(good, { maxNameBytes: 2 })).toMatch(/^LIMIT_EXCEEDED message\.tensor\[0\]\.name/);
    // A header that declares a 4-billion-element tensor is refused on the default limits,
    // before any allocation: the decoder never trusts a declared size.
    const bomb = writeMessage(META, [{ name: "bomb", dims: [65536, 65536], dataType: 1, quantizer: { kind: "float32" }, coderId: 4 }], [new Uint8Array(16)]);
    expect(codeOf(bomb)).toMatch(/^LIMIT_EXCEEDED message\.tensor\[0\]\.dims/);
  });

  test("a payload length that disagrees with the bytes present is BAD_FIELD", () => {
    const shorter = reseal(Uint8Array.from([...good.subarray(0, good.length - 5), ...good.subarray(good.length - 4)]));
    expect(codeOf(shorter)).toMatch(/payloadLength|TRUNCATED/);
  });
});
