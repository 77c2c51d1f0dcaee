/**
 * onnxruntime sessions for one-shot tools (CLI, calibration). Streaming paths use the worker
 * pool instead, because `session.run` blocks the event loop for the whole inference.
 */
import ort from "onnxruntime-node";
import { ModelError } from "../../model/errors.js";
import { ortLoadError } from "./probe.js";

/** Options for {@link openSession}. */
export interface SessionOptions {
  /** Intra-op threads. Default: onnxruntime's default (all cores). */
  readonly threads?: number;
}

/** Creates a CPU session from model bytes; load failures become `ModelError`. */
export async function openSession(model: Uint8Array, source: string, options: SessionOptions = {}): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(model, { intraOpNumThreads: options.threads ?? 0, logSeverityLevel: 3 });
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw ortLoadError(source, e);
  }
}

/** A float32 tensor for a feed. */
export function floatTensor(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor("float32", data, dims);
}
