/**
 * Segment extraction: turns a cut into two standalone ONNX models.
 * - front: the original inputs → the crossing tensors;
 * - back: the crossing tensors (original inputs keep their names) → the original outputs.
 * Each keeps the model's opset imports, metadata and other model-level fields verbatim, holds only
 * the initializers and constants it uses, and records its provenance in `metadata_props`.
 */
import type { Cut } from "./cuts.js";
import { type GraphIndex, nodeReads } from "./graph.js";
import type { LoadedModel } from "./load.js";
import type { OnnxNode, ValueInfo } from "./onnx.js";
import { encodeGraph, encodeModel, encodeValueInfo } from "./onnx-write.js";
import { hasDynamicInputs, standaloneInitializers } from "./shapes.js";

/** The two segments of a split, and what the wire carries between them. */
export interface SplitModels {
  readonly front: Uint8Array;
  readonly back: Uint8Array;
  /** Names of the front's outputs = the back's inputs, in order. */
  readonly crossing: readonly string[];
}

/** Options for {@link extractSegments}. */
export interface ExtractOptions {
  /** Write concrete dims for crossing tensors. Default: only when no model input has a dynamic dim (else rank-only unknown dims). */
  readonly concreteShapes?: boolean;
}

/** Static nodes (in topological order) needed to compute `names`, transitively. */
function staticClosure(index: GraphIndex, names: Iterable<string>): OnnxNode[] {
  const producer = new Map<string, OnnxNode>();
  for (const n of index.staticNodes) for (const o of n.outputs) producer.set(o, n);
  const need = new Set<OnnxNode>();
  const stack = [...names];
  while (stack.length > 0) {
    const s = stack.pop() as string;
    const n = producer.get(s);
    if (n === undefined || need.has(n)) continue;
    need.add(n);
    stack.push(...nodeReads(n));
  }
  return index.staticNodes.filter((n) => need.has(n));
}

function segment(loaded: LoadedModel, index: GraphIndex, nodes: readonly OnnxNode[], inputs: readonly Uint8Array[], outputs: readonly Uint8Array[], side: string, cut: Cut, inputNames: readonly string[], outputNames: readonly string[]): Uint8Array {
  const g = loaded.model.graph;
  const reads = new Set<string>(outputNames);
  const produced = new Set<string>();
  for (const n of nodes) {
    for (const r of nodeReads(n)) reads.add(r);
    for (const o of n.outputs) produced.add(o);
  }
  const io = new Set([...inputNames, ...outputNames]);
  const usedInit = (name: string): boolean => reads.has(name) && !produced.has(name);
  // Initializers also listed as graph inputs (IR < 4 style, overridable) stay inputs where kept.
  const initInputs = g.inputs.filter((v) => !index.inputNames.includes(v.name) && usedInit(v.name)).map((v) => v.raw);
  const keepInfo = (v: ValueInfo): boolean => produced.has(v.name) && !io.has(v.name);
  const graph = encodeGraph({
    name: `${g.name || "graph"}_${side}`,
    nodes: nodes.map((n) => n.raw),
    initializers: standaloneInitializers(loaded.model, loaded.externalData, (t) => usedInit(t.name)),
    inputs: [...inputs, ...initInputs],
    outputs,
    valueInfo: g.valueInfo.filter(keepInfo).map((v) => v.raw),
    rawFields: [
      ...g.sparseInitializers.filter((s) => usedInit(s.name)).map((s) => s.raw),
      ...g.quantizationAnnotations.filter((q) => reads.has(q.tensorName) || produced.has(q.tensorName)).map((q) => q.raw),
      ...g.otherFields.map((f) => f.raw),
    ],
  });
  return encodeModel(loaded.model.otherFields, graph, [
    ["jalad.segment", side],
    ["jalad.cut", String(cut.id)],
    ["jalad.source_sha256", loaded.sha256],
  ]);
}

/**
 * Writes the front and back models for a cut (degenerate cuts included: there one side is a
 * pass-through with no nodes). The back's inputs carry exactly the front's output names.
 */
export function extractSegments(loaded: LoadedModel, index: GraphIndex, cut: Cut, options: ExtractOptions = {}): SplitModels {
  const g = loaded.model.graph;
  const concrete = options.concreteShapes ?? !hasDynamicInputs(index);
  const byName = new Map<string, ValueInfo>([...g.inputs, ...g.outputs, ...g.valueInfo].map((v) => [v.name, v]));
  const crossing = cut.tensors.map((t) => t.name);
  const crossingInfo = cut.tensors.map((t) => {
    const original = g.inputs.find((v) => v.name === t.name);
    if (original !== undefined) return original.raw;
    // A declared shape is kept (with its symbolic names) only where it agrees with the probed one.
    const declared = byName.get(t.name)?.shape ?? null;
    const agrees = declared !== null && declared.length === t.dims.length && declared.every((d, i) => typeof d !== "number" || d <= 0 || d === t.dims[i]);
    const shape = concrete ? t.dims : agrees ? declared : t.dims.map(() => null);
    return encodeValueInfo(t.name, t.dataType, shape);
  });
  const edgeNodes = index.order.filter((_, p) => cut.edgeMask[p] === 1);
  const cloudNodes = index.order.filter((_, p) => cut.edgeMask[p] !== 1);
  const frontReads = [...edgeNodes.flatMap(nodeReads), ...crossing];
  const cloudReads = [...cloudNodes.flatMap(nodeReads), ...index.outputNames];
  const runtimeInputs = g.inputs.filter((v) => index.inputNames.includes(v.name));
  const front = segment(loaded, index, [...staticClosure(index, frontReads), ...edgeNodes], runtimeInputs.map((v) => v.raw), crossingInfo, "front", cut, index.inputNames, crossing);
  const back = segment(loaded, index, [...staticClosure(index, cloudReads), ...cloudNodes], crossingInfo, g.outputs.map((v) => v.raw), "back", cut, crossing, index.outputNames);
  return { front, back, crossing };
}
