/**
 * Encoding and decoding float32 feature tensors to and from feature messages: quantize, entropy
 * code, frame. The one entry point the pipeline uses.
 */
import { CODER_NAMES, type CoderName, layoutOf } from "./coder.js";
import { RAW_CODER_ID, coderById, coderByName } from "./coders.js";
import { deflateBytes, inflateBytes } from "./deflate.js";
import { CodecError, CodecErrorCode } from "./errors.js";
import { floatsToHalf, halfToFloats } from "./float16.js";
import { type Granularity, dequantize, quantize } from "./quantize.js";
import { type DecodeLimits, type FrameMeta, type ParsedMessage, type TensorHeader, CoderId, parseMessage, writeMessage } from "./wire-format.js";

/** How to represent a tensor's values. */
export type QuantizerSpec =
  | { readonly kind: "float32" }
  | { readonly kind: "float16" }
  | {
      readonly kind: "minmax" | "zero-point";
      /** Bits per value, 1..16. */
      readonly bits: number;
      /** Default "tensor". */
      readonly granularity?: Granularity;
      /** Channel axis. Default 1. */
      readonly axis?: number;
      /** Calibrated clipping range per group; values outside are clamped. */
      readonly range?: { readonly lo: ArrayLike<number>; readonly hi: ArrayLike<number> };
    };

/** A quantizer and an entropy coder ("raw" stores values or symbols uncoded). */
export interface EncodingSpec {
  readonly quantizer: QuantizerSpec;
  readonly coder: CoderName | "raw";
}

/** A float32 tensor to send. */
export interface FeatureTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** A decoded message: metadata, and each tensor with its header. */
export interface DecodedFeatures {
  readonly meta: FrameMeta;
  readonly tensors: ReadonlyArray<FeatureTensor & { readonly header: TensorHeader }>;
}

function symbolsToBytes(q: Uint16Array, bits: number): Uint8Array {
  if (bits <= 8) return Uint8Array.from(q);
  return new Uint8Array(q.buffer, q.byteOffset, q.byteLength).slice();
}

/** Encodes tensors into one feature message with the given encoding (one spec, or one per tensor). */
export function encodeFeatures(meta: FrameMeta, tensors: readonly FeatureTensor[], spec: EncodingSpec | readonly EncodingSpec[]): Uint8Array {
  const headers: Omit<TensorHeader, "payloadLength">[] = [];
  const payloads: Uint8Array[] = [];
  tensors.forEach((t, k) => {
    const s = Array.isArray(spec) ? (spec as readonly EncodingSpec[])[k] : (spec as EncodingSpec);
    if (s === undefined) throw new CodecError(CodecErrorCode.BadInput, `tensor[${k}]`, "no encoding spec");
    const count = t.dims.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new CodecError(CodecErrorCode.BadInput, `tensor[${k}].dims`, `[${t.dims.join(",")}] hold ${count} elements, data has ${t.data.length}`);
    const q = s.quantizer;
    if (q.kind === "float32" || q.kind === "float16") {
      if (s.coder !== "raw" && s.coder !== "deflate") throw new CodecError(CodecErrorCode.BadInput, `tensor[${k}].coder`, `${q.kind} passthrough is stored raw or deflated, not with ${s.coder}`);
      const bytes = q.kind === "float32" ? new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) : (() => { const h = floatsToHalf(t.data); return new Uint8Array(h.buffer, h.byteOffset, h.byteLength); })();
      payloads.push(s.coder === "deflate" ? deflateBytes(bytes) : bytes.slice());
      headers.push({ name: t.name, dims: t.dims, dataType: 1, quantizer: q, coderId: s.coder === "deflate" ? CoderId.deflate : CoderId.raw });
      return;
    }
    const symbols = new Uint16Array(t.data.length);
    const params = quantize(t.data, t.dims, { bits: q.bits, granularity: q.granularity ?? "tensor", axis: q.axis ?? 1, zeroExact: q.kind === "zero-point", ...(q.range ? { range: q.range } : {}) }, symbols);
    if (s.coder === "raw") payloads.push(symbolsToBytes(symbols, q.bits));
    else payloads.push(coderByName(s.coder).encode(symbols, q.bits, layoutOf(t.dims)));
    headers.push({ name: t.name, dims: t.dims, dataType: 1, quantizer: params, coderId: s.coder === "raw" ? RAW_CODER_ID : coderByName(s.coder).id });
  });
  return writeMessage(meta, headers, payloads);
}

