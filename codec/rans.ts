/**
 * `ans`: a static, two-way interleaved rANS coder (Duda's asymmetric numeral systems, in the
 * byte-oriented form of Giesen's rans_word): 32-bit states in [2^16, 2^32), 16-bit
 * renormalisation, frequencies normalised to 2^16. It gets within a few bytes of the order-0
 * entropy bound, including at 1–3 bits where Huffman cannot go below 1 bit per symbol.
 *
 * Payload: u8 group size g (see {@link groupSize}); varint count of used group symbols K;
 * K × (varint gap to the previous used symbol, varint frequency − 1); then the two final states
 * (u32 LE each); then the 16-bit words (LE).
 * All integer arithmetic: decoding is bit-exact everywhere.
 */
import type { SymbolCoder, SymbolLayout } from "./coder.js";
import { CodecError, CodecErrorCode } from "./errors.js";
import { ByteReader, ByteWriter } from "./bytes.js";

/** log2 of the frequency total. */
const SCALE_BITS = 16;
const M = 1 << SCALE_BITS;
const L = 1 << 16;
const TWO32 = 2 ** 32;

/** Symbol counts of `symbols` over an alphabet of 2^bits. */
export function histogram(symbols: Uint16Array, bits: number): Uint32Array {
  const counts = new Uint32Array(1 << bits);
  for (let i = 0; i < symbols.length; i++) {
    const s = symbols[i] as number;
    counts[s] = (counts[s] as number) + 1;
  }
  return counts;
}

/**
 * Normalises counts to frequencies summing to 2^16, each used symbol ≥ 1. Rounding error is
 * taken from (or given to) the most frequent symbols, where it costs the least.
 */
export function normalizeFrequencies(counts: Uint32Array, total: number): Uint32Array {
  const freq = new Uint32Array(counts.length);
  if (total === 0) return freq;
  let sum = 0;
  for (let s = 0; s < counts.length; s++) {
    const c = counts[s] as number;
    if (c === 0) continue;
    const f = Math.max(1, Math.round((c * M) / total));
    freq[s] = f;
    sum += f;
  }
  // Fix the sum: adjust symbols in decreasing order of frequency, never below 1.
  if (sum !== M) {
    const order = [...freq.keys()].filter((s) => (freq[s] as number) > 0).sort((a, b) => (freq[b] as number) - (freq[a] as number));
    let diff = M - sum;
    for (let pass = 0; diff !== 0; pass++) {
      for (const s of order) {
        if (diff === 0) break;
        const f = freq[s] as number;
        if (diff > 0) {
          const add = Math.max(1, Math.floor(diff / order.length));
          freq[s] = f + add;
          diff -= add;
        } else if (f > 1) {
          const take = Math.min(f - 1, Math.max(1, Math.floor(-diff / order.length)));
          freq[s] = f - take;
          diff += take;
        }
      }
      if (pass > 64 + M) throw new Error("normalizeFrequencies did not converge");
    }
  }
  return freq;
}

/**
 * Symbols coded per rANS step: small alphabets are packed so that one step codes g symbols
 * (1 bit: 4 per step; 2–4 bits: 2). That halves (or better) the work per symbol, coding groups
 * can only lower the cost below the per-symbol order-0 bound, and the group alphabet stays
 * ≤ 256 so the frequency table stays small.
 */
export function groupSize(bits: number): number {
  return bits === 1 ? 4 : bits <= 4 ? 2 : 1;
}

/** Packs symbols into groups of `g` (the last group zero-padded), counting group symbols into `counts`. */
function packGroups(symbols: Uint16Array, bits: number, g: number, counts: Uint32Array): Uint16Array {
  if (g === 1) {
    for (let i = 0; i < symbols.length; i++) {
      const s = symbols[i] as number;
      counts[s] = (counts[s] as number) + 1;
    }
    return symbols;
  }
  const n = symbols.length;
  const groups = new Uint16Array(Math.ceil(n / g));
  const full = Math.floor(n / g);
  if (g === 2) {
    for (let j = 0, i = 0; j < full; j++, i += 2) {
      const v = ((symbols[i] as number) << bits) | (symbols[i + 1] as number);
      groups[j] = v;
      counts[v] = (counts[v] as number) + 1;
    }
  } else {
    for (let j = 0, i = 0; j < full; j++) {
      let v = 0;
      for (let k = 0; k < g; k++, i++) v = (v << bits) | (symbols[i] as number);
      groups[j] = v;
      counts[v] = (counts[v] as number) + 1;
    }
  }
  if (full < groups.length) {
    let v = 0;
    for (let k = 0, i = full * g; k < g; k++, i++) v = (v << bits) | (i < n ? (symbols[i] as number) : 0);
    groups[full] = v;
    counts[v] = (counts[v] as number) + 1;
  }
  return groups;
}

