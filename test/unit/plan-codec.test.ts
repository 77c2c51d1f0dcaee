// pipelines/plan-codec.ts: resequence rewrites only the seq (and CRC) of a feature message;
// encodingSpecOf maps features/float transports to codec EncodingSpecs.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { crc32c } from "../../codec/crc32c.js";
import { CodecError, CodecErrorCode } from "../../codec/errors.js";
import { type FeatureTensor, decodeFeatures, encodeFeatures } from "../../codec/features.js";
import { type FrameMeta, parseMessage } from "../../codec/wire-format.js";
import { type PlanSpec, type PlanTransport, parsePlanId, planId, transportOf } from "../../planner/plan-id.js";
import { PlanCodecError, encodeBody, encodingSpecOf, resequence } from "../../pipelines/plan-codec.js";

const META: FrameMeta = { camera: "cam_07", seq: 41, capturedAt: 1_764_115_200_123.25, modelSha256: "0f".repeat(32), cutId: 3, planId: "3.ans+channel.4" };

/** Deterministic pseudo-random tensor data (negative and positive, some exact zeros). */
function tensor(name: string, dims: readonly number[], seed: number): FeatureTensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = seed | 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    data[i] = i % 5 === 0 ? 0 : ((s >>> 8) / 2 ** 24 - 0.4) * 6;
  }
  return { name, dims, data };
}

const tensorArb = fc
  .record({ dims: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 2, maxLength: 4 }), seed: fc.integer(), name: fc.stringMatching(/^[a-z][a-z0-9_]{0,11}$/) })
  .map(({ dims, seed, name }) => tensor(name, dims, seed));

/** Plan codecs the pipeline sends as tensors (quantized features or floats), at a cut > 0. */
const tensorCodecArb: fc.Arbitrary<PlanSpec> = fc.oneof(
  fc
    .record({
      cut: fc.integer({ min: 1, max: 500 }),
      coder: fc.constantFrom("ans", "huffman", "ctx", "deflate", "raw"),
      quantizer: fc.constantFrom(undefined, "minmax", "channel", "zero", "channel-zero"),
      bits: fc.integer({ min: 1, max: 16 }),
    })
    .map(({ cut, coder, quantizer, bits }) => ({ cut, codec: quantizer === undefined ? coder : `${coder}+${quantizer}`, bits })),
  fc.record({ cut: fc.integer({ min: 1, max: 500 }), codec: fc.constantFrom("f32", "f16", "f32+deflate", "f16+deflate"), bits: fc.constant(null) }),
);

const seqArb = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 + 5 }), fc.constantFrom(0, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1), fc.maxSafeNat());

function storedCrc(m: Uint8Array): number {
  return new DataView(m.buffer, m.byteOffset + m.length - 4, 4).getUint32(0, true);
}

