/**
 * The entropy-coder contract: a pure encode/decode pair over quantized symbols.
 * Decoding is bit-exact on every platform (integer arithmetic only) and never trusts the payload:
 * anything inconsistent is a `CodecError` with code `CORRUPT_PAYLOAD`.
 */

/** Names of the entropy coders, as used on the CLI and in profiles. */
export const CODER_NAMES = ["huffman", "ans", "ctx", "deflate"] as const;
/** One of {@link CODER_NAMES}. */
export type CoderName = (typeof CODER_NAMES)[number];

/**
 * How the symbols of one tensor are laid out, for coders that model neighbours:
 * `planes` planes (e.g. N·C channels) of `height` rows of `width` symbols, row-major.
 * planes·height·width equals the symbol count.
 */
export interface SymbolLayout {
  readonly planes: number;
  readonly height: number;
  readonly width: number;
}

/** An entropy coder for symbols in [0, 2^bits). */
export interface SymbolCoder {
  readonly name: CoderName;
  /** Wire id (see docs/wire-format.md). */
  readonly id: number;
  /** Encodes `symbols` (each < 2^bits) into a self-contained payload. */
  encode(symbols: Uint16Array, bits: number, layout: SymbolLayout): Uint8Array;
  /**
   * Decodes exactly `out.length` symbols of width `bits` from `payload` into `out`. Throws
   * `CodecError` (`CORRUPT_PAYLOAD`) on any inconsistency; never reads out of bounds and always
   * terminates in time linear in `out.length` and the payload size.
   */
  decode(payload: Uint8Array, bits: number, layout: SymbolLayout, out: Uint16Array): void;
}

/** Layout of a tensor's symbols from its dims: the last two dims are height × width, the rest are planes. */
export function layoutOf(dims: readonly number[]): SymbolLayout {
  const n = dims.length;
  const width = n >= 1 ? (dims[n - 1] as number) : 1;
  const height = n >= 2 ? (dims[n - 2] as number) : 1;
  let planes = 1;
  for (let i = 0; i < n - 2; i++) planes *= dims[i] as number;
  return { planes, height, width };
}
