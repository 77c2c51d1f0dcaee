/**
 * `ctx`: an adaptive context-mixing coder for quantized feature maps.
 *
 * Each symbol is binarized and every binary decision is coded by an LZMA-style binary range coder
 * (32-bit range, carry propagation) with a probability that is learned as it goes:
 * 1. flags: "equals the left neighbour", "equals the upper one", "equals the tensor's most
 *    common symbol" (runs of one level, nearest-neighbour-upsampled copies, ReLU zeros);
 * 2. otherwise, up to 8 bits: a binary tree over (s − ⌈(left + up)/2⌉) mod 2^bits; above
 *    8 bits: sign and Elias-gamma magnitude of s − left.
 * A decision's probability mixes five adaptive models (logistic mixing, one weight set per decision
 * kind), selected by: the equality pattern and activity of the causal neighbourhood; the left, up,
 * up-left and up-right values; the plane with left and up; left and up with the shape of the
 * neighbourhood; the row above (up-left, up, up-right, up-right-right, up-up). An SSE stage refines
 * the mix. Models adapt with a count-based rate; values above 4 bits enter contexts by their top 4.
 *
 * Payload: u8 version (1), u16 LE most common symbol, then the range-coded bytes. Integer
 * arithmetic only: decoding is bit-exact everywhere, takes time linear in the symbol count and
 * must consume exactly the payload, or it throws `CodecError` (`CORRUPT_PAYLOAD`).
 */
import type { SymbolCoder, SymbolLayout } from "./coder.js";
import { CodecError, CodecErrorCode } from "./errors.js";

const VERSION = 1;
const HEADER_BYTES = 3;
const TOP = 1 << 24;
const TWO32 = 2 ** 32;

/** lpaq1's logistic curve at 33 points: squash(d) = 4096 / (1 + e^(−d/256)), d in [−2048, 2048]. */
const SQUASH_POINTS = [1, 2, 3, 6, 10, 16, 27, 45, 73, 120, 194, 310, 488, 747, 1101, 1546, 2047, 2549, 2994, 3348, 3607, 3785, 3901, 3975, 4024, 4050, 4068, 4079, 4085, 4089, 4092, 4093, 4094];

/** 12-bit probability of a stretched value d in [−2047, 2047], interpolated (integers only). */
function squashOf(d: number): number {
  const w = d & 127;
  const k = (d >> 7) + 16;
  return ((SQUASH_POINTS[k] as number) * (128 - w) + (SQUASH_POINTS[k + 1] as number) * w + 64) >> 7;
}
/** squash(d) at index d + 2048. */
const SQUASH = new Int32Array(4096).map((_, i) => squashOf(Math.max(-2047, i - 2048)));
/** stretch(p) = squash⁻¹(p) for 12-bit p. */
const STRETCH = new Int32Array(4096);
for (let x = -2047, pi = 0; x <= 2047; x++) {
  const v = squashOf(x);
  STRETCH.fill(x, pi, v + 1);
  pi = Math.max(pi, v + 1);
  if (x === 2047) STRETCH.fill(2047, pi);
}

/**
 * A model slot holds ((p16 ^ 0x8000) << 8) | n: a 16-bit probability of a 1, stored so that a
 * zeroed table means "p = 1/2, never seen", and how often it was updated (up to LIMIT).
 */
const LIMIT = 24;
/** Adaptation rate after n updates: 1/(n + 1.5), as a 16-bit fraction. */
const RATE = new Int32Array(LIMIT + 1).map((_, n) => Math.floor(131072 / (2 * n + 3)));

// Decision kinds ("keys"). Tree nodes (up to 8 bits) and exponent/mantissa keys (above) never
// meet in one stream, so their ranges may overlap. Hashed models keep the keys of one context in
// a bucket of 32 slots, so that one symbol's decisions share two cache lines: flags and, up to
// 4 bits, the whole tree.
const K_EQL = 0;
const K_EQU = 1;
const K_EQZ = 2;
const K_SIGN = 3;
const K_EXP = 4;
const K_MANT = 40;
const K_TREE = 16;
const KEYS = K_MANT + 17 * 24;
const BUCKET = 32;
/** Keys grouped for the SSE stage. */
const SSE_KEYS = 80;
/** Activity classes and the size of the small (pattern × activity) context. */
const ACT = 12;
const SMALL = 16 * ACT;
const NIN = 5;
/** Mixer learning rate (error · rate · input >> 14). */
const LR = 4;
/** Bits per symbol up to which the value is coded with a binary tree. */
const TREE_BITS = 8;

