import fc from "fast-check";
import { symbolEntropyBytes } from "../../codec/entropy.js";
import { describe, expect, test } from "vitest";
import type { SymbolLayout } from "../../codec/coder.js";
import { ctxCoder, ctxDecode, ctxEncode } from "../../codec/context-coder.js";
import { CodecError } from "../../codec/errors.js";

/** A small deterministic PRNG (LCG), so that the structured fixtures are the same on every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

function roundTrip(q: Uint16Array, bits: number, layout: SymbolLayout): Uint8Array {
  const payload = ctxCoder.encode(q, bits, layout);
  const back = new Uint16Array(q.length).fill(0xbeef);
  ctxCoder.decode(payload, bits, layout, back);
  expect(back).toEqual(q);
  return payload;
}

/** Decodes, and returns the error code if it threw; anything but a CodecError fails the test. */
function decodeCode(payload: Uint8Array, bits: number, layout: SymbolLayout, n: number): string | undefined {
  try {
    ctxDecode(payload, bits, layout, new Uint16Array(n));
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(CodecError);
    return (e as CodecError).code;
  }
}

/** 2×2 nearest-neighbour upsampled copies of random symbols (as after an FPN upsample). */
function upsampled(rnd: () => number, layout: SymbolLayout, bits: number): Uint16Array {
  const { planes, height, width } = layout;
  const q = new Uint16Array(planes * height * width);
  for (let c = 0; c < planes; c++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (c * height + y) * width + x;
        q[i] = y % 2 === 1 ? (q[i - width] as number) : x % 2 === 1 ? (q[i - 1] as number) : Math.floor(rnd() * 2 ** bits);
      }
    }
  }
  return q;
}

/** A post-ReLU-like map: zero background with a few rectangles of noisy, locally similar values. */
function reluBlobs(rnd: () => number, layout: SymbolLayout, bits: number): Uint16Array {
  const { planes, height, width } = layout;
  const q = new Uint16Array(planes * height * width);
  const max = 2 ** bits - 1;
  for (let c = 0; c < planes; c++) {
    for (let b = 0; b < 4; b++) {
      const y0 = Math.floor(rnd() * height);
      const x0 = Math.floor(rnd() * width);
      const h = 2 + Math.floor(rnd() * (height / 3));
      const w = 2 + Math.floor(rnd() * (width / 3));
      const level = 1 + Math.floor(rnd() * max);
      for (let y = y0; y < Math.min(height, y0 + h); y++) {
        for (let x = x0; x < Math.min(width, x0 + w); x++) {
          const v = level + Math.floor((rnd() - 0.5) * 3 * 2 ** Math.max(0, bits - 4));
          q[(c * height + y) * width + x] = Math.min(max, Math.max(1, v));
        }
      }
    }
  }
  return q;
}

const layoutArb = fc.record({ planes: fc.integer({ min: 1, max: 4 }), height: fc.integer({ min: 1, max: 12 }), width: fc.integer({ min: 1, max: 12 }) });

