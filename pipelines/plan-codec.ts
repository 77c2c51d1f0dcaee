/**
 * What a frame looks like on the wire under a plan, both ways: the edge turns the cut's tensors
 * (or the frame itself, for cloud-only plans) into a message body, the worker turns an image body
 * back into pixels (feature bodies are decoded on the inference thread, see RunStages). Content types: `features` (the versioned wire format of
 * `docs/wire-format.md`), `image/png`, `image/jpeg`, `image/raw` (a cloud-only
 * frame as RGB bytes; the frame metadata travels in the message headers).
 */
import { type EncodingSpec, type FeatureTensor, encodeFeatures, quantizerByName } from "../codec/features.js";
import { type FrameMeta, parseMessage, writeMessage } from "../codec/wire-format.js";
import type { CoderName } from "../codec/coder.js";
import type { PlanTransport } from "../planner/plan-id.js";
import { type RgbImage, encodeRgb, readRgbResized } from "../services/image.js";
import type { ModelManifest } from "./model-runtime.js";

/** Body content types. */
export type ContentType = "features" | "image/png" | "image/jpeg" | "image/raw";

/** Thrown when a body does not match its plan or content type. */
export class PlanCodecError extends Error {
  override readonly name = "PlanCodecError";
}

/** The codec EncodingSpec a features/float transport uses. */
export function encodingSpecOf(t: PlanTransport): EncodingSpec {
  if (t.kind === "features") return { quantizer: quantizerByName(t.quantizer, t.bits), coder: t.coder as CoderName | "raw" };
  if (t.kind === "float") return { quantizer: { kind: t.precision === "f32" ? "float32" : "float16" }, coder: t.deflate ? "deflate" : "raw" };
  throw new PlanCodecError(`transport ${t.kind} carries no tensors`);
}

/** Encodes a frame's data for the wire: tensors at a cut, or the frame itself at cut 0. */
export async function encodeBody(t: PlanTransport, meta: FrameMeta, data: { tensors?: readonly FeatureTensor[]; frame?: RgbImage }): Promise<{ body: Uint8Array; content: ContentType }> {
  if (t.kind === "image") {
    if (data.frame === undefined) throw new PlanCodecError("an image plan needs the frame");
    if (t.format === "raw") return { body: data.frame.data, content: "image/raw" };
    return { body: await encodeRgb(data.frame, t.format, t.quality), content: t.format === "png" ? "image/png" : "image/jpeg" };
  }
  if (data.tensors === undefined) throw new PlanCodecError("a features plan needs tensors");
  return { body: encodeFeatures(meta, data.tensors, encodingSpecOf(t)), content: "features" };
}

/** Decodes a cloud-only frame (`image/*` body) into RGB pixels at the model's input size. Throws PlanCodecError or ImageError. */
export async function decodeImageBody(content: string, body: Uint8Array, manifest: ModelManifest): Promise<Uint8Array> {
  const { width, height } = manifest.input;
  if (content === "image/raw") {
    if (body.length !== width * height * 3) throw new PlanCodecError(`raw frame has ${body.length} bytes, the model's ${width}×${height} RGB input needs ${width * height * 3}`);
    return body;
  }
  if (content === "image/png" || content === "image/jpeg") return (await readRgbResized(body, width, height)).data;
  throw new PlanCodecError(`unknown content type ${JSON.stringify(content.slice(0, 40))}`);
}

/** The same feature message under another seq (header rewritten, payloads untouched, CRC recomputed). */
export function resequence(body: Uint8Array, seq: number): Uint8Array {
  const m = parseMessage(body);
  return writeMessage({ ...m.meta, seq }, m.tensors, m.payloads, m.flags);
}