let sseTemplate: Uint16Array | undefined;
/** The initial SSE tables (the identity curve, for every context), built once. */
function sseInit(): Uint16Array {
  if (sseTemplate === undefined) {
    sseTemplate = new Uint16Array(SSE_KEYS * SMALL * 33);
    for (let j = 0; j < sseTemplate.length; j += 33) for (let k = 0; k < 33; k++) sseTemplate[j + k] = (SQUASH[Math.min(4095, k * 128)] as number) * 16;
  }
  return sseTemplate;
}

/** Bit length of a non-negative int32 (0 → 0). */
function bitLength(v: number): number {
  return 32 - Math.clz32(v);
}

/** The range coder with its context-mixing model; one class both encodes and decodes. */
class MixCoder {
  private low = 0;
  private range = 0xffffffff;
  private cache = 0;
  private cacheSize = 1;
  private code = 0;
  private skipFirst = true;
  /** Next byte to read or write; when decoding it may run past the end (missing bytes read as 0). */
  pos: number;
  private out: Uint8Array;
  private readonly small: Int32Array;
  private readonly hashed: Int32Array;
  private readonly weights: Int32Array;
  private readonly sse: Uint16Array;
  /** Per key, the XOR that moves a bucket to the key's own bucket (0 for the first 32 keys). */
  private readonly keyHi: Int32Array;
  /** Per-symbol contexts, set by the caller before its decisions. */
  ctxSmall = 0;
  h1 = 0;
  h2 = 0;
  h3 = 0;
  h4 = 0;

  constructor(readonly decoding: boolean, buf: Uint8Array, start: number, readonly hashBits: number) {
    this.out = buf;
    this.pos = start;
    this.small = new Int32Array(KEYS * SMALL);
    this.hashed = new Int32Array(4 << hashBits);
    this.keyHi = new Int32Array(KEYS).map((_, k) => (k < BUCKET ? 0 : Math.imul(k >>> 5, 0x9e3779b1) >>> (32 - hashBits)) & ~(BUCKET - 1));
    this.weights = new Int32Array(KEYS * NIN).fill(13107);
    this.sse = sseInit().slice();
    if (decoding) for (let k = 0; k < 4; k++) this.code = ((this.code << 8) | this.byte()) >>> 0;
  }

  private byte(): number {
    // A valid stream is consumed exactly (see ctxDecode), so reading past its end is already
    // corrupt: fail now rather than after decoding up to the declared symbol count on zeros.
    if (this.pos >= this.out.length) throw new CodecError(CodecErrorCode.CorruptPayload, "ctx", `stream runs past the end of the ${this.out.length}-byte payload`);
    return this.out[this.pos++] as number;
  }

