/**
 * Shape probe: runs the model once in onnxruntime with every tensor exposed as an output, to
 * learn each tensor's concrete shape and type at a given input shape.
 */
import ort from "onnxruntime-node";
import { ModelError, ModelErrorCode } from "../../model/errors.js";
import type { GraphIndex } from "../../model/graph.js";
import type { LoadedModel } from "../../model/load.js";
import { type InputShapes, type TensorInfo, buildProbeModel, initializerInfos } from "../../model/shapes.js";
import { filledTensor, onnxDataType } from "./tensor-types.js";

/** Options for {@link probeShapes}. */
export interface ProbeOptions {
  /** Intra-op threads for the probe session. Default: onnxruntime's default. */
  readonly threads?: number;
}

/** Wraps an onnxruntime load failure into a typed error (opset problems get their own code). */
export function ortLoadError(source: string, e: unknown): ModelError {
  const msg = e instanceof Error ? e.message : String(e);
  const firstLine = (msg.split("\n").find((l) => l.trim() !== "") ?? msg).replace(/^.*?\]\s*/, "").slice(0, 300);
  const opset = /opset|Opset|domain_version|ValidateOpsetForDomain/.test(msg);
  return new ModelError(opset ? ModelErrorCode.UnsupportedOpset : ModelErrorCode.InvalidGraph, `${source}: onnxruntime cannot load the model: ${firstLine}`, { cause: e });
}

/**
 * Returns the shape and type of every tensor of the model (inputs, node outputs, initializers)
 * at the given input shapes. Throws {@link ModelError} when onnxruntime rejects the model or the shape.
 */
export async function probeShapes(loaded: LoadedModel, index: GraphIndex, shapes: InputShapes, options: ProbeOptions = {}): Promise<Map<string, TensorInfo>> {
  const { bytes, names } = buildProbeModel(loaded, index);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: options.threads ?? 0, graphOptimizationLevel: "basic", logSeverityLevel: 4 });
  } catch (e) {
    throw ortLoadError(loaded.source, e);
  }
  const infos = initializerInfos(loaded.model);
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of index.inputNames) {
      const v = loaded.model.graph.inputs.find((i) => i.name === name);
      const dims = shapes.get(name);
      if (dims === undefined) throw new ModelError(ModelErrorCode.BadInputShape, `no shape for input "${name}"`);
      const dt = v?.elemType ?? 1;
      feeds[name] = filledTensor(dt, dims, dt === 1 || dt === 11 ? 0.5 : 0);
      infos.set(name, { dims, dataType: dt });
    }
    let out: ort.InferenceSession.ReturnType;
    try {
      out = await session.run(feeds, names, { logSeverityLevel: 4 });
    } catch (e) {
      const msg = e instanceof Error ? e.message.split("\n")[0] ?? "" : String(e);
      throw new ModelError(ModelErrorCode.BadInputShape, `${loaded.source}: the model does not run at input shape ${[...shapes].map(([k, d]) => `${k}=${d.join("x")}`).join(", ")}: ${msg.slice(0, 300)}`, { cause: e });
    }
    for (const [name, t] of Object.entries(out)) infos.set(name, { dims: t.dims, dataType: onnxDataType(t.type) });
    for (const t of Object.values(out)) t.dispose();
  } finally {
    await session.release();
  }
  return infos;
}
