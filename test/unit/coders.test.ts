import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { SymbolCoder } from "../../codec/coder.js";
import { crc32c } from "../../codec/crc32c.js";
import { symbolEntropyBytes } from "../../codec/entropy.js";
import { deflateCoder } from "../../codec/deflate.js";
import { CodecError } from "../../codec/errors.js";
import { fromHalf, toHalf } from "../../codec/float16.js";
import { huffmanCoder } from "../../codec/huffman.js";
import { ansCoder } from "../../codec/rans.js";

const LAYOUT = (n: number) => ({ planes: 1, height: 1, width: n });

/** n symbols of width `bits` from a geometric-like distribution with parameter p (seeded). */
function skewed(n: number, bits: number, p: number, seed: number): Uint16Array {
  const out = new Uint16Array(n);
  let s = seed;
  const max = 2 ** bits - 1;
  for (let i = 0; i < n; i++) {
    s = (s * 48271) % 2147483647;
    let v = 0;
    let u = s / 2147483647;
    while (u > p && v < max) {
      u = (u - p) / (1 - p);
      v++;
    }
    out[i] = v;
  }
  return out;
}

const symbolsArb = fc.integer({ min: 1, max: 16 }).chain((bits) =>
  fc.tuple(fc.constant(bits), fc.array(fc.integer({ min: 0, max: 2 ** bits - 1 }), { maxLength: 400 }).map((a) => Uint16Array.from(a))));

describe.each<[string, SymbolCoder]>([["huffman", huffmanCoder], ["ans", ansCoder], ["deflate", deflateCoder]])("%s coder", (_name, coder) => {
  test("round-trips any symbols exactly, at every bit width", () => {
    fc.assert(fc.property(symbolsArb, ([bits, symbols]) => {
      const payload = coder.encode(symbols, bits, LAYOUT(symbols.length));
      const out = new Uint16Array(symbols.length);
      coder.decode(payload, bits, LAYOUT(symbols.length), out);
      expect(out).toEqual(symbols);
    }), { numRuns: 300 });
  });

  test("corrupted or truncated payloads decode or throw CodecError, never anything else", () => {
    const symbols = skewed(3000, 4, 0.3, 7);
    const payload = coder.encode(symbols, 4, LAYOUT(symbols.length));
    fc.assert(fc.property(fc.nat(payload.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(payload.length), (pos, byte, cut) => {
      const bad = payload.slice(0, Math.max(1, cut));
      if (pos < bad.length) bad[pos] = byte;
      try {
        coder.decode(bad, 4, LAYOUT(symbols.length), new Uint16Array(symbols.length));
      } catch (e) {
        expect(e).toBeInstanceOf(CodecError);
      }
    }), { numRuns: 1000 });
  });
});

describe("ans", () => {
  test.each([1, 2, 3, 4, 6, 8])("is within 2 percent of the order-0 entropy bound, header included, at %i bits", (bits) => {
    for (const p of [0.05, 0.3, 0.7, 0.95]) {
      const s = skewed(200_000, bits, p, bits * 13 + 1);
      const bytes = ansCoder.encode(s, bits, LAYOUT(s.length)).length;
      expect(bytes, `p=${p}`).toBeLessThanOrEqual(symbolEntropyBytes(s) * 1.02 + 16);
    }
  });
});

describe("huffman", () => {
  test("spends at least one bit per symbol (why ans beats it at low bit widths)", () => {
    const s = skewed(100_000, 2, 0.9, 3);
    expect(huffmanCoder.encode(s, 2, LAYOUT(s.length)).length).toBeGreaterThanOrEqual(s.length / 8);
    expect(ansCoder.encode(s, 2, LAYOUT(s.length)).length).toBeLessThan(s.length / 8 / 1.5);
  });
});

describe("deflate", () => {
  test("a payload that inflates past the expected size is rejected, not allocated", () => {
    const big = deflateCoder.encode(new Uint16Array(1_000_000), 8, LAYOUT(1_000_000));
    expect(() => deflateCoder.decode(big, 8, LAYOUT(10), new Uint16Array(10))).toThrowError(/inflate|inflated/);
  });
});

describe("crc32c and float16", () => {
  test("crc32c matches the standard check value and chains", () => {
    const data = new TextEncoder().encode("123456789");
    expect(crc32c(data)).toBe(0xe3069283);
    expect(crc32c(data.subarray(5), crc32c(data.subarray(0, 5)))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // RFC 3720 test vector: 32 zero bytes
  });

  test("float16 round-trips every half value and rounds floats to nearest", () => {
    for (let h = 0; h < 65536; h++) {
      const v = fromHalf(h);
      if (Number.isNaN(v)) expect((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0).toBe(true);
      else expect(toHalf(v)).toBe(h);
    }
    expect(toHalf(65520)).toBe(0x7c00);
    expect(fromHalf(toHalf(0.1))).toBeCloseTo(0.1, 3);
  });
});
