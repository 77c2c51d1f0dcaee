/**
 * Graph analysis: producers, consumers, a topological order of the compute nodes, and which
 * nodes are static (computable from constants alone, so replicated into whichever segment needs
 * them instead of ever crossing the network).
 */
import { ModelError, ModelErrorCode } from "./errors.js";
import type { OnnxGraph, OnnxNode } from "./onnx.js";

/** Pseudo-position of the producer of a graph input: before every node. */
export const GRAPH_INPUT = -1;

/** The analysed structure of a graph. Positions index {@link GraphIndex.order}. */
export interface GraphIndex {
  readonly graph: OnnxGraph;
  /** Compute nodes (non-static) in topological order. */
  readonly order: readonly OnnxNode[];
  /** Static nodes (constants and constant-only subgraphs), in topological order. */
  readonly staticNodes: readonly OnnxNode[];
  /** Names of runtime graph inputs (initializers excluded). */
  readonly inputNames: readonly string[];
  /** Names of graph outputs. */
  readonly outputNames: readonly string[];
  /** Names that are static: initializers and outputs of static nodes. */
  readonly staticNames: ReadonlySet<string>;
  /** Position in `order` of each dynamic tensor's producer ({@link GRAPH_INPUT} for graph inputs). */
  readonly producerPos: ReadonlyMap<string, number>;
  /** Positions in `order` of each dynamic tensor's consumers (sorted, unique). */
  readonly consumerPos: ReadonlyMap<string, readonly number[]>;
  /** Dynamic tensors each compute node reads (explicit and subgraph-implicit, no statics, no ""). */
  readonly nodeInputs: ReadonlyArray<readonly string[]>;
}

/** All names a node reads: explicit inputs plus subgraph captures, without the empty optional marker. */
export function nodeReads(n: OnnxNode): string[] {
  return [...n.inputs, ...n.implicitInputs].filter((s) => s !== "");
}

/**
 * Indexes a graph. Throws `INVALID_GRAPH` when a tensor is produced twice, a node reads a name
 * nothing produces, an output is never produced, or the nodes form a cycle.
 */
export function indexGraph(graph: OnnxGraph): GraphIndex {
  const initNames = new Set<string>([...graph.initializers.map((t) => t.name), ...graph.sparseInitializers.map((t) => t.name)]);
  const inputNames = graph.inputs.map((v) => v.name).filter((n) => !initNames.has(n));
  const producerNode = new Map<string, number>();
  graph.nodes.forEach((n, i) => {
    for (const o of n.outputs) {
      if (o === "") continue;
      if (producerNode.has(o) || inputNames.includes(o) || initNames.has(o)) {
        throw new ModelError(ModelErrorCode.InvalidGraph, `tensor "${o}" is produced twice (again by node ${i} "${n.name}" ${n.opType})`);
      }
      producerNode.set(o, i);
    }
  });
  const known = (s: string): boolean => producerNode.has(s) || initNames.has(s) || inputNames.includes(s);
  graph.nodes.forEach((n, i) => {
    for (const s of nodeReads(n)) if (!known(s)) throw new ModelError(ModelErrorCode.InvalidGraph, `node ${i} "${n.name}" (${n.opType}) reads "${s}", which no node, input or initializer provides`);
  });
  for (const o of graph.outputs) if (!known(o.name)) throw new ModelError(ModelErrorCode.InvalidGraph, `graph output "${o.name}" is never produced`);

  // Kahn's algorithm, stable by file order so a sorted file keeps its order.
  const nodes = graph.nodes;
  const indeg = new Int32Array(nodes.length);
  const succ: number[][] = nodes.map(() => []);
  nodes.forEach((n, i) => {
    const preds = new Set<number>();
    for (const s of nodeReads(n)) {
      const p = producerNode.get(s);
      if (p !== undefined) preds.add(p);
    }
    for (const p of preds) {
      (succ[p] as number[]).push(i);
      indeg[i] = (indeg[i] as number) + 1;
    }
  });
  const topo: number[] = [];
  // A min-heap is overkill: a sorted ready list keyed by file index keeps file order for sorted files.
  const ready: number[] = [];
  for (let i = 0; i < nodes.length; i++) if (indeg[i] === 0) ready.push(i);
  while (ready.length > 0) {
    ready.sort((a, b) => b - a);
    const i = ready.pop() as number;
    topo.push(i);
    for (const j of succ[i] as number[]) {
      indeg[j] = (indeg[j] as number) - 1;
      if (indeg[j] === 0) ready.push(j);
    }
  }
  if (topo.length !== nodes.length) {
    const stuck = nodes.findIndex((_, i) => (indeg[i] as number) > 0);
    throw new ModelError(ModelErrorCode.InvalidGraph, `the graph has a cycle (through node ${stuck} "${nodes[stuck]?.name ?? ""}")`);
  }

  const staticNames = new Set<string>(initNames);
  const order: OnnxNode[] = [];
  const staticNodes: OnnxNode[] = [];
  for (const i of topo) {
    const n = nodes[i] as OnnxNode;
    const reads = nodeReads(n);
    // Random generators are not static: their output changes per run.
    const isStatic = !/^Random/.test(n.opType) && reads.every((s) => staticNames.has(s));
    if (isStatic) {
      staticNodes.push(n);
      for (const o of n.outputs) if (o !== "") staticNames.add(o);
    } else order.push(n);
  }
  const producerPos = new Map<string, number>();
  for (const name of inputNames) producerPos.set(name, GRAPH_INPUT);
  order.forEach((n, pos) => {
    for (const o of n.outputs) if (o !== "") producerPos.set(o, pos);
  });
  const consumers = new Map<string, number[]>();
  const nodeInputs = order.map((n, pos) => {
    const dyn = [...new Set(nodeReads(n).filter((s) => !staticNames.has(s)))];
    for (const s of dyn) {
      let l = consumers.get(s);
      if (l === undefined) consumers.set(s, (l = []));
      l.push(pos);
    }
    return dyn;
  });
  return {
    graph, order, staticNodes, inputNames, outputNames: graph.outputs.map((o) => o.name),
    staticNames, producerPos, consumerPos: consumers, nodeInputs,
  };
}
