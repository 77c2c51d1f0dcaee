// Golden vectors for the wire format (docs/wire-format.md): fixed bytes in test/fixtures/wire/.
// Decoding them must give the recorded values, and encoding the recorded inputs must give the same
// bytes, so any change to the format is caught. Regenerate (after a deliberate, versioned change)
// with: UPDATE_GOLDEN=1 npx vitest run test/unit/wire-golden.test.ts
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { type EncodingSpec, type FeatureTensor, decodeFeatures, encodeFeatures } from "../../codec/features.js";
import type { FrameMeta } from "../../codec/wire-format.js";

const DIR = join(import.meta.dirname, "../fixtures/wire");
const META: FrameMeta = { camera: "golden-cam", seq: 4242, capturedAt: 1764115200000, modelSha256: "30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff", cutId: 43, planId: "golden:1" };

/** Deterministic activation-like values: a ReLU-ish field with zeros, ramps and a few outliers. */
function values(n: number, seed: number): number[] {
  const out: number[] = [];
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    out.push(Math.fround(u < 0.3 ? 0 : (u - 0.3) * 4 + (i % 5) * 0.25 + (i % 97 === 0 ? 20 : 0)));
  }
  return out;
}

const CASES: ReadonlyArray<{ name: string; spec: EncodingSpec; dims: number[][] }> = [
  { name: "float32-raw", spec: { quantizer: { kind: "float32" }, coder: "raw" }, dims: [[1, 2, 3, 4]] },
  { name: "float16-deflate", spec: { quantizer: { kind: "float16" }, coder: "deflate" }, dims: [[1, 3, 5, 5]] },
  { name: "minmax4-ans-two-tensors", spec: { quantizer: { kind: "minmax", bits: 4 }, coder: "ans" }, dims: [[1, 4, 8, 8], [1, 2, 16, 16]] },
  { name: "zeropoint3-channel-huffman", spec: { quantizer: { kind: "zero-point", bits: 3, granularity: "channel" }, coder: "huffman" }, dims: [[1, 6, 7, 9]] },
  { name: "minmax8-ctx", spec: { quantizer: { kind: "minmax", bits: 8 }, coder: "ctx" }, dims: [[1, 4, 12, 12]] },
  { name: "minmax12-deflate", spec: { quantizer: { kind: "minmax", bits: 12 }, coder: "deflate" }, dims: [[2, 3, 10]] },
  { name: "minmax2-raw", spec: { quantizer: { kind: "minmax", bits: 2 }, coder: "raw" }, dims: [[1, 1, 9, 11]] },
];

function inputs(dims: number[][]): FeatureTensor[] {
  return dims.map((d, k) => ({ name: `tensor_${k}`, dims: d, data: Float32Array.from(values(d.reduce((a, b) => a * b, 1), 17 + k)) }));
}

describe("wire-format golden vectors", () => {
  for (const c of CASES) {
    test(c.name, () => {
      const bin = join(DIR, `${c.name}.bin`);
      const json = join(DIR, `${c.name}.json`);
      const tensors = inputs(c.dims);
      const bytes = encodeFeatures(META, tensors, c.spec);
      if (process.env.UPDATE_GOLDEN === "1") {
        const d = decodeFeatures(bytes);
        writeFileSync(bin, bytes);
        writeFileSync(json, `${JSON.stringify({ meta: META, spec: c.spec, bytes: bytes.length, tensors: d.tensors.map((t) => ({ name: t.name, dims: t.dims, coderId: t.header.coderId, payloadLength: t.header.payloadLength, decoded: [...t.data] })) }, null, 1)}\n`);
      }
      expect(existsSync(bin), `${bin} missing: run with UPDATE_GOLDEN=1`).toBe(true);
      const golden = new Uint8Array(readFileSync(bin));
      const expected = JSON.parse(readFileSync(json, "utf8")) as { meta: FrameMeta; bytes: number; tensors: { name: string; dims: number[]; coderId: number; payloadLength: number; decoded: number[] }[] };
      const d = decodeFeatures(golden);
      expect(d.meta).toEqual(expected.meta);
      expect(golden.length).toBe(expected.bytes);
      d.tensors.forEach((t, k) => {
        const e = expected.tensors[k]!;
        expect(t.name).toBe(e.name);
        expect(t.dims).toEqual(e.dims);
        expect(t.header.coderId).toBe(e.coderId);
        expect(t.header.payloadLength).toBe(e.payloadLength);
        expect([...t.data]).toEqual(e.decoded);
      });
      expect(Buffer.from(bytes).equals(Buffer.from(golden)), "encoding the recorded inputs must reproduce the golden bytes").toBe(true);
    });
  }
});