  /** Codes bit `b` (ignored when decoding) of decision kind `k`; returns the bit. */
  bit(k: number, b: number): number {
    const S = this.small;
    const H = this.hashed;
    const W = this.weights;
    const i0 = this.ctxSmall * KEYS + k;
    const kh = (this.keyHi[k] as number) | (k & (BUCKET - 1));
    const i1 = this.h1 ^ kh;
    const i2 = this.h2 ^ kh;
    const i3 = this.h3 ^ kh;
    const i4 = this.h4 ^ kh;
    const v0 = S[i0] as number;
    const v1 = H[i1] as number;
    const v2 = H[i2] as number;
    const v3 = H[i3] as number;
    const v4 = H[i4] as number;
    const s0 = STRETCH[(v0 >>> 12) ^ 2048] as number;
    const s1 = STRETCH[(v1 >>> 12) ^ 2048] as number;
    const s2 = STRETCH[(v2 >>> 12) ^ 2048] as number;
    const s3 = STRETCH[(v3 >>> 12) ^ 2048] as number;
    const s4 = STRETCH[(v4 >>> 12) ^ 2048] as number;
    const wi = k * NIN;
    const w0 = W[wi] as number;
    const w1 = W[wi + 1] as number;
    const w2 = W[wi + 2] as number;
    const w3 = W[wi + 3] as number;
    const w4 = W[wi + 4] as number;
    // Exact in a double; should a weight ever wrap around in its Int32Array, it does so identically on both sides.
    let d = ((s0 * w0 + s1 * w1 + s2 * w2 + s3 * w3 + s4 * w4) * (1 / 65536)) | 0;
    d = d > 2047 ? 2047 : d < -2047 ? -2047 : d;
    const pm = SQUASH[d + 2048] as number;
    // SSE: an adaptive curve over the mixed (stretched) probability, interpolated between 33 knots.
    const A = this.sse;
    const ai = (this.ctxSmall * SSE_KEYS + (k < SSE_KEYS ? k : SSE_KEYS - 1)) * 33 + ((d + 2048) >> 7);
    const aw = (d + 2048) & 127;
    let p = (pm * 16 + (((A[ai] as number) * (128 - aw) + (A[ai + 1] as number) * aw) >> 7)) >> 1;
    p = p < 32 ? 32 : p > 65504 ? 65504 : p;
    const r = this.range;
    const bound = (r >>> 16) * p + (((r & 0xffff) * p) >>> 16);
    if (this.decoding) {
      if (this.code < bound) {
        this.range = bound;
        b = 1;
      } else {
        this.code -= bound;
        this.range = r - bound;
        b = 0;
      }
      while (this.range < TOP) {
        this.range = (this.range * 256) >>> 0;
        this.code = ((this.code << 8) | this.byte()) >>> 0;
      }
    } else {
      if (b !== 0) this.range = bound;
      else {
        this.low += bound;
        this.range = r - bound;
      }
      while (this.range < TOP) {
        this.range = (this.range * 256) >>> 0;
        this.shiftLow();
      }
    }
    const aj = aw < 64 ? ai : ai + 1;
    const target = b !== 0 ? 65535 : 0;
    A[aj] = (A[aj] as number) + ((target - (A[aj] as number)) >> 6);
    const err = ((b << 12) - pm) * LR;
    W[wi] = w0 + ((s0 * err) >> 14);
    W[wi + 1] = w1 + ((s1 * err) >> 14);
    W[wi + 2] = w2 + ((s2 * err) >> 14);
    W[wi + 3] = w3 + ((s3 * err) >> 14);
    W[wi + 4] = w4 + ((s4 * err) >> 14);
    S[i0] = update(v0, target);
    H[i1] = update(v1, target);
    H[i2] = update(v2, target);
    H[i3] = update(v3, target);
    H[i4] = update(v4, target);
    return b;
  }

  private shiftLow(): void {
    const low = this.low;
    if (low < 0xff000000 || low >= TWO32) {
      const carry = low >= TWO32 ? 1 : 0;
      this.put(this.cache + carry);
      for (; this.cacheSize > 1; this.cacheSize--) this.put(0xff + carry);
      this.cacheSize = 0;
      this.cache = (low >>> 24) & 0xff;
    }
    this.cacheSize++;
    this.low = (low & 0xffffff) * 256;
  }

  private put(v: number): void {
    // The first byte LZMA writes is always 0 (low starts below 2^32): leave it out.
    if (this.skipFirst) {
      this.skipFirst = false;
      return;
    }
    if (this.pos >= this.out.length) {
      const next = new Uint8Array(this.out.length * 2 + 64);
      next.set(this.out);
      this.out = next;
    }
    this.out[this.pos++] = v & 0xff;
  }

  /** Encoder: flushes the pending bytes and returns the payload. */
  finish(): Uint8Array {
    for (let k = 0; k < 5; k++) this.shiftLow();
    return this.out.subarray(0, this.pos);
  }
}

/**
 * Moves a model slot's probability towards `target` (0 or 65535) at its count's rate. The product
 * stays below 2^31: the largest rate, at n = 0, only ever meets p = 32768.
 */
function update(v: number, target: number): number {
  const n = v & 255;
  const p = (v >>> 8) ^ 0x8000;
  return (((p + (((target - p) * (RATE[n] as number)) >> 16)) ^ 0x8000) << 8) | (n < LIMIT ? n + 1 : n);
}

