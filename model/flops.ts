/**
 * FLOP counts per node at concrete shapes. One multiply-add counts as 2 FLOPs.
 * Ops with no cost model are counted as one FLOP per output element and reported as uncosted.
 */
import type { OnnxNode } from "./onnx.js";
import { type TensorInfo, elementCount } from "./shapes.js";

/** Cost of one node. */
export interface NodeCost {
  readonly flops: number;
  /** False when the op has no cost model and `flops` is its output size. */
  readonly costed: boolean;
}

/** Ops that only move or reinterpret data: zero arithmetic. */
const DATA_MOVEMENT = new Set([
  "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Flatten", "Shape", "Size", "Gather", "GatherElements", "GatherND",
  "Concat", "Split", "Slice", "Identity", "Constant", "ConstantOfShape", "Cast", "CastLike", "Expand", "Tile", "Pad",
  "DepthToSpace", "SpaceToDepth", "Dropout", "Range", "NonZero", "ScatterND", "ScatterElements", "Trilu", "EyeLike", "OneHot",
]);

/** Elementwise ops and their FLOPs per output element. */
const ELEMENTWISE: Readonly<Record<string, number>> = {
  Add: 1, Sub: 1, Mul: 1, Div: 1, Pow: 1, Max: 1, Min: 1, Mean: 1, Sum: 1, Neg: 1, Abs: 1, Sign: 1, Reciprocal: 1,
  Relu: 1, LeakyRelu: 2, PRelu: 2, Clip: 2, Sqrt: 1, Exp: 1, Log: 1, Floor: 1, Ceil: 1, Round: 1, Erf: 1,
  Sigmoid: 4, HardSigmoid: 3, HardSwish: 4, Tanh: 4, Elu: 4, Selu: 4, Softplus: 4, Softsign: 3, Gelu: 8, Mish: 8,
  Equal: 1, Less: 1, Greater: 1, LessOrEqual: 1, GreaterOrEqual: 1, Not: 1, And: 1, Or: 1, Xor: 1, Where: 1,
  Sin: 1, Cos: 1, Tan: 1, IsNaN: 1, IsInf: 1, Mod: 1, BitShift: 1, QuantizeLinear: 2, DequantizeLinear: 2,
  BatchNormalization: 2, InstanceNormalization: 5, LayerNormalization: 5, GroupNormalization: 5, LpNormalization: 3,
  Softmax: 5, LogSoftmax: 5, Hardmax: 1, ArgMax: 1, ArgMin: 1, TopK: 1, CumSum: 1,
  ReduceMean: 1, ReduceSum: 1, ReduceMax: 1, ReduceMin: 1, ReduceProd: 1, ReduceL2: 2, ReduceL1: 1, ReduceSumSquare: 2, ReduceLogSumExp: 3,
};

/** Reduction-like ops whose cost scales with their input, not their output. */
const INPUT_SIZED = new Set(["GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool", "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL2", "ReduceL1", "ReduceSumSquare", "ReduceLogSumExp", "ArgMax", "ArgMin", "TopK", "CumSum"]);

function attrInt(n: OnnxNode, name: string, dflt: number): number {
  return n.attributes.find((a) => a.name === name)?.i ?? dflt;
}
function attrInts(n: OnnxNode, name: string): readonly number[] | undefined {
  return n.attributes.find((a) => a.name === name)?.ints;
}
function attrString(n: OnnxNode, name: string, dflt: string): string {
  return n.attributes.find((a) => a.name === name)?.s ?? dflt;
}

/**
 * FLOPs of one node, given the shape of every tensor it touches. `info` must cover the node's
 * inputs (weights included) and outputs; a missing entry makes the node uncosted.
 */
export function nodeFlops(n: OnnxNode, info: (name: string) => TensorInfo | undefined): NodeCost {
  const out = n.outputs[0] !== undefined ? info(n.outputs[0]) : undefined;
  const outElems = out !== undefined ? elementCount(out.dims) : 0;
  const inp = (i: number): TensorInfo | undefined => {
    const name = n.inputs[i];
    return name === undefined || name === "" ? undefined : info(name);
  };
  const op = n.domain === "" || n.domain === "ai.onnx" ? n.opType : `${n.domain}.${n.opType}`;
  if (DATA_MOVEMENT.has(op)) return { flops: 0, costed: true };
  switch (op) {
    case "Conv": {
      const w = inp(1);
      if (out === undefined || w === undefined) break;
      // out[N, Cout, *spatial]; w[Cout, Cin/group, *k]: each output element costs Cin/group * prod(k) MACs.
      const macsPerOut = elementCount(w.dims.slice(1));
      return { flops: outElems * (2 * macsPerOut + (n.inputs[2] ? 1 : 0)), costed: true };
    }
    case "ConvTranspose": {
      const x = inp(0);
      const w = inp(1);
      if (x === undefined || w === undefined) break;
      // w[Cin, Cout/group, *k]: each input element scatters into Cout/group * prod(k) outputs.
      const macsPerIn = elementCount(w.dims.slice(1));
      return { flops: 2 * elementCount(x.dims) * macsPerIn + (n.inputs[2] ? outElems : 0), costed: true };
    }
    case "Gemm": {
      const a = inp(0);
      if (a === undefined || out === undefined) break;
      const k = attrInt(n, "transA", 0) === 1 ? (a.dims[0] ?? 1) : (a.dims[1] ?? 1);
      return { flops: outElems * (2 * k + (n.inputs[2] ? 1 : 0)), costed: true };
    }
    case "MatMul": case "MatMulInteger": {
      const a = inp(0);
      if (a === undefined || out === undefined) break;
      const k = a.dims.length === 1 ? (a.dims[0] ?? 1) : (a.dims[a.dims.length - 1] ?? 1);
      return { flops: 2 * outElems * k, costed: true };
    }
    case "MaxPool": case "AveragePool": case "LpPool": {
      const k = attrInts(n, "kernel_shape");
      if (k === undefined || out === undefined) break;
      return { flops: outElems * elementCount(k), costed: true };
    }
    case "Resize": case "Upsample": {
      if (out === undefined) break;
      const mode = attrString(n, "mode", "nearest");
      const spatial = Math.max(0, out.dims.length - 2);
      const taps = mode === "nearest" ? 1 : mode === "cubic" ? 4 ** spatial : 2 ** spatial;
      return { flops: outElems * (mode === "nearest" ? 1 : 2 * taps), costed: true };
    }
    case "Einsum": break;
    default: {
      const per = ELEMENTWISE[op];
      if (per === undefined) break;
      const x = inp(0);
      if (INPUT_SIZED.has(op) && x !== undefined) return { flops: per * elementCount(x.dims), costed: true };
      if (out !== undefined) return { flops: per * outElems, costed: true };
      break;
    }
  }
  if (op === "GlobalAveragePool" || op === "GlobalMaxPool" || op === "GlobalLpPool") {
    const x = inp(0);
    if (x !== undefined) return { flops: elementCount(x.dims), costed: true };
  }
  return { flops: outElems, costed: false };
}
