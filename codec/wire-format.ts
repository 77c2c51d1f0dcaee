/**
 * The feature message: a versioned, self-describing binary container for the tensors crossing a
 * cut, checked by CRC-32C. Documented byte by byte in docs/wire-format.md; this file is the
 * reference implementation. Decoding never trusts a length or count: each is checked against the
 * buffer and against {@link DecodeLimits}, and every malformed input becomes a CodecError naming
 * the field.
 */
import { ByteReader, ByteWriter } from "./bytes.js";
import { layoutOf } from "./coder.js";
import { crc32c } from "./crc32c.js";
import { CodecError, CodecErrorCode } from "./errors.js";
import { type AffineParams, groupGeometry } from "./quantize.js";

/** The four magic bytes, "JLDF". */
export const MAGIC = Uint8Array.from([0x4a, 0x4c, 0x44, 0x46]);
/** The format version this code writes and reads. */
export const FORMAT_VERSION = 1;

/** Quantizer wire ids. */
export const QuantizerId = { float32: 0, float16: 1, minmax: 2, zeroPoint: 3 } as const;
/** Coder wire ids (0 = raw; the entropy coders carry their own `id`). */
export const CoderId = { raw: 0, huffman: 1, ans: 2, ctx: 3, deflate: 4 } as const;

/** Per-frame metadata carried in the header. */
export interface FrameMeta {
  /** Camera id, `[A-Za-z0-9_-]{1,64}`. */
  readonly camera: string;
  /** Frame sequence number (integer, < 2^53). */
  readonly seq: number;
  /** Capture time, epoch milliseconds. */
  readonly capturedAt: number;
  /** Hex sha256 of the full model (64 hex digits). */
  readonly modelSha256: string;
  /** Cut id the tensors come from. */
  readonly cutId: number;
  /** Plan id (≤ 64 UTF-8 bytes). */
  readonly planId: string;
}

/** How a tensor's values are represented. */
export type TensorQuantizer = { readonly kind: "float32" } | { readonly kind: "float16" } | AffineParams;

/** One tensor's header entry. */
export interface TensorHeader {
  readonly name: string;
  readonly dims: readonly number[];
  /** ONNX data type of the original tensor (1 = float32). */
  readonly dataType: number;
  readonly quantizer: TensorQuantizer;
  /** Coder wire id (see {@link CoderId}). */
  readonly coderId: number;
  readonly payloadLength: number;
}

/** A parsed message: header fields, tensor headers and views of their payloads. */
export interface ParsedMessage {
  readonly version: number;
  readonly flags: number;
  readonly meta: FrameMeta;
  readonly tensors: readonly TensorHeader[];
  readonly payloads: readonly Uint8Array[];
  readonly crc: number;
}

/** Limits a decoder enforces before allocating anything. */
export interface DecodeLimits {
  /** Most tensors in one message. Default 16. */
  readonly maxTensors?: number;
  /** Most dims per tensor. Default 8. */
  readonly maxDims?: number;
  /** Most elements in one tensor. Default 2^26 (64 Mi). */
  readonly maxElements?: number;
  /** Most elements over all tensors. Default 2^27. */
  readonly maxTotalElements?: number;
  /** Longest tensor name in bytes. Default 1024. */
  readonly maxNameBytes?: number;
}

const DEFAULT_LIMITS: Required<DecodeLimits> = { maxTensors: 16, maxDims: 8, maxElements: 2 ** 26, maxTotalElements: 2 ** 27, maxNameBytes: 1024 };
const CAMERA_RE = /^[A-Za-z0-9_-]{1,64}$/;

function bad(field: string, message: string): CodecError {
  return new CodecError(CodecErrorCode.BadField, field, message);
}

/** Checks frame metadata before it is written (the same rules the decoder enforces). */
export function validateMeta(meta: FrameMeta): void {
  if (!CAMERA_RE.test(meta.camera)) throw bad("meta.camera", `"${meta.camera}" is not a camera id ([A-Za-z0-9_-]{1,64})`);
  if (!Number.isSafeInteger(meta.seq) || meta.seq < 0) throw bad("meta.seq", `${meta.seq} is not a non-negative integer`);
  if (!Number.isFinite(meta.capturedAt)) throw bad("meta.capturedAt", `${meta.capturedAt} is not a finite time`);
  if (!/^[0-9a-f]{64}$/.test(meta.modelSha256)) throw bad("meta.modelSha256", "is not 64 lowercase hex digits");
  if (!Number.isInteger(meta.cutId) || meta.cutId < 0 || meta.cutId > 0xffff) throw bad("meta.cutId", `${meta.cutId} is not in 0..65535`);
  if (new TextEncoder().encode(meta.planId).length > 64) throw bad("meta.planId", "is longer than 64 bytes");
}

