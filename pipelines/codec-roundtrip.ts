/**
 * The codec round trip on one real image: full model, front segment, encode, decode, back
 * segment; what it costs in bytes and time, and what it changes in the output.
 */
import { performance } from "node:perf_hooks";
import type ort from "onnxruntime-node";
import { CodecError, CodecErrorCode } from "../codec/errors.js";
import { type EncodingSpec, type FeatureTensor, decodeFeatures, encodeFeatures } from "../codec/features.js";
import { ModelError, ModelErrorCode } from "../model/errors.js";
import { extractSegments } from "../model/extract.js";
import { IMAGENET_NORMALIZE, rgbToTensor } from "../model/preprocess.js";
import { readRgbResized } from "../services/image.js";
import { floatTensor, openSession } from "../services/onnxruntime/session.js";
import { probabilityFlips } from "../tasks/text-detection.js";
import { type ModelAnalysis, analyzeModel } from "./analyze-model.js";
import { median } from "./timing.js";

/** Options for {@link codecRoundtrip}. */
export interface RoundtripOptions {
  /** Model path (catalog names resolved by the caller). */
  readonly model: string;
  readonly cutId: number;
  readonly encoding: EncodingSpec;
  /** Image file (PNG, JPEG, ...). */
  readonly image: string;
  readonly inputShape?: string;
  readonly maxCrossing?: number;
  /** Encode/decode repetitions; the median time is reported. Default 5. */
  readonly repeats?: number;
}

/** What a round trip measured. */
export interface RoundtripResult {
  readonly bytes: number;
  readonly bitsPerElement: number;
  readonly elements: number;
  /** Float32 bytes of the crossing tensors, for ratios. */
  readonly float32Bytes: number;
  readonly encodeMs: number;
  readonly decodeMs: number;
  /** Largest |feature − decoded feature| over the crossing tensors. */
  readonly featureMaxAbsError: number;
  /** Largest |output − unsplit output| over the model outputs. */
  readonly outputMaxAbsError: number;
  /** Text detection only: probability-map pixels flipped at 0.3, over all pixels / over text pixels. */
  readonly flipFraction: number | null;
  readonly textFlipFraction: number | null;
  /** The encoded message. */
  readonly message: Uint8Array;
  readonly analysis: ModelAnalysis;
}

/** Runs the round trip. Throws ModelError/CodecError/ImageError on bad input. */
export async function codecRoundtrip(o: RoundtripOptions): Promise<RoundtripResult> {
  const analysis = await analyzeModel(o.model, { ...(o.inputShape !== undefined ? { inputShape: o.inputShape } : {}), ...(o.maxCrossing !== undefined ? { maxCrossing: o.maxCrossing } : {}) });
  const entry = analysis.entry;
  const cut = analysis.analysis.cuts[o.cutId];
  if (cut === undefined) throw new ModelError(ModelErrorCode.UnknownCut, `unknown cut id ${o.cutId}: this model has cuts 0..${analysis.analysis.cuts.length - 1}`);
  const [inputName, dims] = [...analysis.inputShapes][0] ?? [];
  if (inputName === undefined || dims === undefined || dims.length !== 4 || dims[1] !== 3) throw new ModelError(ModelErrorCode.BadInputShape, "codec roundtrip needs a model whose first input is an NCHW image with 3 channels");
  const [, , h, w] = dims as [number, number, number, number];
  const img = await readRgbResized(o.image, w, h);
  const x = floatTensor(rgbToTensor(img.data, w, h, entry?.normalize ?? IMAGENET_NORMALIZE), [1, 3, h, w]);
  const seg = extractSegments(analysis.loaded, analysis.analysis.index, cut);
  const full = await openSession(analysis.loaded.bytes, analysis.loaded.source);
  const front = await openSession(seg.front, `${analysis.loaded.source} (front)`);
  const back = await openSession(seg.back, `${analysis.loaded.source} (back)`);
  try {
    const ref = await full.run({ [inputName]: x });
    const mid = await front.run({ [inputName]: x });
    const tensors: FeatureTensor[] = seg.crossing.map((name) => {
      const t = mid[name] as ort.Tensor;
      if (t.type !== "float32") throw new CodecError(CodecErrorCode.BadInput, `cut ${cut.id}`, `sends "${name}" as ${t.type}; the feature codec carries float32 tensors only, so pick a cut without shape tensors`);
      return { name, dims: t.dims, data: t.data as Float32Array };
    });
    const meta = { camera: "roundtrip", seq: 0, capturedAt: Date.now(), modelSha256: analysis.loaded.sha256, cutId: cut.id, planId: "roundtrip" };
    const repeats = o.repeats ?? 5;
    const encTimes: number[] = [];
    const decTimes: number[] = [];
    let message: Uint8Array = new Uint8Array();
    let decoded = decodeFeatures(encodeFeatures(meta, tensors, o.encoding));
    for (let r = 0; r < repeats; r++) {
      let t0 = performance.now();
      message = encodeFeatures(meta, tensors, o.encoding);
      encTimes.push(performance.now() - t0);
      t0 = performance.now();
      decoded = decodeFeatures(message);
      decTimes.push(performance.now() - t0);
    }
    let featureMaxAbsError = 0;
    decoded.tensors.forEach((d, k) => {
      const orig = (tensors[k] as FeatureTensor).data;
      for (let i = 0; i < orig.length; i++) featureMaxAbsError = Math.max(featureMaxAbsError, Math.abs((orig[i] as number) - (d.data[i] as number)));
    });
    const feeds: Record<string, ort.Tensor> = {};
    for (const d of decoded.tensors) feeds[d.name] = floatTensor(d.data, d.dims);
    const out = await back.run(feeds);
    let outputMaxAbsError = 0;
    for (const name of analysis.analysis.index.outputNames) {
      const a = (ref[name] as ort.Tensor).data as Float32Array;
      const b = (out[name] as ort.Tensor).data as Float32Array;
      for (let i = 0; i < a.length; i++) outputMaxAbsError = Math.max(outputMaxAbsError, Math.abs((a[i] as number) - (b[i] as number)));
    }
    let flipFraction: number | null = null;
    let textFlipFraction: number | null = null;
    if (entry?.task === "text-detection") {
      const name = analysis.analysis.index.outputNames[0] as string;
      const f = probabilityFlips((ref[name] as ort.Tensor).data as Float32Array, (out[name] as ort.Tensor).data as Float32Array);
      flipFraction = f.flipFraction;
      textFlipFraction = f.textFlipFraction;
    }
    const elements = cut.elements;
    return {
      bytes: message.length, bitsPerElement: (message.length * 8) / elements, elements, float32Bytes: elements * 4,
      encodeMs: median(encTimes), decodeMs: median(decTimes), featureMaxAbsError, outputMaxAbsError,
      flipFraction, textFlipFraction, message, analysis,
    };
  } finally {
    await Promise.all([full.release(), front.release(), back.release()]);
  }
}