/** The rANS encode loop over group symbols, two interleaved states; returns the words and states. */
function encodeStates(sym: Uint16Array, freq: Uint32Array, start: Uint32Array): { x0: number; x1: number; words: Uint16Array } {
  // Per symbol, interleaved for locality: [frequency, renormalisation bound, 1/frequency, start].
  const alphabet = freq.length;
  const tab = new Float64Array(alphabet * 4);
  for (let s = 0; s < alphabet; s++) {
    const f = freq[s] as number;
    tab[4 * s] = f;
    tab[4 * s + 1] = f * (TWO32 / M);
    tab[4 * s + 2] = f > 0 ? 1 / f : 0;
    tab[4 * s + 3] = start[s] as number;
  }
  const n = sym.length;
  const words = new Uint16Array(n + 2);
  let w = words.length;
  let x0 = L;
  let x1 = L;
  let i = n - 1;
  // x ← (x div f)·M + (x mod f) + start, the quotient from a reciprocal multiply (x < 2^32, so
  // `>>> 0` floors it), corrected when rounding put it one off.
  if ((n & 1) === 1) {
    const k = 4 * (sym[i] as number);
    const f = tab[k] as number;
    if (x0 >= (tab[k + 1] as number)) {
      words[--w] = x0 & 0xffff;
      x0 = x0 >>> 16;
    }
    let q = (x0 * (tab[k + 2] as number)) >>> 0;
    let r = x0 - q * f;
    if (r < 0) { q--; r += f; } else if (r >= f) { q++; r -= f; }
    x0 = q * M + r + (tab[k + 3] as number);
    i--;
  }
  for (; i > 0; i -= 2) {
    const k1 = 4 * (sym[i] as number);
    const f1 = tab[k1] as number;
    if (x1 >= (tab[k1 + 1] as number)) {
      words[--w] = x1 & 0xffff;
      x1 = x1 >>> 16;
    }
    let q1 = (x1 * (tab[k1 + 2] as number)) >>> 0;
    let r1 = x1 - q1 * f1;
    if (r1 < 0) { q1--; r1 += f1; } else if (r1 >= f1) { q1++; r1 -= f1; }
    x1 = q1 * M + r1 + (tab[k1 + 3] as number);
    const k0 = 4 * (sym[i - 1] as number);
    const f0 = tab[k0] as number;
    if (x0 >= (tab[k0 + 1] as number)) {
      words[--w] = x0 & 0xffff;
      x0 = x0 >>> 16;
    }
    let q0 = (x0 * (tab[k0 + 2] as number)) >>> 0;
    let r0 = x0 - q0 * f0;
    if (r0 < 0) { q0--; r0 += f0; } else if (r0 >= f0) { q0++; r0 -= f0; }
    x0 = q0 * M + r0 + (tab[k0 + 3] as number);
  }
  return { x0, x1, words: words.subarray(w) };
}

/** Encodes symbols (each < 2^bits) with static rANS. */
export function ransEncode(symbols: Uint16Array, bits: number): Uint8Array {
  const g = groupSize(bits);
  const gbits = bits * g;
  const counts = new Uint32Array(2 ** gbits);
  const sym = packGroups(symbols, bits, g, counts);
  const freq = normalizeFrequencies(counts, sym.length);
  const start = new Uint32Array(freq.length);
  let used = 0;
  for (let s = 0, acc = 0; s < freq.length; s++) {
    start[s] = acc;
    acc += freq[s] as number;
    if ((freq[s] as number) > 0) used++;
  }
  const header = new ByteWriter(16 + used * 4);
  header.u8(g);
  header.varint(used);
  for (let s = 0, prev = -1; s < freq.length; s++) {
    if ((freq[s] as number) === 0) continue;
    header.varint(s - prev - 1);
    header.varint((freq[s] as number) - 1);
    prev = s;
  }
  const { x0, x1, words } = encodeStates(sym, freq, start);
  const out = new ByteWriter(header.length + 8 + words.length * 2);
  out.bytes(header.finish());
  out.u32(x0);
  out.u32(x1);
  out.u16Array(words);
  return out.finish();
}