/** Writes a message from tensor headers and their payloads (payloadLength is taken from the payloads). */
export function writeMessage(meta: FrameMeta, tensors: ReadonlyArray<Omit<TensorHeader, "payloadLength">>, payloads: readonly Uint8Array[], flags = 0): Uint8Array {
  validateMeta(meta);
  if (tensors.length !== payloads.length) throw new CodecError(CodecErrorCode.BadInput, "tensors", `${tensors.length} headers but ${payloads.length} payloads`);
  if (tensors.length > 255) throw new CodecError(CodecErrorCode.BadInput, "tensors", "more than 255 tensors");
  const total = payloads.reduce((s, p) => s + p.length, 0);
  const w = new ByteWriter(256 + tensors.length * 64 + total);
  w.bytes(MAGIC).u8(FORMAT_VERSION).u8(flags).u16(meta.cutId).string(meta.planId).string(meta.camera);
  w.u32(meta.seq % 2 ** 32).u32(Math.floor(meta.seq / 2 ** 32)).f64(meta.capturedAt);
  for (let i = 0; i < 32; i++) w.u8(parseInt(meta.modelSha256.slice(2 * i, 2 * i + 2), 16));
  w.u8(tensors.length);
  tensors.forEach((t, k) => {
    w.string(t.name, 2).u8(t.dims.length);
    for (const d of t.dims) w.u32(d);
    w.u8(t.dataType);
    const q = t.quantizer;
    if (q.kind === "float32") w.u8(QuantizerId.float32);
    else if (q.kind === "float16") w.u8(QuantizerId.float16);
    else {
      w.u8(q.kind === "minmax" ? QuantizerId.minmax : QuantizerId.zeroPoint).u8(q.bits).u8(q.granularity === "channel" ? 1 : 0).u8(q.axis).u8(q.clipped ? 1 : 0).u32(q.a.length);
      for (let g = 0; g < q.a.length; g++) w.f32(q.a[g] as number).f32(q.b[g] as number);
    }
    w.u8(t.coderId).u32((payloads[k] as Uint8Array).length);
  });
  for (const p of payloads) w.bytes(p);
  w.u32(crc32c(w.finish()));
  return w.finish();
}

function readQuantizer(r: ByteReader, f: string, dims: readonly number[]): TensorQuantizer {
  const id = r.u8(`${f}.quantizer`);
  if (id === QuantizerId.float32) return { kind: "float32" };
  if (id === QuantizerId.float16) return { kind: "float16" };
  if (id !== QuantizerId.minmax && id !== QuantizerId.zeroPoint) throw bad(`message.${f}.quantizer`, `unknown quantizer id ${id}`);
  const bits = r.u8(`${f}.bits`);
  if (bits < 1 || bits > 16) throw bad(`message.${f}.bits`, `${bits} is not in 1..16`);
  const gran = r.u8(`${f}.granularity`);
  if (gran > 1) throw bad(`message.${f}.granularity`, `unknown granularity ${gran}`);
  const axis = r.u8(`${f}.axis`);
  const qflags = r.u8(`${f}.quantizerFlags`);
  if (qflags > 1) throw bad(`message.${f}.quantizerFlags`, `unknown flag bits ${qflags}`);
  const groups = r.u32(`${f}.groups`);
  const granularity = gran === 1 ? "channel" : "tensor";
  if (granularity === "channel" && axis >= dims.length) throw bad(`message.${f}.axis`, `channel axis ${axis} outside rank ${dims.length}`);
  const expected = groupGeometry(dims, granularity, axis).groups;
  if (groups !== expected) throw bad(`message.${f}.groups`, `${groups} ranges for ${expected} groups`);
  r.bytes(groups * 8, `${f}.ranges`); // bounds check before allocating
  r.offset -= groups * 8;
  const a = new Float32Array(groups);
  const b = new Float32Array(groups);
  const L = 2 ** bits - 1;
  for (let g = 0; g < groups; g++) {
    a[g] = r.f32(`${f}.ranges[${g}].a`);
    b[g] = r.f32(`${f}.ranges[${g}].b`);
    const ok = id === QuantizerId.minmax ? Number.isFinite(a[g]) && Number.isFinite(b[g]) && (a[g] as number) <= (b[g] as number)
      : Number.isFinite(a[g]) && (a[g] as number) > 0 && Number.isInteger(b[g]) && (b[g] as number) >= 0 && (b[g] as number) <= L;
    if (!ok) throw bad(`message.${f}.ranges[${g}]`, `invalid ${id === QuantizerId.minmax ? "range" : "scale/zero point"} (${a[g]}, ${b[g]})`);
  }
  return { kind: id === QuantizerId.minmax ? "minmax" : "zero-point", bits, granularity, axis, a, b, clipped: qflags === 1 };
}

/**
 * Parses and checks a message: magic, version, CRC, every header field and length against
 * the buffer and the limits. Payloads are returned as views, not decoded.
 */