describe("ctx coder", () => {
  test("round-trips random symbols over random layouts and bit widths 1..16", () => {
    const input = fc
      .tuple(layoutArb, fc.integer({ min: 1, max: 16 }), fc.constantFrom("uniform", "narrow", "runs"), fc.integer())
      .map(([layout, bits, kind, seed]) => {
        const rnd = lcg(seed);
        const n = layout.planes * layout.height * layout.width;
        const q = new Uint16Array(n);
        const span = kind === "narrow" ? Math.min(2 ** bits, 3) : 2 ** bits;
        const offset = Math.floor(rnd() * (2 ** bits - span + 1));
        for (let i = 0; i < n; i++) q[i] = kind === "runs" && i > 0 && rnd() < 0.8 ? (q[i - 1] as number) : offset + Math.floor(rnd() * span);
        return { layout, bits, q };
      });
    fc.assert(fc.property(input, ({ layout, bits, q }) => {
      roundTrip(q, bits, layout);
    }), { numRuns: 300 });
  });

  test("edge cases: empty, single symbols, all-equal, 1×N, N×1×1, 16-bit extremes", () => {
    for (const layout of [{ planes: 0, height: 0, width: 0 }, { planes: 1, height: 0, width: 9 }, { planes: 3, height: 5, width: 0 }]) {
      expect(roundTrip(new Uint16Array(0), 4, layout)).toHaveLength(7);
    }
    for (const bits of [1, 4, 16]) {
      for (const v of [0, 2 ** bits - 1]) roundTrip(Uint16Array.of(v), bits, { planes: 1, height: 1, width: 1 });
    }
    const flat = new Uint16Array(8 * 64 * 64).fill(9);
    expect(roundTrip(flat, 4, { planes: 8, height: 64, width: 64 }).length).toBeLessThan(40);
    const rnd = lcg(7);
    const line = Uint16Array.from({ length: 3000 }, () => Math.floor(rnd() * 5));
    roundTrip(line, 3, { planes: 1, height: 1, width: 3000 });
    roundTrip(line, 3, { planes: 1, height: 3000, width: 1 });
    roundTrip(line, 3, { planes: 3000, height: 1, width: 1 });
    const extremes = Uint16Array.from({ length: 4096 }, (_, i) => (i % 3 === 0 ? 65535 : i % 3 === 1 ? 0 : Math.floor(rnd() * 65536)));
    roundTrip(extremes, 16, { planes: 4, height: 32, width: 32 });
    roundTrip(Uint16Array.from({ length: 2048 }, (_, i) => (i & 1) * 65535), 16, { planes: 2, height: 32, width: 32 });
    roundTrip(Uint16Array.from({ length: 2048 }, () => Math.floor(rnd() * 2)), 1, { planes: 2, height: 32, width: 32 });
  });

  test("rejects bad arguments with BAD_INPUT", () => {
    const layout = { planes: 1, height: 2, width: 2 };
    const q = Uint16Array.of(1, 2, 3, 4);
    const codeOf = (f: () => unknown): string | undefined => {
      try {
        f();
        return undefined;
      } catch (e) {
        expect(e).toBeInstanceOf(CodecError);
        return (e as CodecError).code;
      }
    };
    expect(() => ctxEncode(q, 2, layout)).toThrowError(/symbol 3 is 4/);
    expect(codeOf(() => ctxEncode(q, 2, layout))).toBe("BAD_INPUT");
    expect(codeOf(() => ctxEncode(q, 0, layout))).toBe("BAD_INPUT");
    expect(codeOf(() => ctxEncode(q, 17, layout))).toBe("BAD_INPUT");
    expect(codeOf(() => ctxEncode(q, 4, { planes: 1, height: 2.5, width: 2 }))).toBe("BAD_INPUT");
    expect(() => ctxEncode(q, 4, { planes: 1, height: 2, width: 3 })).toThrowError(/does not hold 4 symbols/);
    expect(codeOf(() => ctxDecode(ctxEncode(q, 4, layout), 4, layout, new Uint16Array(5)))).toBe("BAD_INPUT");
  });

  test("structured maps compress far below the order-0 bound", () => {
    const rnd = lcg(2024);
    const layout = { planes: 4, height: 64, width: 64 };
    // Measured ratios to the order-0 bound (copies / blobs): 2 bits 0.33 / 0.29, 4 bits 0.30 / 0.31,
    // 8 bits 0.26 / 0.57 (the blobs' ±24-level noise is incompressible). Copies: ~1/4 is the floor.
    for (const [bits, copies, blobs] of [[2, 0.4, 0.4], [4, 0.4, 0.4], [8, 0.35, 0.65]] as const) {
      const up = upsampled(rnd, layout, bits);
      expect(roundTrip(up, bits, layout).length).toBeLessThan(copies * symbolEntropyBytes(up));
      const relu = reluBlobs(rnd, layout, bits);
      expect(roundTrip(relu, bits, layout).length).toBeLessThan(blobs * symbolEntropyBytes(relu));
    }
  });

  test("uniformly random symbols cost little more than their raw bits", () => {
    const rnd = lcg(99);
    const layout = { planes: 2, height: 64, width: 64 };
    // Measured: 1.5–7.5 % over the raw size (the price of learning many contexts from 8192 symbols).
    for (const bits of [1, 4, 12, 16]) {
      const q = Uint16Array.from({ length: 8192 }, () => Math.floor(rnd() * 2 ** bits));
      expect(roundTrip(q, bits, layout).length).toBeLessThan(1.1 * (8192 * bits) / 8 + 16);
    }
  });

  test("header and framing errors are typed", () => {
    const layout = { planes: 1, height: 16, width: 16 };
    const q = Uint16Array.from({ length: 256 }, (_, i) => (i * 7) % 13);
    const good = ctxEncode(q, 4, layout);
    const code = (p: Uint8Array): string | undefined => decodeCode(p, 4, layout, 256);
    expect(code(good.subarray(0, 6))).toBe("TRUNCATED");
    expect(code(Uint8Array.from([9, ...good.subarray(1)]))).toBe("CORRUPT_PAYLOAD");
    expect(code(Uint8Array.from([1, 0xff, 0xff, ...good.subarray(3)]))).toBe("CORRUPT_PAYLOAD");
    expect(code(Uint8Array.from([...good, 0]))).toBe("CORRUPT_PAYLOAD");
    // A cut stream always needs a byte it lacks, so every truncation is detected.
    for (let len = 0; len < good.length; len++) expect(code(good.subarray(0, len))).toMatch(/^(TRUNCATED|CORRUPT_PAYLOAD)$/);
  });

  test("mutated and truncated payloads decode or throw CodecError, never anything else", () => {
    const rnd = lcg(5);
    const cases = [
      { bits: 4, layout: { planes: 2, height: 12, width: 16 } },
      { bits: 1, layout: { planes: 1, height: 20, width: 20 } },
      { bits: 8, layout: { planes: 3, height: 8, width: 9 } },
      { bits: 16, layout: { planes: 1, height: 10, width: 10 } },
      { bits: 3, layout: { planes: 40, height: 1, width: 1 } },
    ].map(({ bits, layout }) => {
      const q = reluBlobs(rnd, layout, bits);
      return { bits, layout, n: q.length, payload: ctxEncode(q, bits, layout) };
    });
    const mutation = fc.record({
      which: fc.nat({ max: cases.length - 1 }),
      kind: fc.constantFrom("flip", "byte", "cut", "append", "splice"),
      at: fc.nat(),
      value: fc.integer({ min: 0, max: 255 }),
      count: fc.integer({ min: 1, max: 4 }),
    });
    let decoded = 0;
    fc.assert(fc.property(mutation, ({ which, kind, at, value, count }) => {
      const { bits, layout, n, payload } = cases[which]!;
      const p = Uint8Array.from(payload);
      const pos = at % p.length;
      let bad: Uint8Array = p;
      if (kind === "flip") {
        for (let k = 0; k < count; k++) {
          const j = (pos + k * 97) % p.length;
          p[j] = (p[j] as number) ^ (1 << ((value + k) & 7));
        }
      } else if (kind === "byte") p[pos] = value;
      else if (kind === "cut") bad = p.subarray(0, pos);
      else if (kind === "append") bad = Uint8Array.from([...p, ...new Array<number>(count).fill(value)]);
      else bad = Uint8Array.from([...p.subarray(0, pos), ...p.subarray(pos + count)]);
      if (decodeCode(bad, bits, layout, n) === undefined) decoded++;
    }), { numRuns: 2500 });
    if (process.env.CTX_STATS === "1") console.log(`${decoded} of 2500 mutated payloads decoded without error`);
    expect(decoded).toBeLessThan(2500);
  });

  test("a tiny payload for many symbols fails fast (linear time, no hang)", () => {
    const layout = { planes: 4, height: 256, width: 256 };
    const start = performance.now();
    expect(decodeCode(Uint8Array.from([1, 0, 0, 0x5a, 0xa5, 0x5a, 0xa5]), 8, layout, 4 * 256 * 256)).toBe("CORRUPT_PAYLOAD");
    expect(decodeCode(new Uint8Array(100_000).fill(0xff).fill(0, 0, 3).fill(1, 0, 1), 8, { planes: 1, height: 4, width: 4 }, 16)).toBe("CORRUPT_PAYLOAD");
    expect(performance.now() - start).toBeLessThan(5000);
  });
});