/** log2 of each hashed table's size: enough slots for the symbol count, at most 2^20. */
export function hashBitsFor(count: number): number {
  return Math.min(20, Math.max(12, bitLength(Math.min(count, 1 << 24)) + 2));
}

function checkArgs(bits: number, layout: SymbolLayout, n: number): void {
  if (!Number.isInteger(bits) || bits < 1 || bits > 16) throw new CodecError(CodecErrorCode.BadInput, "ctx.bits", `must be an integer in 1..16, got ${bits}`);
  const { planes, height, width } = layout;
  if (![planes, height, width].every((v) => Number.isInteger(v) && v >= 0) || planes * height * width !== n) {
    throw new CodecError(CodecErrorCode.BadInput, "ctx.layout", `layout ${planes}×${height}×${width} does not hold ${n} symbols`);
  }
}

const sign3 = (v: number): number => (v > 0 ? 1 : v < 0 ? 2 : 0);

/**
 * Runs the model over all symbols in layout order: encodes `sym`, or when decoding fills it.
 * Returns false if a decoded value is out of range (a corrupt payload).
 */
function run(mc: MixCoder, sym: Uint16Array, bits: number, layout: SymbolLayout, z: number): boolean {
  const { planes, height, width } = layout;
  if (sym.length === 0) return true;
  const maxv = (1 << bits) - 1;
  const qs = bits > 4 ? bits - 4 : 0;
  const hs = 32 - mc.hashBits;
  const size = 1 << mc.hashBits;
  const bm = size - BUCKET;
  const tree = bits <= TREE_BITS;
  const dec = mc.decoding;
  // Three padded rows (two above, current): index 0 and width + 1 repeat the edge values.
  const stride = width + 2;
  const rows = new Int32Array(3 * stride);
  let i = 0;
  for (let c = 0; c < planes; c++) {
    let above2 = 0;
    let above = stride;
    let cur = 2 * stride;
    rows.fill(z);
    for (let y = 0; y < height; y++) {
      rows[above] = rows[above + 1] as number;
      rows[above + width + 1] = rows[above + width] as number;
      rows[cur] = rows[above + 1] as number;
      for (let x = 1; x <= width; x++, i++) {
        const L = rows[cur + x - 1] as number;
        const U = rows[above + x] as number;
        const UL = rows[above + x - 1] as number;
        const UR = rows[above + x + 1] as number;
        const LL = x > 1 ? (rows[cur + x - 2] as number) : L;
        const UU = rows[above2 + x] as number;
        const pat = (L === U ? 1 : 0) | (L === UL ? 2 : 0) | (U === UL ? 4 : 0) | (U === UR ? 8 : 0);
        const act = bitLength(Math.abs(U - UL) + Math.abs(UL - L) + Math.abs(UR - U));
        mc.ctxSmall = pat * ACT + (act < ACT ? act : ACT - 1);
        const lu = ((L >>> qs) << 4) | (U >>> qs);
        const sum = L + U;
        const shape = sign3(2 * UL - sum) * 27 + sign3(2 * UR - sum) * 9 + sign3(2 * LL - sum) * 3 + sign3(2 * UU - sum);
        mc.h1 = (Math.imul((lu << 8) | ((UL >>> qs) << 4) | (UR >>> qs), 0x9e3779b1) >>> hs) & bm;
        mc.h2 = ((Math.imul(Math.imul(c, 0x2545f491) ^ lu, 0x7feb352d) >>> hs) & bm) + size;
        mc.h3 = ((Math.imul(lu * 81 + shape, 0x846ca68b) >>> hs) & bm) + 2 * size;
        const URR = rows[x + 2 <= width ? above + x + 2 : above + width + 1] as number;
        mc.h4 = ((Math.imul(((UL >>> qs) << 12) | ((UR >>> qs) << 8) | ((URR >>> qs) << 4) | (UU >>> qs), 0x27d4eb2f) >>> hs) & bm) + 3 * size;
        let s = dec ? 0 : (sym[i] as number);
        if (mc.bit(K_EQL, s === L ? 1 : 0) !== 0) s = L;
        else if (U !== L && mc.bit(K_EQU, s === U ? 1 : 0) !== 0) s = U;
        else if (z !== L && z !== U && mc.bit(K_EQZ, s === z ? 1 : 0) !== 0) s = z;
        else if (tree) {
          const base = (sum + 1) >> 1;
          const t = (s - base) & maxv;
          let v = 1;
          for (let k = bits - 1; k >= 0; k--) v = (v << 1) | mc.bit(K_TREE + v, (t >>> k) & 1);
          s = (v + base) & maxv;
        } else {
          // Sign, then Elias gamma of m = |s − L| ≥ 1, capped at the room left on that side.
          const neg = L === 0 ? 0 : L === maxv ? 1 : mc.bit(K_SIGN, s < L ? 1 : 0);
          const limit = neg !== 0 ? L : maxv - L;
          const m = neg !== 0 ? L - s : s - L;
          const emax = bitLength(limit) - 1;
          const e0 = bitLength(m) - 1;
          let e = 0;
          while (e < emax && mc.bit(K_EXP + e * 2 + neg, e < e0 ? 1 : 0) !== 0) e++;
          let v = 1;
          for (let k = e - 1; k >= 0; k--) v = (v << 1) | mc.bit(K_MANT + e * 24 + (v < 8 ? v : 8 + k), (m >>> k) & 1);
          if (v > limit) return false;
          s = neg !== 0 ? L - v : L + v;
        }
        if (dec) sym[i] = s;
        rows[cur + x] = s;
      }
      const t = above2;
      above2 = above;
      above = cur;
      cur = t;
    }
  }
  return true;
}

