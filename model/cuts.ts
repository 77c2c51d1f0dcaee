/**
 * Cut discovery for any ONNX DAG.
 *
 * A cut splits the compute nodes into an edge set that is closed under predecessors (a down-set,
 * i.e. a prefix of *some* topological order) and a cloud set. Its crossing set is every dynamic
 * tensor produced on the edge (graph inputs count as produced on the edge) and read in the cloud
 * or returned as a graph output: exactly what the edge must send. Static tensors (initializers,
 * constants and anything computed from constants alone) never cross: each segment carries its
 * own copy.
 *
 * Listing:
 * - id 0: cloud only (edge set empty, the inputs are sent);
 * - every prefix boundary b of the topological order whose crossing set has ≤ K tensors;
 * - refined cuts (below) that send fewer bytes than the prefix cut they start from;
 * - the last id: edge only (every node on the edge, the outputs are sent).
 *
 * Refinement, after DADS (Hu et al., INFOCOM 2019): prefixes of one order miss cheap moves, such
 * as running a 1×1 lateral convolution on the edge so that its 4× smaller output crosses instead
 * of its input. For each boundary b we solve a minimum s-t cut:
 * - the nodes before b are forced to the edge (merged into s);
 * - each later node whose FLOPs are at most `cheapNodeFraction` of the model's may move to the
 *   edge; every other later node is forced to the cloud (merged into t);
 * - each tensor becomes a vertex X with an edge producer→X of capacity = its bytes, and X→consumer
 *   edges of infinite capacity, so a tensor is paid once however many cloud nodes read it;
 * - infinite consumer→producer edges keep the edge set closed under predecessors;
 * - moving node v costs `bytesPerFlop`·FLOPs(v) (an edge v→t), so among cuts with equal bytes the
 *   one that moves less compute wins, and a move must save more bytes than it costs.
 * The minimal source side of the min cut is the refined edge set. It is exact for that objective:
 * max-flow/min-cut gives an optimality certificate.
 */
import { type NodeCost, nodeFlops } from "./flops.js";
import { GRAPH_INPUT, type GraphIndex } from "./graph.js";
import { FlowNetwork, INFINITE_CAPACITY } from "./max-flow.js";
import { dataTypeBytes } from "./onnx.js";
import { type TensorInfo, elementCount } from "./shapes.js";
import { ModelError, ModelErrorCode } from "./errors.js";

/** One tensor the edge sends at a cut, at the analysed input shape. */
export interface CrossingTensor {
  readonly name: string;
  readonly dims: readonly number[];
  /** ONNX data type. */
  readonly dataType: number;
  readonly elements: number;
  /** Uncompressed bytes at the tensor's own type (float32 activations: 4 per element). */
  readonly bytes: number;
}

/** How a cut was found. */
export type CutKind = "cloud-only" | "prefix" | "refined" | "edge-only";

/** A cut of the model into an edge and a cloud segment. */
export interface Cut {
  /** Position in the listing: 0 is cloud only, the last is edge only. */
  readonly id: number;
  readonly kind: CutKind;
  /** The topological boundary it comes from: edge nodes are `order[0..boundary)` (plus moves when refined). */
  readonly boundary: number;
  /** 1 for each compute-node position (index into `GraphIndex.order`) that runs on the edge. */
  readonly edgeMask: Uint8Array;
  readonly tensors: readonly CrossingTensor[];
  /** Total elements sent per inference. */
  readonly elements: number;
  /** Total uncompressed bytes sent per inference. */
  readonly bytes: number;
  readonly edgeFlops: number;
  readonly cloudFlops: number;
  /** For refined cuts: names (or op@position) of nodes moved to the edge beyond the boundary. */
  readonly moved: readonly string[];
}

/** Options for {@link listCuts}. */
export interface CutOptions {
  /** Largest crossing set listed (tensors). Default 4. */
  readonly maxCrossing?: number;
  /** Run min-cut refinement. Default true. */
  readonly refine?: boolean;
  /** A node may move to the edge during refinement if its FLOPs are at most this fraction of the model's. Default 0.02. */
  readonly cheapNodeFraction?: number;
  /** Bytes a move must save per FLOP it moves to the edge. Default 0.001 (1 byte per kFLOP). */
  readonly bytesPerFlop?: number;
}

