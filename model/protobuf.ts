/**
 * Minimal, bounds-checked protobuf wire-format reader and writer.
 *
 * Why our own instead of a generated ONNX binding: the ONNX messages we touch are few, and we need
 * (a) every unknown or newer field passed through byte for byte when a segment is written,
 * (b) zero-copy slices of large initializers, and (c) a typed error naming the field path on any
 * malformed or truncated input. Generated bindings (onnx-proto is frozen at IR 7) silently drop
 * fields they do not know.
 */
import { ModelError, ModelErrorCode } from "./errors.js";

/** Protobuf wire types. */
export const WireType = { Varint: 0, I64: 1, Len: 2, StartGroup: 3, EndGroup: 4, I32: 5 } as const;

/** One field of a message as it sits on the wire. */
export interface RawField {
  /** Field number. */
  readonly no: number;
  /** Wire type (see {@link WireType}). */
  readonly wireType: number;
  /** Value of a varint field (int64 decoded as a JS number; exact up to 2^53, sign kept). */
  readonly varint: number;
  /** Payload of a length-delimited or fixed-width field (a view into the source buffer). */
  readonly bytes: Uint8Array;
  /** The whole field, tag included, for verbatim pass-through. */
  readonly raw: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/**
 * Decodes a 64-bit varint starting at `pos`. Returns the value as a number (int64 semantics:
 * values with the top bit set are negative) and the position after it.
 */
function readVarint(buf: Uint8Array, pos: number, end: number, where: string): [number, number] {
  let lo = 0;
  let shift = 0;
  let p = pos;
  // Fast path: up to 7 bytes (49 bits) fit a double exactly.
  while (p < end && shift < 49) {
    const b = buf[p++] as number;
    lo += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [lo, p];
    shift += 7;
  }
  if (p >= end) throw new ModelError(ModelErrorCode.Truncated, `truncated varint at byte ${pos} in ${where}`);
  // Slow path: finish as BigInt and interpret as signed 64-bit.
  let big = BigInt(lo);
  let bshift = BigInt(shift);
  while (p < end) {
    const b = buf[p++] as number;
    big |= BigInt(b & 0x7f) << bshift;
    if (b < 0x80) return [Number(BigInt.asIntN(64, big)), p];
    bshift += 7n;
    if (bshift > 63n) throw new ModelError(ModelErrorCode.NotOnnx, `varint longer than 10 bytes at byte ${pos} in ${where}`);
  }
  throw new ModelError(ModelErrorCode.Truncated, `truncated varint at byte ${pos} in ${where}`);
}

/**
 * Splits a message into its fields. Every length is checked against the buffer; group wire types
 * (unused by ONNX) are rejected. `where` names the message for error messages (e.g. `graph.node[3]`).
 */
export function readFields(buf: Uint8Array, where: string): RawField[] {
  const fields: RawField[] = [];
  const end = buf.length;
  let pos = 0;
  while (pos < end) {
    const start = pos;
    const [tag, p1] = readVarint(buf, pos, end, where);
    pos = p1;
    const no = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (no < 1 || no > 536870911) throw new ModelError(ModelErrorCode.NotOnnx, `invalid field number ${no} at byte ${start} in ${where}`);
    let varint = 0;
    let bytes: Uint8Array = EMPTY;
    switch (wireType) {
      case WireType.Varint: {
        const [v, p2] = readVarint(buf, pos, end, where);
        varint = v;
        pos = p2;
        break;
      }
      case WireType.I64:
      case WireType.I32: {
        const n = wireType === WireType.I64 ? 8 : 4;
        if (pos + n > end) throw new ModelError(ModelErrorCode.Truncated, `truncated fixed${n * 8} field ${no} at byte ${start} in ${where}`);
        bytes = buf.subarray(pos, pos + n);
        pos += n;
        break;
      }
      case WireType.Len: {
        const [len, p2] = readVarint(buf, pos, end, where);
        if (len < 0 || p2 + len > end) {
          throw new ModelError(ModelErrorCode.Truncated, `field ${no} at byte ${start} in ${where} declares ${len} bytes but only ${end - p2} remain`);
        }
        bytes = buf.subarray(p2, p2 + len);
        pos = p2 + len;
        break;
      }
      default:
        throw new ModelError(ModelErrorCode.NotOnnx, `unsupported wire type ${wireType} for field ${no} at byte ${start} in ${where}`);
    }
    fields.push({ no, wireType, varint, bytes, raw: buf.subarray(start, pos) });
  }
  return fields;
}

/** Decodes a UTF-8 string field. */
export function fieldString(f: RawField, where: string): string {
  expectWire(f, WireType.Len, where);
  return new TextDecoder("utf-8", { fatal: false }).decode(f.bytes);
}

/** Checks a field's wire type, throwing a typed error that names the field. */
export function expectWire(f: RawField, wireType: number, where: string): void {
  if (f.wireType !== wireType) {
    throw new ModelError(ModelErrorCode.NotOnnx, `field ${f.no} in ${where} has wire type ${f.wireType}, expected ${wireType}`);
  }
}

/** Reads a repeated int64/int32 field that may be packed or not; appends to `out`. */
export function pushInts(f: RawField, out: number[], where: string): void {
  if (f.wireType === WireType.Varint) {
    out.push(f.varint);
    return;
  }
  expectWire(f, WireType.Len, where);
  let pos = 0;
  while (pos < f.bytes.length) {
    const [v, p] = readVarint(f.bytes, pos, f.bytes.length, where);
    out.push(v);
    pos = p;
  }
}

/** Reads a repeated float field that may be packed or not; appends to `out`. */
export function pushFloats(f: RawField, out: number[], where: string): void {
  const dv = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
  if (f.wireType === WireType.I32) {
    out.push(dv.getFloat32(0, true));
    return;
  }
  expectWire(f, WireType.Len, where);
  if (f.bytes.length % 4 !== 0) throw new ModelError(ModelErrorCode.NotOnnx, `packed floats in ${where} have ${f.bytes.length} bytes, not a multiple of 4`);
  for (let i = 0; i < f.bytes.length; i += 4) out.push(dv.getFloat32(i, true));
}

/** Reads a float field (fixed32). */
export function fieldFloat(f: RawField, where: string): number {
  expectWire(f, WireType.I32, where);
  return new DataView(f.bytes.buffer, f.bytes.byteOffset, 4).getFloat32(0, true);
}

/**
 * Append-only protobuf writer. Nested messages are written by encoding them first and then
 * writing the bytes (`bytes()`), which keeps the writer simple and allocation-light enough for
 * model files (a few thousand nodes).
 */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private scratch: number[] = [];
  private length = 0;

