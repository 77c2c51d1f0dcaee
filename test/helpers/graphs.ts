/** Helpers for pure unit tests of model/: decode a built model and give tensors hand-set shapes. */
import { indexGraph, type GraphIndex } from "../../model/graph.js";
import { loadModel, type LoadedModel } from "../../model/load.js";
import { DataType } from "../../model/onnx.js";
import type { TensorInfo } from "../../model/shapes.js";

/** Decodes model bytes and indexes the graph. */
export function indexed(bytes: Uint8Array): { loaded: LoadedModel; index: GraphIndex } {
  const loaded = loadModel(bytes);
  return { loaded, index: indexGraph(loaded.model.graph) };
}

/** Float32 infos from a name → dims table, plus every initializer's own dims. */
export function infosFrom(loaded: LoadedModel, dims: Readonly<Record<string, readonly number[]>>): Map<string, TensorInfo> {
  const m = new Map<string, TensorInfo>();
  for (const t of loaded.model.graph.initializers) m.set(t.name, { dims: t.dims, dataType: t.dataType });
  for (const [k, d] of Object.entries(dims)) m.set(k, { dims: d, dataType: DataType.FLOAT });
  return m;
}
