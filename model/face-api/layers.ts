/**
 * Shared pieces of the face-api network builders (pure): named weight lookup with shape checks,
 * TensorFlow → ONNX filter layouts, TensorFlow "same" padding, and folding per-channel affine
 * layers (batch norm, face-api's scale layer) into the preceding convolution.
 */
import type { GraphBuilder } from "../builder.js";
import type { WeightMap } from "./dequantize.js";
import { WeightsError, WeightsErrorCode } from "./errors.js";

/** An NCHW activation in the graph being built: its tensor name and C, H, W (batch is dynamic). */
export interface Feature {
  readonly name: string;
  readonly c: number;
  readonly h: number;
  readonly w: number;
}

/** Looks up decoded weights by name for one network, checking presence, dtype and shape. */
export class WeightReader {
  constructor(
    private readonly map: WeightMap,
    /** Network name, for messages. */
    readonly net: string,
  ) {}

  /**
   * The float32 values of weight `name`. With `shape`, its dims must match (null matches any
   * dim). Throws `MISSING_WEIGHT` or `WEIGHT_SHAPE` naming the weight.
   */
  get(name: string, shape?: readonly (number | null)[]): { data: Float32Array; shape: readonly number[] } {
    const w = this.map.get(name);
    if (w === undefined) throw new WeightsError(WeightsErrorCode.MissingWeight, `${this.net}: the manifest has no weight "${name}"`);
    if (!(w.data instanceof Float32Array)) throw new WeightsError(WeightsErrorCode.WeightShape, `${this.net}: weight "${name}" is ${w.dtype}, expected float32`);
    if (shape !== undefined && (shape.length !== w.shape.length || shape.some((d, i) => d !== null && d !== w.shape[i]))) {
      throw new WeightsError(WeightsErrorCode.WeightShape, `${this.net}: weight "${name}" has shape [${w.shape.join(",")}], expected [${shape.map((d) => d ?? "?").join(",")}]`);
    }
    return { data: w.data, shape: w.shape };
  }
}

/** TensorFlow conv filter [kh, kw, in, out] (HWIO) → ONNX [out, in, kh, kw] (OIHW). */
export function hwioToOihw(data: Float32Array, shape: readonly number[]): Float32Array {
  const [kh, kw, ci, co] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < ci; i++) {
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + y) * kw + x] = data[((y * kw + x) * ci + i) * co + o] as number;
      }
    }
  }
  return out;
}

/**
 * TensorFlow depthwise filter [kh, kw, channels, multiplier] → ONNX grouped-conv weight
 * [channels · multiplier, 1, kh, kw] (group = channels; output channel c·multiplier + m).
 */
export function depthwiseToOihw(data: Float32Array, shape: readonly number[]): Float32Array {
  const [kh, kw, c, m] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < c; i++) {
        for (let j = 0; j < m; j++) out[((i * m + j) * kh + y) * kw + x] = data[((y * kw + x) * c + i) * m + j] as number;
      }
    }
  }
  return out;
}

/** Output size and ONNX pads [top, left, bottom, right] of TensorFlow padding for one conv/pool. */
export function tfPadding(h: number, w: number, kh: number, kw: number, stride: number, padding: "same" | "valid"): { h: number; w: number; pads: [number, number, number, number] } {
  if (padding === "valid") return { h: Math.floor((h - kh) / stride) + 1, w: Math.floor((w - kw) / stride) + 1, pads: [0, 0, 0, 0] };
  const oh = Math.ceil(h / stride);
  const ow = Math.ceil(w / stride);
  const ph = Math.max(0, (oh - 1) * stride + kh - h);
  const pw = Math.max(0, (ow - 1) * stride + kw - w);
  // TensorFlow puts the odd pixel at the end (bottom/right): ONNX SAME_UPPER.
  return { h: oh, w: ow, pads: [Math.floor(ph / 2), Math.floor(pw / 2), ph - Math.floor(ph / 2), pw - Math.floor(pw / 2)] };
}

/**
 * Folds y = (conv(x) + bias) · scale + shift, per output channel, into the convolution: returns
 * the new OIHW weight and bias (computed in double precision, stored as float32).
 */
export function foldAffine(weight: Float32Array, outChannels: number, bias: Float32Array | undefined, scale: Float32Array, shift: Float32Array): { weight: Float32Array; bias: Float32Array } {
  const per = weight.length / outChannels;
  const w = new Float32Array(weight.length);
  const b = new Float32Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    const s = scale[o] as number;
    for (let k = 0; k < per; k++) w[o * per + k] = (weight[o * per + k] as number) * s;
    b[o] = (bias?.[o] ?? 0) * s + (shift[o] as number);
  }
  return { weight: w, bias: b };
}

/** Batch norm as a per-channel affine map: scale = gamma / sqrt(variance + epsilon), shift = beta − mean · scale. */
export function batchNormAffine(gamma: Float32Array, beta: Float32Array, mean: Float32Array, variance: Float32Array, epsilon: number): { scale: Float32Array; shift: Float32Array } {
  const scale = new Float32Array(gamma.length);
  const shift = new Float32Array(gamma.length);
  for (let c = 0; c < gamma.length; c++) {
    const s = (gamma[c] as number) / Math.sqrt((variance[c] as number) + epsilon);
    scale[c] = s;
    shift[c] = (beta[c] as number) - (mean[c] as number) * s;
  }
  return { scale, shift };
}

/** Adds a TensorFlow-style conv (HWIO filter, "same"/"valid" padding) with a bias; returns the NCHW output. */
export function tfConv(b: GraphBuilder, x: Feature, filter: { data: Float32Array; shape: readonly number[] }, bias: Float32Array, stride: number, padding: "same" | "valid", out: string): Feature {
  const [kh, kw, ci, co] = filter.shape as [number, number, number, number];
  if (ci !== x.c) throw new WeightsError(WeightsErrorCode.WeightShape, `filter for ${out} expects ${ci} input channels, the layer before gives ${x.c}`);
  const p = tfPadding(x.h, x.w, kh, kw, stride, padding);
  const name = b.conv(x.name, hwioToOihw(filter.data, filter.shape), [co, ci, kh, kw], { bias, strides: [stride, stride], pads: p.pads, name: out, out });
  return { name, c: co, h: p.h, w: p.w };
}

/** Clip(x, 0, 6): ReLU6, with shared bound initializers. */
export function relu6(b: GraphBuilder, x: Feature, bounds: { min: string; max: string }, out: string): Feature {
  return { ...x, name: b.op("Clip", [x.name, bounds.min, bounds.max], {}, out) };
}
