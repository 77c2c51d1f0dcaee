/**
 * A small ONNX graph builder: enough to write test fixtures and imported networks from
 * TypeScript (convolutions, pooling, matmuls, elementwise ops) with float32 weights.
 */
import { DataType, type Dim } from "./onnx.js";
import { type AttrValue, encodeGraph, encodeModel, encodeNode, encodeTensor, encodeValueInfo, modelHeaderFields } from "./onnx-write.js";

export { seededRandom } from "./random.js";

/** Options for {@link GraphBuilder}. */
export interface GraphBuilderOptions {
  /** Graph name. Default "graph". */
  readonly name?: string;
  /** ai.onnx opset. Default 13. */
  readonly opset?: number;
  /** IR version. Default 8. */
  readonly irVersion?: number;
  /** Producer name written in the model. Default "jalad". */
  readonly producer?: string;
}

/** Options of {@link GraphBuilder.conv}. */
export interface ConvOptions {
  /** Per-output-channel bias. Default none. */
  readonly bias?: Float32Array;
  /** [strideH, strideW]. Default [1, 1]. */
  readonly strides?: readonly [number, number];
  /** ONNX pads [top, left, bottom, right]. Default no padding. */
  readonly pads?: readonly [number, number, number, number];
  /** Groups (channels for a depthwise convolution). Default 1. */
  readonly group?: number;
  /** Prefix of the initializer names. Default "conv". */
  readonly name?: string;
  /** Output tensor name. Default generated. */
  readonly out?: string;
}

/** Builds an ONNX model node by node; tensor names are generated unless given. */
export class GraphBuilder {
  private readonly nodes: Uint8Array[] = [];
  private readonly inits: Uint8Array[] = [];
  private readonly inputs: Uint8Array[] = [];
  private readonly outputs: Uint8Array[] = [];
  private readonly metadata: [string, string][] = [];
  private counter = 0;

  constructor(private readonly options: GraphBuilderOptions = {}) {}

  /** A fresh tensor name with the given prefix. */
  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  /** Declares a graph input. */
  input(name: string, shape: readonly Dim[], elemType: number = DataType.FLOAT): string {
    this.inputs.push(encodeValueInfo(name, elemType, shape));
    return name;
  }

  /** Declares a graph output (shape null: rank and dims unknown). */
  output(name: string, shape: readonly Dim[] | null = null, elemType: number = DataType.FLOAT): void {
    this.outputs.push(encodeValueInfo(name, elemType, shape));
  }

  /** Adds a float32 initializer and returns its name. */
  float(prefix: string, dims: readonly number[], values: Float32Array): string {
    const name = this.fresh(prefix);
    this.inits.push(encodeTensor(name, DataType.FLOAT, dims, new Uint8Array(values.buffer, values.byteOffset, values.byteLength)));
    return name;
  }

  /** Adds an int64 initializer and returns its name. */
  int64(prefix: string, values: readonly number[]): string {
    const name = this.fresh(prefix);
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    this.inits.push(encodeTensor(name, DataType.INT64, [values.length], new Uint8Array(data.buffer)));
    return name;
  }

  /** Adds a float32 scalar initializer (dims []) and returns its name. */
  scalar(prefix: string, value: number): string {
    return this.float(prefix, [], new Float32Array([value]));
  }

  /**
   * Adds a Conv node (NCHW input, OIHW `weight` of `dims`, optional per-output-channel `bias`)
   * with its initializers; returns the output name. Defaults: stride 1, no padding, group 1.
   */
  conv(x: string, weight: Float32Array, dims: readonly [number, number, number, number], options: ConvOptions = {}): string {
    const inputs = [x, this.float(`${options.name ?? "conv"}_w`, dims, weight)];
    if (options.bias !== undefined) inputs.push(this.float(`${options.name ?? "conv"}_b`, [dims[0]], options.bias));
    const attrs: Record<string, AttrValue> = {
      kernel_shape: [dims[2], dims[3]],
      strides: options.strides ?? [1, 1],
      pads: options.pads ?? [0, 0, 0, 0],
    };
    if ((options.group ?? 1) !== 1) attrs.group = options.group as number;
    return this.op("Conv", inputs, attrs, options.out);
  }

  /** Adds a node with one output (generated name unless `out` is given); returns the output name. */
  op(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrValue>> = {}, out?: string): string {
    const name = out ?? this.fresh(opType.toLowerCase());
    this.nodes.push(encodeNode(opType, inputs, [name], `${opType}_${this.counter++}`, attrs));
    return name;
  }

  /** Adds a node with several outputs; returns their names. */
  opMulti(opType: string, inputs: readonly string[], outputCount: number, attrs: Readonly<Record<string, AttrValue>> = {}): string[] {
    const outs = Array.from({ length: outputCount }, () => this.fresh(opType.toLowerCase()));
    this.nodes.push(encodeNode(opType, inputs, outs, `${opType}_${this.counter++}`, attrs));
    return outs;
  }

  /** Adds a model-level metadata entry. */
  meta(key: string, value: string): void {
    this.metadata.push([key, value]);
  }

  /** Encodes the model. */
  build(): Uint8Array {
    const graph = encodeGraph({ name: this.options.name ?? "graph", nodes: this.nodes, initializers: this.inits, inputs: this.inputs, outputs: this.outputs });
    const header = modelHeaderFields(this.options.irVersion ?? 8, this.options.producer ?? "jalad", [{ domain: "", version: this.options.opset ?? 13 }]);
    return encodeModel(header, graph, this.metadata);
  }
}


/** `n` uniform weights in ±sqrt(3/fanIn)·gain (He-style scale) from `rand`. */
export function heWeights(rand: () => number, n: number, fanIn: number, gain = Math.SQRT2): Float32Array {
  const a = gain * Math.sqrt(3 / Math.max(1, fanIn));
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = (rand() * 2 - 1) * a;
  return w;
}