  private flushScratch(): void {
    if (this.scratch.length > 0) {
      const u = Uint8Array.from(this.scratch);
      this.chunks.push(u);
      this.length += u.length;
      this.scratch = [];
    }
  }

  private varintRaw(v: number): void {
    if (v < 0) {
      // int64 two's complement, 10 bytes.
      let big = BigInt.asUintN(64, BigInt(v));
      while (big >= 0x80n) {
        this.scratch.push(Number(big & 0x7fn) | 0x80);
        big >>= 7n;
      }
      this.scratch.push(Number(big));
      return;
    }
    let x = v;
    while (x >= 0x80) {
      this.scratch.push((x % 128) | 0x80);
      x = Math.floor(x / 128);
    }
    this.scratch.push(x);
  }

  private tag(no: number, wireType: number): void {
    this.varintRaw(no * 8 + wireType);
  }

  /** Writes a varint field (int32/int64/enum/bool). */
  varint(no: number, v: number): this {
    this.tag(no, WireType.Varint);
    this.varintRaw(v);
    return this;
  }

  /** Writes a length-delimited field holding `b`. */
  bytes(no: number, b: Uint8Array): this {
    this.tag(no, WireType.Len);
    this.varintRaw(b.length);
    this.flushScratch();
    this.chunks.push(b);
    this.length += b.length;
    return this;
  }

  /** Writes a UTF-8 string field. */
  string(no: number, s: string): this {
    return this.bytes(no, new TextEncoder().encode(s));
  }

  /** Writes a float field (fixed32). */
  float(no: number, v: number): this {
    this.tag(no, WireType.I32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.flushScratch();
    this.chunks.push(b);
    this.length += 4;
    return this;
  }

  /** Writes a packed repeated int64 field. */
  packedInts(no: number, vs: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of vs) inner.varintRaw(v);
    return this.bytes(no, inner.finish());
  }

  /** Writes a packed repeated float field. */
  packedFloats(no: number, vs: readonly number[]): this {
    const b = new Uint8Array(vs.length * 4);
    const dv = new DataView(b.buffer);
    vs.forEach((v, i) => dv.setFloat32(i * 4, v, true));
    return this.bytes(no, b);
  }

  /** Appends already-encoded bytes verbatim (a {@link RawField.raw}, tag included). */
  raw(b: Uint8Array): this {
    this.flushScratch();
    this.chunks.push(b);
    this.length += b.length;
    return this;
  }

  /** Returns the encoded message. */
  finish(): Uint8Array {
    this.flushScratch();
    if (this.chunks.length === 1) return this.chunks[0] as Uint8Array;
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}
