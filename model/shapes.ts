/**
 * Input-shape specs and the probe model that resolves every tensor's shape at a given input
 * shape. The probe itself (running the model) is an onnxruntime call, done in `services/`;
 * this file only builds the model to run and the inputs to feed.
 */
import { ModelError, ModelErrorCode } from "./errors.js";
import type { GraphIndex } from "./graph.js";
import type { LoadedModel } from "./load.js";
import type { OnnxModel, OnnxTensor } from "./onnx.js";
import { encodeGraph, encodeModel, inlineTensor } from "./onnx-write.js";
import { ProtoWriter } from "./protobuf.js";

/** Concrete shape and element type of one tensor. */
export interface TensorInfo {
  readonly dims: readonly number[];
  /** ONNX data type (see {@link DataType}). */
  readonly dataType: number;
}

/** Resolved concrete shapes of the graph's runtime inputs, by input name. */
export type InputShapes = ReadonlyMap<string, readonly number[]>;

/**
 * Parses an input-shape spec: `1x3x640x640` (the first input), or `name=1x3x640x640` items
 * joined by `,` or `;`. Throws `BAD_INPUT_SHAPE` naming the bad item.
 */
export function parseInputShapeSpec(spec: string): Map<string | 0, number[]> {
  const out = new Map<string | 0, number[]>();
  for (const item of spec.split(/[,;]/).map((s) => s.trim()).filter((s) => s !== "")) {
    const eq = item.lastIndexOf("=");
    const key: string | 0 = eq >= 0 ? item.slice(0, eq) : 0;
    const dimsText = eq >= 0 ? item.slice(eq + 1) : item;
    const parts = dimsText.split(/[x×*]/i);
    const dims = parts.map(Number);
    if (parts.length === 0 || dims.some((d) => !Number.isSafeInteger(d) || d < 0) || dimsText.trim() === "") {
      throw new ModelError(ModelErrorCode.BadInputShape, `bad input shape "${item}": expected dims like 1x3x640x640`);
    }
    if (out.has(key)) throw new ModelError(ModelErrorCode.BadInputShape, `input shape for ${key === 0 ? "the first input" : `"${key}"`} given twice`);
    out.set(key, dims);
  }
  if (out.size === 0) throw new ModelError(ModelErrorCode.BadInputShape, `empty input shape spec "${spec}"`);
  return out;
}

/**
 * Resolves a concrete shape for every runtime input. Explicit specs must match the declared rank
 * and static dims; unspecified inputs take their declared shape with a dynamic leading (batch)
 * dim set to 1. Any other dynamic dim left open is a `BAD_INPUT_SHAPE` error naming it.
 */
export function resolveInputShapes(index: GraphIndex, spec: ReadonlyMap<string | 0, readonly number[]> = new Map()): InputShapes {
  const out = new Map<string, number[]>();
  const byName = new Map(index.graph.inputs.map((v) => [v.name, v]));
  for (const k of spec.keys()) {
    if (k !== 0 && !index.inputNames.includes(k)) throw new ModelError(ModelErrorCode.BadInputShape, `--input-shape names "${k}", but the model's inputs are: ${index.inputNames.join(", ")}`);
  }
  index.inputNames.forEach((name, i) => {
    const declared = byName.get(name)?.shape ?? null;
    const given = spec.get(name) ?? (i === 0 ? spec.get(0) : undefined);
    if (given !== undefined) {
      if (declared !== null && declared.length !== given.length) {
        throw new ModelError(ModelErrorCode.BadInputShape, `input "${name}" has rank ${declared.length} [${declared.map((d) => d ?? "?").join("x")}], but the given shape ${given.join("x")} has rank ${given.length}`);
      }
      declared?.forEach((d, j) => {
        if (typeof d === "number" && d > 0 && d !== given[j]) {
          throw new ModelError(ModelErrorCode.BadInputShape, `input "${name}" dim ${j} is fixed at ${d}, but the given shape has ${given[j]}`);
        }
      });
      out.set(name, [...given]);
      return;
    }
    if (declared === null) throw new ModelError(ModelErrorCode.BadInputShape, `input "${name}" declares no shape; pass --input-shape ${name}=...`);
    const dims = declared.map((d, j) => {
      if (typeof d === "number" && d > 0) return d;
      if (j === 0) return 1;
      throw new ModelError(ModelErrorCode.BadInputShape, `input "${name}" dim ${j} (${d ?? "?"}) is dynamic; pass --input-shape with a value for it (declared [${declared.map((x) => x ?? "?").join("x")}])`);
    });
    out.set(name, dims);
  });
  return out;
}

/** True when any runtime input declares a dynamic (symbolic or unknown) dim. */
export function hasDynamicInputs(index: GraphIndex): boolean {
  const inputs = new Set(index.inputNames);
  return index.graph.inputs.some((v) => inputs.has(v.name) && (v.shape === null || v.shape.some((d) => typeof d !== "number" || d <= 0)));
}

/** Encodes every initializer, inlining external data so the result is standalone. */
export function standaloneInitializers(model: OnnxModel, external: ReadonlyMap<string, Uint8Array>, keep: (t: OnnxTensor) => boolean = () => true): Uint8Array[] {
  return model.graph.initializers.filter(keep).map((t) => {
    const data = external.get(t.name);
    return data === undefined ? t.raw : inlineTensor(t, data);
  });
}

/**
 * Builds the probe model: the original graph with every tensor (dynamic and static), or only
 * the `only` tensors, added as untyped outputs, so one onnxruntime run reports each of them
 * (shapes for analysis; the crossing tensors of many cuts at once for calibration). Returns the
 * model bytes and the names it exposes (graph outputs included).
 */
export function buildProbeModel(loaded: LoadedModel, index: GraphIndex, only?: Iterable<string>): { bytes: Uint8Array; names: string[] } {
  const g = loaded.model.graph;
  const names = new Set<string>(index.outputNames);
  if (only !== undefined) for (const n of only) names.add(n);
  else for (const n of [...index.staticNodes, ...index.order]) for (const o of n.outputs) if (o !== "") names.add(o);
  const outputs = [...names].map((n) => {
    const declared = g.outputs.find((o) => o.name === n);
    return declared !== undefined ? declared.raw : new ProtoWriter().string(1, n).finish();
  });
  const graph = encodeGraph({
    name: g.name,
    nodes: g.nodes.map((n) => n.raw),
    initializers: standaloneInitializers(loaded.model, loaded.externalData),
    inputs: g.inputs.map((v) => v.raw),
    outputs,
    rawFields: g.sparseInitializers.map((s) => s.raw),
  });
  return { bytes: encodeModel(loaded.model.otherFields, graph), names: [...names] };
}

/** Element count of a shape. */
export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Shape info of every initializer, from its TensorProto. */
export function initializerInfos(model: OnnxModel): Map<string, TensorInfo> {
  return new Map(model.graph.initializers.map((t) => [t.name, { dims: t.dims, dataType: t.dataType }]));
}
