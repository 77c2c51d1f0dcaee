/**
 * `huffman`: canonical Huffman coding, the paper's entropy coder, kept as the baseline.
 * Code lengths are limited to 24 bits (counts are halved until the tree fits). It cannot
 * spend less than 1 bit per symbol, which is why `ans` and `ctx` beat it at low bit widths.
 *
 * Payload: varint K used symbols; K × (varint gap to the previous used symbol, u8 code length);
 * then the MSB-first bit stream, zero-padded to a byte.
 */
import { BitReader, BitWriter } from "./bits.js";
import { ByteReader, ByteWriter } from "./bytes.js";
import type { SymbolCoder, SymbolLayout } from "./coder.js";
import { CodecError, CodecErrorCode } from "./errors.js";
import { histogram } from "./rans.js";

/** Longest code allowed. */
export const MAX_CODE_LENGTH = 24;

/** Huffman code lengths for `counts` (0 for unused symbols), each ≤ {@link MAX_CODE_LENGTH}. */
export function codeLengths(counts: Uint32Array): Uint8Array {
  const used = [...counts.keys()].filter((s) => (counts[s] as number) > 0);
  const lengths = new Uint8Array(counts.length);
  if (used.length === 0) return lengths;
  if (used.length === 1) {
    lengths[used[0] as number] = 1;
    return lengths;
  }
  let weights = used.map((s) => counts[s] as number);
  for (;;) {
    // Two-queue Huffman construction over symbols sorted by weight.
    const order = used.map((_, i) => i).sort((a, b) => (weights[a] as number) - (weights[b] as number));
    const m = used.length;
    const parent = new Int32Array(2 * m - 1).fill(-1);
    const weight = new Float64Array(2 * m - 1);
    order.forEach((i, k) => (weight[k] = weights[i] as number));
    let leaf = 0;
    let inner = m;
    let next = m;
    const take = (): number => (leaf < m && (inner >= next || (weight[leaf] as number) <= (weight[inner] as number)) ? leaf++ : inner++);
    while (next < 2 * m - 1) {
      const a = take();
      const b = take();
      weight[next] = (weight[a] as number) + (weight[b] as number);
      parent[a] = next;
      parent[b] = next;
      next++;
    }
    const depth = new Int32Array(2 * m - 1);
    for (let k = 2 * m - 3; k >= 0; k--) depth[k] = (depth[parent[k] as number] as number) + 1;
    let max = 0;
    for (let k = 0; k < m; k++) max = Math.max(max, depth[k] as number);
    if (max <= MAX_CODE_LENGTH) {
      order.forEach((i, k) => (lengths[used[i] as number] = depth[k] as number));
      return lengths;
    }
    weights = weights.map((w) => Math.ceil(w / 2));
  }
}

/** Canonical codes from lengths: shorter first, then by symbol. */
function canonical(lengths: Uint8Array): { codes: Uint32Array; firstCode: Int32Array; firstIndex: Int32Array; count: Int32Array; sorted: Uint16Array } {
  const count = new Int32Array(MAX_CODE_LENGTH + 2);
  for (const l of lengths) if (l > 0) count[l] = (count[l] as number) + 1;
  const firstCode = new Int32Array(MAX_CODE_LENGTH + 2);
  const firstIndex = new Int32Array(MAX_CODE_LENGTH + 2);
  let code = 0;
  let index = 0;
  for (let l = 1; l <= MAX_CODE_LENGTH; l++) {
    code = (code + (count[l - 1] as number)) << 1;
    if (l === 1) code = 0;
    firstCode[l] = code;
    firstIndex[l] = index;
    index += count[l] as number;
  }
  const sorted = new Uint16Array(index);
  const fill = Int32Array.from(firstIndex);
  const codes = new Uint32Array(lengths.length);
  for (let s = 0; s < lengths.length; s++) {
    const l = lengths[s] as number;
    if (l === 0) continue;
    const k = fill[l] as number;
    sorted[k] = s;
    codes[s] = (firstCode[l] as number) + (k - (firstIndex[l] as number));
    fill[l] = k + 1;
  }
  return { codes, firstCode, firstIndex, count, sorted };
}

/** Encodes symbols with a canonical Huffman code. */
export function huffmanEncode(symbols: Uint16Array, bits: number): Uint8Array {
  const lengths = codeLengths(histogram(symbols, bits));
  const { codes } = canonical(lengths);
  const header = new ByteWriter(64);
  let used = 0;
  for (const l of lengths) if (l > 0) used++;
  header.varint(used);
  for (let s = 0, prev = -1; s < lengths.length; s++) {
    if ((lengths[s] as number) === 0) continue;
    header.varint(s - prev - 1).u8(lengths[s] as number);
    prev = s;
  }
  const bw = new BitWriter(symbols.length / 2 + 16);
  for (let i = 0; i < symbols.length; i++) {
    const s = symbols[i] as number;
    bw.write(codes[s] as number, lengths[s] as number);
  }
  return new ByteWriter(header.length + symbols.length / 2 + 16).bytes(header.finish()).bytes(bw.finish()).finish();
}

/** Decodes `out.length` symbols from a {@link huffmanEncode} payload. */
export function huffmanDecode(payload: Uint8Array, bits: number, out: Uint16Array): void {
  const r = new ByteReader(payload, "huffman");
  const alphabet = 1 << bits;
  const used = r.varint("used symbols");
  if (used > alphabet || (used === 0 && out.length > 0)) throw new CodecError(CodecErrorCode.CorruptPayload, "huffman", `table lists ${used} symbols for a ${bits}-bit alphabet`);
  const lengths = new Uint8Array(alphabet);
  let kraft = 0;
  for (let k = 0, s = -1; k < used; k++) {
    s += r.varint("symbol gap") + 1;
    const l = r.u8("code length");
    if (s >= alphabet || l < 1 || l > MAX_CODE_LENGTH) throw new CodecError(CodecErrorCode.CorruptPayload, "huffman", `bad table entry ${k} (symbol ${s}, length ${l})`);
    lengths[s] = l;
    kraft += 2 ** -l;
  }
  if (kraft > 1) throw new CodecError(CodecErrorCode.CorruptPayload, "huffman", "code lengths violate the Kraft inequality");
  const { firstCode, firstIndex, count, sorted } = canonical(lengths);
  const br = new BitReader(payload, r.offset, "huffman");
  for (let i = 0; i < out.length; i++) {
    let code = 0;
    let l = 0;
    for (;;) {
      code = (code << 1) | br.bit();
      l++;
      const c = count[l] as number;
      if (c > 0 && code - (firstCode[l] as number) < c && code >= (firstCode[l] as number)) {
        out[i] = sorted[(firstIndex[l] as number) + code - (firstCode[l] as number)] as number;
        break;
      }
      if (l >= MAX_CODE_LENGTH) throw new CodecError(CodecErrorCode.CorruptPayload, "huffman", `no code matches at symbol ${i}`);
    }
  }
  if (br.remainingBytes !== 0) throw new CodecError(CodecErrorCode.CorruptPayload, "huffman", `${br.remainingBytes} bytes left after the last symbol`);
}

/** The `huffman` coder. */
export const huffmanCoder: SymbolCoder = {
  name: "huffman",
  id: 1,
  encode: (symbols: Uint16Array, bits: number, _layout: SymbolLayout) => huffmanEncode(symbols, bits),
  decode: (payload: Uint8Array, bits: number, _layout: SymbolLayout, out: Uint16Array) => huffmanDecode(payload, bits, out),
};
