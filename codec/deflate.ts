/**
 * `deflate`: Node's built-in zlib (raw DEFLATE, level 6) over symbols stored one byte each
 * (two bytes LE above 8 bits). A general-purpose comparator. Decoding caps the output at the
 * expected size, so a decompression bomb is an error, not an allocation.
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { SymbolCoder, SymbolLayout } from "./coder.js";
import { CodecError, CodecErrorCode } from "./errors.js";

function toBytes(symbols: Uint16Array, bits: number): Uint8Array {
  if (bits <= 8) return Uint8Array.from(symbols);
  const out = new Uint8Array(symbols.length * 2);
  for (let i = 0; i < symbols.length; i++) {
    const s = symbols[i] as number;
    out[2 * i] = s & 0xff;
    out[2 * i + 1] = s >>> 8;
  }
  return out;
}

/** Deflates raw bytes (also used for the float passthroughs). */
export function deflateBytes(b: Uint8Array): Uint8Array {
  return deflateRawSync(b, { level: 6 });
}

/** Inflates exactly `expected` bytes, or throws CORRUPT_PAYLOAD. */
export function inflateBytes(payload: Uint8Array, expected: number, where: string): Uint8Array {
  let out: Buffer;
  try {
    out = inflateRawSync(payload, { maxOutputLength: Math.max(1, expected) });
  } catch (e) {
    throw new CodecError(CodecErrorCode.CorruptPayload, where, `inflate failed: ${(e as Error).message}`, { cause: e });
  }
  if (out.length !== expected) throw new CodecError(CodecErrorCode.CorruptPayload, where, `inflated to ${out.length} bytes, expected ${expected}`);
  return out;
}

/** The `deflate` coder. */
export const deflateCoder: SymbolCoder = {
  name: "deflate",
  id: 4,
  encode: (symbols: Uint16Array, bits: number, _layout: SymbolLayout) => deflateBytes(toBytes(symbols, bits)),
  decode: (payload: Uint8Array, bits: number, _layout: SymbolLayout, out: Uint16Array) => {
    const bytes = inflateBytes(payload, out.length * (bits <= 8 ? 1 : 2), "deflate");
    const max = (1 << bits) - 1;
    for (let i = 0; i < out.length; i++) {
      const s = bits <= 8 ? (bytes[i] as number) : (bytes[2 * i] as number) | ((bytes[2 * i + 1] as number) << 8);
      if (s > max) throw new CodecError(CodecErrorCode.CorruptPayload, "deflate", `symbol ${s} at ${i} exceeds ${bits} bits`);
      out[i] = s;
    }
  },
};