/** The result of analysing a model at one input shape. */
export interface CutAnalysis {
  readonly index: GraphIndex;
  /** Shape and type of every tensor at the analysed input shape. */
  readonly infos: ReadonlyMap<string, TensorInfo>;
  /** Cost of each compute node, by position in `index.order`. */
  readonly costs: readonly NodeCost[];
  readonly totalFlops: number;
  /** Op types without a cost model (counted by output size), with how many nodes each. */
  readonly uncosted: ReadonlyMap<string, number>;
  readonly cuts: readonly Cut[];
}

function tensorInfo(infos: ReadonlyMap<string, TensorInfo>, name: string): TensorInfo {
  const i = infos.get(name);
  if (i === undefined) throw new ModelError(ModelErrorCode.InvalidGraph, `no shape known for tensor "${name}" (the probe did not report it)`);
  return i;
}

/** Builds the crossing set of an edge set: what the edge must send. */
export function crossingSet(index: GraphIndex, infos: ReadonlyMap<string, TensorInfo>, edgeMask: Uint8Array): CrossingTensor[] {
  const outputs = new Set(index.outputNames);
  const out: { t: CrossingTensor; p: number }[] = [];
  for (const [name, p] of index.producerPos) {
    if (p !== GRAPH_INPUT && edgeMask[p] !== 1) continue;
    const readInCloud = (index.consumerPos.get(name) ?? []).some((c) => edgeMask[c] !== 1);
    if (!readInCloud && !outputs.has(name)) continue;
    const info = tensorInfo(infos, name);
    const elements = elementCount(info.dims);
    out.push({ p, t: { name, dims: info.dims, dataType: info.dataType, elements, bytes: elements * (dataTypeBytes(info.dataType) || 4) } });
  }
  out.sort((a, b) => a.p - b.p || (a.t.name < b.t.name ? -1 : a.t.name > b.t.name ? 1 : 0));
  return out.map((x) => x.t);
}

function sum(xs: readonly CrossingTensor[], f: (t: CrossingTensor) => number): number {
  let s = 0;
  for (const x of xs) s += f(x);
  return s;
}

/** Solves the refinement min cut at boundary `b` (see the file comment). Returns the edge mask. */
function refineAt(index: GraphIndex, tensorBytes: ReadonlyMap<string, number>, costs: readonly NodeCost[], b: number, cheapLimit: number, bytesPerFlop: number): Uint8Array {
  const n = index.order.length;
  const S = 0;
  const T = 1;
  let next = 2;
  const vid = new Int32Array(n).fill(-1);
  for (let p = b; p < n; p++) if ((costs[p] as NodeCost).flops <= cheapLimit) vid[p] = next++;
  const side = (p: number): number => (p === GRAPH_INPUT || p < b ? S : vid[p] === -1 ? T : (vid[p] as number));
  const outputs = new Set(index.outputNames);
  const edges: [number, number, number][] = [];
  for (const [name, p] of index.producerPos) {
    const from = side(p);
    if (from === T) continue;
    const to = new Set<number>();
    for (const c of index.consumerPos.get(name) ?? []) {
      const s = side(c);
      if (s !== S) to.add(s);
    }
    if (outputs.has(name)) to.add(T);
    if (to.size === 0) continue;
    const x = next++;
    edges.push([from, x, tensorBytes.get(name) ?? 0]);
    for (const c of to) edges.push([x, c, INFINITE_CAPACITY]);
  }
  for (let p = b; p < n; p++) {
    const v = vid[p] as number;
    if (v === -1) continue;
    for (const y of index.nodeInputs[p] as readonly string[]) {
      const u = side(index.producerPos.get(y) ?? GRAPH_INPUT);
      if (u !== S) edges.push([v, u, INFINITE_CAPACITY]);
    }
    edges.push([v, T, bytesPerFlop * (costs[p] as NodeCost).flops + 1e-6]);
  }
  const net = new FlowNetwork(next);
  for (const [u, v, c] of edges) net.addEdge(u, v, c);
  net.maxFlow(S, T);
  const reach = net.sourceSide(S);
  const mask = new Uint8Array(n);
  for (let p = 0; p < n; p++) mask[p] = p < b || (vid[p] !== -1 && reach[vid[p] as number] === 1) ? 1 : 0;
  return mask;
}

