/** MSB-first bit writer and bounds-checked bit reader (for Huffman codes). */
import { CodecError, CodecErrorCode } from "./errors.js";

/** Writes bits MSB-first into a growable buffer. */
export class BitWriter {
  private buf: Uint8Array;
  private pos = 0;
  private acc = 0;
  private nacc = 0;

  constructor(capacity = 1024) {
    this.buf = new Uint8Array(Math.max(16, capacity));
  }

  /** Appends the low `n` bits of `code` (n ≤ 24), most significant first. */
  write(code: number, n: number): void {
    this.acc = (this.acc << n) | code;
    this.nacc += n;
    while (this.nacc >= 8) {
      this.nacc -= 8;
      if (this.pos === this.buf.length) {
        const next = new Uint8Array(this.buf.length * 2);
        next.set(this.buf);
        this.buf = next;
      }
      this.buf[this.pos++] = (this.acc >>> this.nacc) & 0xff;
    }
    this.acc &= (1 << this.nacc) - 1;
  }

  /** Flushes the last partial byte (zero-padded) and returns the bytes. */
  finish(): Uint8Array {
    if (this.nacc > 0) this.write(0, 8 - this.nacc);
    return this.buf.subarray(0, this.pos);
  }
}

/** Reads bits MSB-first; reading past the end is a CORRUPT_PAYLOAD error. */
export class BitReader {
  private pos: number;
  private acc = 0;
  private nacc = 0;

  constructor(private readonly buf: Uint8Array, offset: number, private readonly where: string) {
    this.pos = offset;
  }

  /** Reads one bit. */
  bit(): number {
    if (this.nacc === 0) {
      if (this.pos >= this.buf.length) throw new CodecError(CodecErrorCode.CorruptPayload, this.where, "bit stream ends before the last symbol");
      this.acc = this.buf[this.pos++] as number;
      this.nacc = 8;
    }
    this.nacc--;
    return (this.acc >>> this.nacc) & 1;
  }

  /** Bytes not yet touched (a partially read byte counts as consumed). */
  get remainingBytes(): number {
    return this.buf.length - this.pos;
  }
}