/** Encodes symbols (each < 2^bits) laid out as `layout` into a self-contained `ctx` payload. */
export function ctxEncode(symbols: Uint16Array, bits: number, layout: SymbolLayout): Uint8Array {
  checkArgs(bits, layout, symbols.length);
  const lim = 1 << bits;
  const counts = new Uint32Array(lim);
  for (let i = 0; i < symbols.length; i++) {
    const s = symbols[i] as number;
    if (s >= lim) throw new CodecError(CodecErrorCode.BadInput, "ctx.symbols", `symbol ${i} is ${s}, over ${lim - 1}`);
    counts[s] = (counts[s] as number) + 1;
  }
  let z = 0;
  for (let s = 1; s < lim; s++) if ((counts[s] as number) > (counts[z] as number)) z = s;
  const buf = new Uint8Array(HEADER_BYTES + 64 + Math.ceil((symbols.length * bits) / 16));
  buf[0] = VERSION;
  buf[1] = z & 0xff;
  buf[2] = z >>> 8;
  const mc = new MixCoder(false, buf, HEADER_BYTES, hashBitsFor(symbols.length));
  run(mc, symbols, bits, layout, z);
  return mc.finish();
}

/** Decodes `out.length` symbols of width `bits` from a {@link ctxEncode} payload. */
export function ctxDecode(payload: Uint8Array, bits: number, layout: SymbolLayout, out: Uint16Array): void {
  checkArgs(bits, layout, out.length);
  const corrupt = (why: string): CodecError => new CodecError(CodecErrorCode.CorruptPayload, "ctx", why);
  if (payload.length < HEADER_BYTES + 4) throw new CodecError(CodecErrorCode.Truncated, "ctx", `payload of ${payload.length} bytes is shorter than the smallest stream (7)`);
  if (payload[0] !== VERSION) throw corrupt(`unknown version ${payload[0]}`);
  const z = (payload[1] as number) | ((payload[2] as number) << 8);
  if (z >>> bits !== 0) throw corrupt(`most common symbol ${z} does not fit ${bits} bits`);
  const mc = new MixCoder(true, payload, HEADER_BYTES, hashBitsFor(out.length));
  if (!run(mc, out, bits, layout, z)) throw corrupt("a decoded value is out of range");
  if (mc.pos !== payload.length) throw corrupt(mc.pos > payload.length ? `stream runs ${mc.pos - payload.length} bytes past the payload` : `${payload.length - mc.pos} bytes left after the last symbol`);
}

/** The `ctx` coder. */
export const ctxCoder: SymbolCoder = {
  name: "ctx",
  id: 3,
  encode: ctxEncode,
  decode: ctxDecode,
};