function maskKey(mask: Uint8Array): string {
  return Buffer.from(mask).toString("base64");
}

/**
 * Lists the cuts of an indexed graph at the shapes in `infos` (every dynamic tensor, weights and
 * other static tensors included). See the file comment for the method.
 */
export function listCuts(index: GraphIndex, infos: ReadonlyMap<string, TensorInfo>, options: CutOptions = {}): CutAnalysis {
  const maxCrossing = options.maxCrossing ?? 4;
  const refine = options.refine ?? true;
  const cheapFraction = options.cheapNodeFraction ?? 0.02;
  const bytesPerFlop = options.bytesPerFlop ?? 0.001;
  const n = index.order.length;
  const info = (name: string): TensorInfo | undefined => infos.get(name);
  const costs = index.order.map((node) => nodeFlops(node, info));
  const uncosted = new Map<string, number>();
  index.order.forEach((node, p) => {
    if (!(costs[p] as NodeCost).costed) uncosted.set(node.opType, (uncosted.get(node.opType) ?? 0) + 1);
  });
  const prefixFlops = new Float64Array(n + 1);
  for (let p = 0; p < n; p++) prefixFlops[p + 1] = (prefixFlops[p] as number) + (costs[p] as NodeCost).flops;
  const totalFlops = prefixFlops[n] as number;

  const make = (kind: CutKind, boundary: number, edgeMask: Uint8Array, moved: string[] = []): Omit<Cut, "id"> => {
    const tensors = crossingSet(index, infos, edgeMask);
    let edgeFlops = 0;
    for (let p = 0; p < n; p++) if (edgeMask[p] === 1) edgeFlops += (costs[p] as NodeCost).flops;
    return { kind, boundary, edgeMask, tensors, elements: sum(tensors, (t) => t.elements), bytes: sum(tensors, (t) => t.bytes), edgeFlops, cloudFlops: totalFlops - edgeFlops, moved };
  };

  const tensorBytes = new Map<string, number>();
  for (const name of index.producerPos.keys()) {
    const i = tensorInfo(infos, name);
    tensorBytes.set(name, elementCount(i.dims) * (dataTypeBytes(i.dataType) || 4));
  }
  const interior: Omit<Cut, "id">[] = [];
  const seen = new Set<string>();
  const cheapLimit = cheapFraction * totalFlops;
  for (let b = 1; b < n; b++) {
    const mask = new Uint8Array(n);
    mask.fill(1, 0, b);
    const prefix = make("prefix", b, mask);
    if (prefix.tensors.length <= maxCrossing) {
      interior.push(prefix);
      seen.add(maskKey(mask));
    }
    if (!refine) continue;
    const rmask = refineAt(index, tensorBytes, costs, b, cheapLimit, bytesPerFlop);
    const key = maskKey(rmask);
    if (seen.has(key)) continue;
    const refined = make("refined", b, rmask);
    if (refined.bytes < prefix.bytes && refined.tensors.length <= maxCrossing && refined.edgeFlops < totalFlops) {
      const moved: string[] = [];
      for (let p = b; p < n; p++) if (rmask[p] === 1) moved.push(index.order[p]?.name || `${index.order[p]?.opType ?? "?"}@${p}`);
      interior.push({ ...refined, moved });
      seen.add(key);
    }
  }
  // A refined cut may equal a later prefix cut: keep the prefix one.
  const prefixKeys = new Set(interior.filter((c) => c.kind === "prefix").map((c) => maskKey(c.edgeMask)));
  const unique = interior.filter((c) => c.kind === "prefix" || !prefixKeys.has(maskKey(c.edgeMask)));
  const all = [make("cloud-only", 0, new Uint8Array(n)), ...unique, make("edge-only", n, new Uint8Array(n).fill(1))];
  const cuts = all.map((c, id) => ({ id, ...c }));
  return { index, infos, costs, totalFlops, uncosted, cuts };
}
