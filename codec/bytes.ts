/**
 * Little-endian byte writer and bounds-checked reader used by the wire format and the coders.
 * The reader never trusts a length: every read is checked against the buffer and a failed
 * check is a `CodecError` naming the field.
 */
import { CodecError, CodecErrorCode } from "./errors.js";

/** Whether this host stores typed arrays little-endian (every platform Node ships on, but checked). */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** A growable little-endian byte buffer. */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  /** Creates a writer with an initial capacity in bytes. */
  constructor(capacity = 256) {
    this.buf = new Uint8Array(Math.max(16, capacity));
    this.view = new DataView(this.buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
    return this;
  }

  f32(v: number): this {
    this.ensure(4);
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
    return this;
  }

  f64(v: number): this {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
    return this;
  }

  /** Unsigned LEB128 varint (up to 2^53). */
  varint(v: number): this {
    this.ensure(8);
    let x = v;
    while (x >= 0x80) {
      this.buf[this.pos++] = (x % 128) | 0x80;
      x = Math.floor(x / 128);
    }
    this.buf[this.pos++] = x;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** UTF-8 string with a u8 or u16 length prefix. */
  string(s: string, lengthBytes: 1 | 2 = 1): this {
    const b = new TextEncoder().encode(s);
    if (b.length >= 2 ** (8 * lengthBytes)) throw new CodecError(CodecErrorCode.BadInput, "string", `"${s.slice(0, 32)}..." is ${b.length} bytes, over the ${2 ** (8 * lengthBytes) - 1}-byte limit`);
    if (lengthBytes === 1) this.u8(b.length);
    else this.u16(b.length);
    return this.bytes(b);
  }

  /** Copies 16-bit words little-endian (a bulk copy on little-endian hosts). */
  u16Array(words: Uint16Array): this {
    this.ensure(words.length * 2);
    if (LITTLE_ENDIAN) {
      this.buf.set(new Uint8Array(words.buffer, words.byteOffset, words.byteLength), this.pos);
      this.pos += words.byteLength;
      return this;
    }
    for (let i = 0; i < words.length; i++) {
      const w = words[i] as number;
      this.buf[this.pos++] = w & 0xff;
      this.buf[this.pos++] = w >>> 8;
    }
    return this;
  }

  /** Overwrites a u32 at an earlier offset (for lengths and checksums known later). */
  patchU32(offset: number, v: number): void {
    this.view.setUint32(offset, v, true);
  }

  /** The bytes written (a view, not a copy). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/** A bounds-checked little-endian reader over a byte buffer. */
export class ByteReader {
  private readonly view: DataView;
  /** Next byte to read. */
  offset = 0;

  /** `where` prefixes field names in errors (e.g. "message" or "payload[2]"). */
  constructor(readonly buf: Uint8Array, readonly where: string) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Bytes left. */
  get remaining(): number {
    return this.buf.length - this.offset;
  }

  private need(n: number, field: string): void {
    if (this.offset + n > this.buf.length) {
      throw new CodecError(CodecErrorCode.Truncated, `${this.where}.${field}`, `needs ${n} bytes at offset ${this.offset}, but the buffer has ${this.buf.length}`);
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.buf[this.offset++] as number;
  }

  u16(field: string): number {
    this.need(2, field);
    const v = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return v;
  }

  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }

  f32(field: string): number {
    this.need(4, field);
    const v = this.view.getFloat32(this.offset, true);
    this.offset += 4;
    return v;
  }

  f64(field: string): number {
    this.need(8, field);
    const v = this.view.getFloat64(this.offset, true);
    this.offset += 8;
    return v;
  }

  /** Unsigned LEB128 varint; at most 8 bytes (values < 2^56, kept exact below 2^53). */
  varint(field: string): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8(field);
      v += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (!Number.isSafeInteger(v)) break;
        return v;
      }
      mul *= 128;
    }
    throw new CodecError(CodecErrorCode.BadField, `${this.where}.${field}`, "varint too long or too large");
  }

  /** A view of the next `n` bytes. */
  bytes(n: number, field: string): Uint8Array {
    this.need(n, field);
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }

  /** A UTF-8 string with a u8 or u16 length prefix; invalid UTF-8 is a BAD_FIELD error. */
  string(field: string, lengthBytes: 1 | 2 = 1): string {
    const n = lengthBytes === 1 ? this.u8(`${field}.length`) : this.u16(`${field}.length`);
    const b = this.bytes(n, field);
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(b);
    } catch (e) {
      throw new CodecError(CodecErrorCode.BadField, `${this.where}.${field}`, "is not valid UTF-8", { cause: e });
    }
  }
}