/** Decodes `out.length` symbols of width `bits` from an {@link ransEncode} payload. */
export function ransDecode(payload: Uint8Array, bits: number, out: Uint16Array): void {
  const r = new ByteReader(payload, "ans");
  const g = r.u8("group size");
  if (g !== groupSize(bits)) throw new CodecError(CodecErrorCode.CorruptPayload, "ans", `group size ${g} does not match ${bits}-bit symbols`);
  const gbits = g * bits;
  const alphabet = 2 ** gbits;
  const n = Math.ceil(out.length / g);
  const used = r.varint("used symbols");
  if (used > alphabet || (used === 0 && n > 0)) throw new CodecError(CodecErrorCode.CorruptPayload, "ans", `table lists ${used} symbols for a ${gbits}-bit alphabet`);
  const freq = new Uint32Array(alphabet);
  const start = new Uint32Array(alphabet);
  const slot2sym = new Uint16Array(used > 0 ? M : 0);
  let acc = 0;
  for (let k = 0, s = -1; k < used; k++) {
    s += r.varint("symbol gap") + 1;
    const f = r.varint("frequency") + 1;
    if (s >= alphabet || f > M - acc) throw new CodecError(CodecErrorCode.CorruptPayload, "ans", `bad frequency table entry ${k} (symbol ${s}, frequency ${f}, total so far ${acc})`);
    freq[s] = f;
    start[s] = acc;
    slot2sym.fill(s, acc, acc + f);
    acc += f;
  }
  if (used > 0 && acc !== M) throw new CodecError(CodecErrorCode.CorruptPayload, "ans", `frequencies sum to ${acc}, not ${M}`);
  let x0 = r.u32("state 0");
  let x1 = r.u32("state 1");
  if (x0 < L || x1 < L) throw new CodecError(CodecErrorCode.CorruptPayload, "ans", "initial state below the renormalisation bound");
  // Groups of 2 (2–4 bits, the common case) are split straight into `out`; others go through `sym`.
  const pair = g === 2;
  const pbits = bits;
  const pmask = (1 << bits) - 1;
  const sym = g === 1 || pair ? out : new Uint16Array(n);
  const buf = payload;
  let p = r.offset;
  const end = payload.length;
  const mask = M - 1;
  const early = (i: number): CodecError => new CodecError(CodecErrorCode.CorruptPayload, "ans", `stream ends early at group ${i} of ${n}`);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const slot0 = x0 & mask;
    const s0 = slot2sym[slot0] as number;
    x0 = (freq[s0] as number) * (x0 >>> SCALE_BITS) + slot0 - (start[s0] as number);
    if (pair) {
      sym[2 * i] = s0 >>> pbits;
      sym[2 * i + 1] = s0 & pmask;
    } else sym[i] = s0;
    if (x0 < L) {
      if (p + 2 > end) throw early(i);
      x0 = x0 * 65536 + ((buf[p] as number) | ((buf[p + 1] as number) << 8));
      p += 2;
    }
    const slot1 = x1 & mask;
    const s1 = slot2sym[slot1] as number;
    x1 = (freq[s1] as number) * (x1 >>> SCALE_BITS) + slot1 - (start[s1] as number);
    if (pair) {
      sym[2 * i + 2] = s1 >>> pbits;
      sym[2 * i + 3] = s1 & pmask;
    } else sym[i + 1] = s1;
    if (x1 < L) {
      if (p + 2 > end) throw early(i + 1);
      x1 = x1 * 65536 + ((buf[p] as number) | ((buf[p + 1] as number) << 8));
      p += 2;
    }
  }
  if (i < n) {
    const slot0 = x0 & mask;
    const s0 = slot2sym[slot0] as number;
    x0 = (freq[s0] as number) * (x0 >>> SCALE_BITS) + slot0 - (start[s0] as number);
    if (pair) {
      sym[2 * i] = s0 >>> pbits; // a typed-array write past the end (odd symbol count) is a no-op
      sym[2 * i + 1] = s0 & pmask;
    } else sym[i] = s0;
    if (x0 < L) {
      if (p + 2 > end) throw early(i);
      x0 = x0 * 65536 + ((buf[p] as number) | ((buf[p + 1] as number) << 8));
      p += 2;
    }
  }
  if (p !== end || x0 !== L || x1 !== L) throw new CodecError(CodecErrorCode.CorruptPayload, "ans", `stream does not end cleanly (${end - p} bytes left, states ${x0}/${x1})`);
  if (g > 2) unpackGroups(sym, bits, g, out);
}

/** Unpacks groups of `g` > 2 symbols into `out` (dropping the padding of the last group); pairs are split in the decode loop. */
function unpackGroups(groups: Uint16Array, bits: number, g: number, out: Uint16Array): void {
  const mask = (1 << bits) - 1;
  const n = out.length;
  const full = Math.floor(n / g);
  for (let j = 0, i = 0; j < full; j++, i += g) {
    const v = groups[j] as number;
    for (let k = 0; k < g; k++) out[i + k] = (v >>> (bits * (g - 1 - k))) & mask;
  }
  if (full * g < n) {
    const v = groups[full] as number;
    for (let k = 0, i = full * g; i < n; k++, i++) out[i] = (v >>> (bits * (g - 1 - k))) & mask;
  }
}

/** The `ans` coder. */
export const ansCoder: SymbolCoder = {
  name: "ans",
  id: 2,
  encode: (symbols: Uint16Array, bits: number, _layout: SymbolLayout) => ransEncode(symbols, bits),
  decode: (payload: Uint8Array, bits: number, _layout: SymbolLayout, out: Uint16Array) => ransDecode(payload, bits, out),
};