describe("encodingSpecOf", () => {
  test("quantized features: the coder and the named quantizer at the plan's bit width", () => {
    expect(encodingSpecOf(transportOf(parsePlanId("5.ans.4")))).toEqual({ quantizer: { kind: "minmax", bits: 4 }, coder: "ans" });
    expect(encodingSpecOf(transportOf(parsePlanId("5.ans+channel.8")))).toEqual({ quantizer: { kind: "minmax", bits: 8, granularity: "channel" }, coder: "ans" });
    expect(encodingSpecOf(transportOf(parsePlanId("5.huffman+zero.3")))).toEqual({ quantizer: { kind: "zero-point", bits: 3 }, coder: "huffman" });
    expect(encodingSpecOf(transportOf(parsePlanId("5.ctx+channel-zero.16")))).toEqual({ quantizer: { kind: "zero-point", bits: 16, granularity: "channel" }, coder: "ctx" });
    expect(encodingSpecOf(transportOf(parsePlanId("5.raw.12")))).toEqual({ quantizer: { kind: "minmax", bits: 12 }, coder: "raw" });
  });

  test("floats: float32/float16 stored raw, or deflated", () => {
    expect(encodingSpecOf({ kind: "float", precision: "f32", deflate: false })).toEqual({ quantizer: { kind: "float32" }, coder: "raw" });
    expect(encodingSpecOf({ kind: "float", precision: "f16", deflate: false })).toEqual({ quantizer: { kind: "float16" }, coder: "raw" });
    expect(encodingSpecOf({ kind: "float", precision: "f32", deflate: true })).toEqual({ quantizer: { kind: "float32" }, coder: "deflate" });
    expect(encodingSpecOf({ kind: "float", precision: "f16", deflate: true })).toEqual({ quantizer: { kind: "float16" }, coder: "deflate" });
  });

  test.each<PlanTransport>([{ kind: "result" }, { kind: "image", format: "png", quality: 100 }, { kind: "image", format: "jpeg", quality: 90 }, { kind: "image", format: "raw", quality: 100 }])(
    "%j carries no tensors: PlanCodecError",
    (t) => {
      expect(() => encodingSpecOf(t)).toThrow(PlanCodecError);
      expect(() => encodingSpecOf(t)).toThrow(`transport ${t.kind} carries no tensors`);
    },
  );

  test("an unknown quantizer name is a CodecError BAD_INPUT", () => {
    let caught: unknown;
    try {
      encodingSpecOf({ kind: "features", coder: "ans", quantizer: "bogus", bits: 4 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CodecError);
    expect((caught as CodecError).code).toBe(CodecErrorCode.BadInput);
  });

  test("property: the spec of every tensor plan encodes a message that decodes, with the plan's quantizer", () => {
    fc.assert(
      fc.property(tensorCodecArb, tensorArb, (spec, t) => {
        const es = encodingSpecOf(transportOf(spec));
        const d = decodeFeatures(encodeFeatures({ ...META, cutId: spec.cut, planId: planId(spec) }, [t], es));
        const h = d.tensors[0]?.header;
        expect(h).toBeDefined();
        if (h === undefined) return;
        if (spec.bits === null) {
          expect(h.quantizer.kind).toBe(spec.codec.startsWith("f32") ? "float32" : "float16");
          expect(h.coderId).toBe(spec.codec.endsWith("+deflate") ? 4 : 0);
        } else {
          expect(h.quantizer).toMatchObject({ bits: spec.bits, kind: spec.codec.includes("zero") ? "zero-point" : "minmax", granularity: spec.codec.includes("channel") ? "channel" : "tensor" });
        }
        expect(d.meta.planId).toBe(planId(spec));
      }),
      { numRuns: 200 },
    );
  });
});

describe("resequence", () => {
  test("gives the same message under a new seq: decodes to the same tensors, with a valid CRC", () => {
    const tensors = [tensor("x_1", [1, 4, 6, 5], 1), tensor("x_2", [2, 3], 2)];
    const body = encodeFeatures(META, tensors, encodingSpecOf(transportOf(parsePlanId("3.ans+channel.4"))));
    const re = resequence(body, 1234);
    const a = decodeFeatures(body);
    const b = decodeFeatures(re);
    expect(b.meta).toEqual({ ...META, seq: 1234 });
    expect(b.tensors.map((t) => [t.name, t.dims, Array.from(t.data)])).toEqual(a.tensors.map((t) => [t.name, t.dims, Array.from(t.data)]));
    expect(storedCrc(re)).toBe(crc32c(re.subarray(0, re.length - 4)));
    expect(storedCrc(re)).not.toBe(storedCrc(body));
    expect(re.length).toBe(body.length);
    // the original is untouched
    expect(decodeFeatures(body).meta.seq).toBe(41);
  });

  test("resequencing to the same seq gives the same bytes", () => {
    const body = encodeFeatures(META, [tensor("t", [3, 3], 9)], { quantizer: { kind: "float16" }, coder: "deflate" });
    expect(resequence(body, META.seq)).toEqual(body);
  });

  test("property: equals encoding the tensors afresh under the new seq, byte for byte", () => {
    fc.assert(
      fc.property(tensorCodecArb, fc.array(tensorArb, { minLength: 1, maxLength: 3 }), seqArb, seqArb, (spec, tensors, seq0, seq) => {
        const meta = { ...META, seq: seq0, cutId: spec.cut, planId: planId(spec) };
        const es = encodingSpecOf(transportOf(spec));
        const body = encodeFeatures(meta, tensors, es);
        const re = resequence(body, seq);
        expect(re).toEqual(encodeFeatures({ ...meta, seq }, tensors, es));
        const parsed = parseMessage(re); // checks the CRC
        expect(parsed.meta).toEqual({ ...meta, seq });
        expect(parsed.crc).toBe(crc32c(re.subarray(0, re.length - 4)));
        const a = decodeFeatures(body).tensors;
        const b = decodeFeatures(re).tensors;
        expect(b.length).toBe(a.length);
        b.forEach((t, k) => {
          expect(t.name).toBe(a[k]?.name);
          expect(t.dims).toEqual(a[k]?.dims);
          expect(t.data).toEqual(a[k]?.data);
        });
      }),
      { numRuns: 150 },
    );
  });

  test("chains: resequencing twice is resequencing once", () => {
    const body = encodeFeatures(META, [tensor("t", [2, 4, 4], 3)], encodingSpecOf(transportOf(parsePlanId("3.huffman+zero.6"))));
    expect(resequence(resequence(body, 7), 2 ** 40)).toEqual(resequence(body, 2 ** 40));
  });

  test.each([-1, 1.5, Number.NaN, 2 ** 53])("an invalid seq %s is a CodecError on meta.seq", (seq) => {
    const body = encodeFeatures(META, [tensor("t", [2, 2], 1)], { quantizer: { kind: "float32" }, coder: "raw" });
    let caught: unknown;
    try {
      resequence(body, seq);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CodecError);
    expect((caught as CodecError).field).toBe("meta.seq");
  });

  test("a corrupt body is rejected, not resealed", () => {
    const body = encodeFeatures(META, [tensor("t", [2, 2], 1)], { quantizer: { kind: "minmax", bits: 8 }, coder: "ans" });
    const bad = body.slice();
    bad[bad.length - 6] = (bad[bad.length - 6] as number) ^ 0xff;
    expect(() => resequence(bad, 5)).toThrow(expect.objectContaining({ code: CodecErrorCode.BadChecksum }) as Error);
    expect(() => resequence(new TextEncoder().encode("not a message"), 5)).toThrow(expect.objectContaining({ code: CodecErrorCode.BadMagic }) as Error);
  });
});

describe("encodeBody", () => {
  test("a features plan encodes its tensors with encodingSpecOf, as content features", async () => {
    const t = transportOf(parsePlanId("3.ans+channel.4"));
    const tensors = [tensor("x_1", [1, 2, 3, 3], 5)];
    const out = await encodeBody(t, META, { tensors });
    expect(out.content).toBe("features");
    expect(out.body).toEqual(encodeFeatures(META, tensors, encodingSpecOf(t)));
  });

  test("a raw image plan sends the frame bytes as image/raw", async () => {
    const frame = { width: 2, height: 1, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
    const out = await encodeBody(transportOf(parsePlanId("0.raw")), META, { frame });
    expect(out).toEqual({ body: frame.data, content: "image/raw" });
  });

  test("missing data is a PlanCodecError", async () => {
    await expect(encodeBody(transportOf(parsePlanId("0.png")), META, {})).rejects.toThrow(PlanCodecError);
    await expect(encodeBody(transportOf(parsePlanId("3.f16")), META, {})).rejects.toThrow("a features plan needs tensors");
  });
});