function decodeTensor(h: TensorHeader, payload: Uint8Array, k: number): Float32Array {
  const count = h.dims.reduce((a, b) => a * b, 1);
  const where = `payload[${k}]`;
  const q = h.quantizer;
  if (q.kind === "float32" || q.kind === "float16") {
    const width = q.kind === "float32" ? 4 : 2;
    const bytes = h.coderId === CoderId.deflate ? inflateBytes(payload, count * width, where) : payload;
    if (bytes.length !== count * width) throw new CodecError(CodecErrorCode.CorruptPayload, where, `${bytes.length} bytes for ${count} ${q.kind} values`);
    const aligned = bytes.slice();
    return q.kind === "float32" ? new Float32Array(aligned.buffer, 0, count) : halfToFloats(new Uint16Array(aligned.buffer, 0, count));
  }
  const symbols = new Uint16Array(count);
  if (h.coderId === RAW_CODER_ID) {
    const width = q.bits <= 8 ? 1 : 2;
    if (payload.length !== count * width) throw new CodecError(CodecErrorCode.CorruptPayload, where, `${payload.length} bytes for ${count} raw ${q.bits}-bit symbols`);
    const max = 2 ** q.bits - 1;
    for (let i = 0; i < count; i++) {
      const s = width === 1 ? (payload[i] as number) : (payload[2 * i] as number) | ((payload[2 * i + 1] as number) << 8);
      if (s > max) throw new CodecError(CodecErrorCode.CorruptPayload, where, `symbol ${s} at ${i} exceeds ${q.bits} bits`);
      symbols[i] = s;
    }
  } else {
    const coder = coderById(h.coderId);
    if (coder === undefined) throw new CodecError(CodecErrorCode.BadField, `message.tensor[${k}].coder`, `unknown coder id ${h.coderId}`);
    try {
      coder.decode(payload, q.bits, layoutOf(h.dims), symbols);
    } catch (e) {
      if (e instanceof CodecError) throw new CodecError(e.code, where, e.message, { cause: e });
      throw new CodecError(CodecErrorCode.CorruptPayload, where, `${coder.name} decoder failed: ${(e as Error).message}`, { cause: e });
    }
  }
  return dequantize(symbols, q, h.dims, new Float32Array(count));
}

/** Fully decodes a message: header checks, CRC, every payload. Throws only CodecError. */
export function decodeFeatures(buf: Uint8Array, limits: DecodeLimits = {}): DecodedFeatures {
  const parsed: ParsedMessage = parseMessage(buf, limits);
  const tensors = parsed.tensors.map((h, k) => ({ name: h.name, dims: h.dims, data: decodeTensor(h, parsed.payloads[k] as Uint8Array, k), header: h }));
  return { meta: parsed.meta, tensors };
}

/**
 * Parses a quantizer name as used on the CLI: `f32`, `f16`, `minmax` (per tensor), `channel`
 * (per-channel min-max), `zero` (zero-preserving, per tensor), `channel-zero`.
 * Clipped variants get their range from calibration and are built in code, not by name.
 */
export function quantizerByName(name: string, bits: number): QuantizerSpec {
  switch (name) {
    case "f32": return { kind: "float32" };
    case "f16": return { kind: "float16" };
    case "minmax": return { kind: "minmax", bits };
    case "channel": return { kind: "minmax", bits, granularity: "channel" };
    case "zero": return { kind: "zero-point", bits };
    case "channel-zero": return { kind: "zero-point", bits, granularity: "channel" };
    default: throw new CodecError(CodecErrorCode.BadInput, "quantizer", `unknown quantizer "${name}"; expected f32, f16, minmax, channel, zero or channel-zero`);
  }
}

/** Names accepted by {@link quantizerByName}. */
export const QUANTIZER_NAMES = ["minmax", "channel", "zero", "channel-zero", "f16", "f32"] as const;

export { CODER_NAMES };