export function parseMessage(buf: Uint8Array, limits: DecodeLimits = {}): ParsedMessage {
  const lim = { ...DEFAULT_LIMITS, ...limits };
  if (buf.length < 4 || MAGIC.some((m, i) => buf[i] !== m)) throw new CodecError(CodecErrorCode.BadMagic, "message.magic", "not a jalad feature message (expected \"JLDF\")");
  const r = new ByteReader(buf, "message");
  r.offset = 4;
  const version = r.u8("version");
  if (version !== FORMAT_VERSION) throw new CodecError(CodecErrorCode.UnsupportedVersion, "message.version", `version ${version}; this decoder reads version ${FORMAT_VERSION}`);
  if (buf.length < 10) throw new CodecError(CodecErrorCode.Truncated, "message", `${buf.length} bytes is shorter than any message`);
  const crc = new DataView(buf.buffer, buf.byteOffset + buf.length - 4, 4).getUint32(0, true);
  const actual = crc32c(buf.subarray(0, buf.length - 4));
  if (crc !== actual) throw new CodecError(CodecErrorCode.BadChecksum, "message.crc32c", `stored ${crc.toString(16).padStart(8, "0")}, computed ${actual.toString(16).padStart(8, "0")} (corrupt or truncated)`);
  const body = new ByteReader(buf.subarray(0, buf.length - 4), "message");
  body.offset = 5;
  const flags = body.u8("flags");
  if (flags !== 0) throw bad("message.flags", `unknown flag bits ${flags}`);
  const cutId = body.u16("cutId");
  const planId = body.string("planId");
  const camera = body.string("camera");
  if (!CAMERA_RE.test(camera)) throw bad("message.camera", `"${camera}" is not a camera id`);
  const seqLo = body.u32("seq.lo");
  const seqHi = body.u32("seq.hi");
  if (seqHi >= 2 ** 21) throw bad("message.seq", "exceeds 2^53");
  const capturedAt = body.f64("capturedAt");
  if (!Number.isFinite(capturedAt)) throw bad("message.capturedAt", "is not finite");
  const sha = body.bytes(32, "modelSha256");
  const modelSha256 = Array.from(sha, (b) => b.toString(16).padStart(2, "0")).join("");
  const count = body.u8("tensorCount");
  if (count === 0 || count > lim.maxTensors) throw new CodecError(CodecErrorCode.LimitExceeded, "message.tensorCount", `${count} tensors (allowed 1..${lim.maxTensors})`);
  const tensors: TensorHeader[] = [];
  let totalElements = 0;
  let totalPayload = 0;
  for (let k = 0; k < count; k++) {
    const f = `tensor[${k}]`;
    const nameLen = body.u16(`${f}.name.length`);
    if (nameLen > lim.maxNameBytes) throw new CodecError(CodecErrorCode.LimitExceeded, `message.${f}.name`, `${nameLen} bytes (allowed ${lim.maxNameBytes})`);
    body.offset -= 2;
    const name = body.string(`${f}.name`, 2);
    const ndims = body.u8(`${f}.ndims`);
    if (ndims > lim.maxDims) throw new CodecError(CodecErrorCode.LimitExceeded, `message.${f}.ndims`, `${ndims} dims (allowed ${lim.maxDims})`);
    const dims: number[] = [];
    let elements = 1;
    for (let d = 0; d < ndims; d++) {
      const v = body.u32(`${f}.dims[${d}]`);
      if (v === 0) throw bad(`message.${f}.dims[${d}]`, "is 0");
      elements *= v;
      if (elements > lim.maxElements) throw new CodecError(CodecErrorCode.LimitExceeded, `message.${f}.dims`, `more than ${lim.maxElements} elements`);
      dims.push(v);
    }
    totalElements += elements;
    if (totalElements > lim.maxTotalElements) throw new CodecError(CodecErrorCode.LimitExceeded, "message.tensors", `more than ${lim.maxTotalElements} elements in all`);
    const dataType = body.u8(`${f}.dataType`);
    const quantizer = readQuantizer(body, f, dims);
    const coderId = body.u8(`${f}.coder`);
    if (coderId > 4) throw bad(`message.${f}.coder`, `unknown coder id ${coderId}`);
    if (quantizer.kind.startsWith("float") && coderId !== CoderId.raw && coderId !== CoderId.deflate) throw bad(`message.${f}.coder`, `coder ${coderId} cannot carry ${quantizer.kind} values`);
    const payloadLength = body.u32(`${f}.payloadLength`);
    totalPayload += payloadLength;
    tensors.push({ name, dims, dataType, quantizer, coderId, payloadLength });
  }
  if (body.offset + totalPayload !== buf.length - 4) {
    throw new CodecError(CodecErrorCode.BadField, "message.payloadLength", `payloads declare ${totalPayload} bytes but ${buf.length - 4 - body.offset} follow the header`);
  }
  const payloads = tensors.map((t, k) => body.bytes(t.payloadLength, `payload[${k}]`));
  return { version, flags, meta: { camera, seq: seqHi * 2 ** 32 + seqLo, capturedAt, modelSha256, cutId, planId }, tensors, payloads, crc };
}

/** The symbol layout coders use for a tensor. */
export function tensorLayout(t: TensorHeader): ReturnType<typeof layoutOf> {
  return layoutOf(t.dims);
}
