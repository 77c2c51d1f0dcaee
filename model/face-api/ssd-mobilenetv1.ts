/**
 * face-api's SSD-MobileNetV1 face detector as an ONNX graph (pure), built from its weights.
 *
 * Same network as face-api's `SsdMobilenetv1.forwardInput` up to, not including, its output
 * layer (box decoding, sigmoid, NMS: see `tasks/face-detection.ts`):
 * - MobileNetV1 (width 1.0): a 3×3/2 conv, then 13 depthwise-separable blocks (depthwise 3×3 +
 *   batch norm + ReLU6, pointwise 1×1 + bias + ReLU6), depthwise strides 2 at blocks 2, 4, 6, 12;
 * - 8 extra "Prediction" convs (1×1 then 3×3/2, pairs) on the 16×16 output;
 * - 6 box predictors (1×1 convs) on the feature maps of block 11 (32×32, 3 anchors per cell),
 *   block 13 (16×16) and extra convs 1, 3, 5, 7 (8, 4, 2, 1 cells; 6 anchors per cell):
 *   5118 anchors in face-api's order (cell row, cell column, anchor).
 * TensorFlow "same" padding becomes explicit ONNX pads (the odd pixel at the bottom/right);
 * batch norms are folded into the depthwise convolutions; each predictor's box-encoding and
 * class convolutions run as one convolution whose outputs are interleaved per anchor.
 *
 * Input `image` [N, 3, 512, 512]: RGB, (pixel / 127.5) − 1. Output `predictions` [N, 5118, 7]:
 * per anchor the raw box encoding (ty, tx, th, tw) then the 3 raw class logits
 * (face-api's face score is sigmoid(logit 1)).
 */
import type { GraphBuilder } from "../builder.js";
import { type Feature, WeightReader, batchNormAffine, depthwiseToOihw, foldAffine, relu6, tfConv, tfPadding } from "./layers.js";

/** Input side (pixels) face-api resizes every image to. */
export const SSD_INPUT_SIZE = 512;
/** Anchors (rows of the output). */
export const SSD_ANCHOR_COUNT = 5118;
/** Values per anchor in the output: 4 box-encoding values, 3 class logits. */
export const SSD_VALUES_PER_ANCHOR = 7;
/** Batch-norm epsilon of face-api's depthwise layers. */
const BN_EPSILON = 0.0010000000474974513;
/** Depthwise blocks with stride 2. */
const STRIDE2_BLOCKS = new Set([2, 4, 6, 12]);

function pointwise(b: GraphBuilder, w: WeightReader, bounds: { min: string; max: string }, x: Feature, prefix: string, idx: number, stride: number, out: string): Feature {
  const filter = w.get(`${prefix}/Conv2d_${idx}_pointwise/weights`, [null, null, x.c, null]);
  const co = filter.shape[3] as number;
  const bias = w.get(`${prefix}/Conv2d_${idx}_pointwise/convolution_bn_offset`, [co]).data;
  return relu6(b, tfConv(b, x, filter, bias, stride, "same", `${out}/conv`), bounds, out);
}

function depthwise(b: GraphBuilder, w: WeightReader, bounds: { min: string; max: string }, x: Feature, idx: number, stride: number, out: string): Feature {
  const p = `MobilenetV1/Conv2d_${idx}_depthwise`;
  const filter = w.get(`${p}/depthwise_weights`, [3, 3, x.c, 1]);
  const c = x.c;
  const bn = batchNormAffine(w.get(`${p}/BatchNorm/gamma`, [c]).data, w.get(`${p}/BatchNorm/beta`, [c]).data, w.get(`${p}/BatchNorm/moving_mean`, [c]).data, w.get(`${p}/BatchNorm/moving_variance`, [c]).data, BN_EPSILON);
  const folded = foldAffine(depthwiseToOihw(filter.data, filter.shape), c, undefined, bn.scale, bn.shift);
  const pad = tfPadding(x.h, x.w, 3, 3, stride, "same");
  const name = b.conv(x.name, folded.weight, [c, 1, 3, 3], { bias: folded.bias, strides: [stride, stride], pads: pad.pads, group: c, name: `${out}/conv`, out: `${out}/conv` });
  return relu6(b, { name, c, h: pad.h, w: pad.w }, bounds, out);
}

/** One box predictor: box-encoding and class 1×1 convs merged, as [N, cells·anchors, 7]. */
function predictor(b: GraphBuilder, w: WeightReader, x: Feature, idx: number): string {
  const p = `Prediction/BoxPredictor_${idx}`;
  const boxW = w.get(`${p}/BoxEncodingPredictor/weights`, [1, 1, x.c, null]);
  const anchors = (boxW.shape[3] as number) / 4;
  const boxB = w.get(`${p}/BoxEncodingPredictor/biases`, [anchors * 4]).data;
  const clsW = w.get(`${p}/ClassPredictor/weights`, [1, 1, x.c, anchors * 3]).data;
  const clsB = w.get(`${p}/ClassPredictor/biases`, [anchors * 3]).data;
  // Output channel a·7 + j: j < 4 box-encoding channel a·4 + j, else class channel a·3 + (j − 4). HWIO with kh = kw = 1 is [in, out].
  const co = anchors * SSD_VALUES_PER_ANCHOR;
  const weight = new Float32Array(co * x.c);
  const bias = new Float32Array(co);
  for (let a = 0; a < anchors; a++) {
    for (let j = 0; j < SSD_VALUES_PER_ANCHOR; j++) {
      const o = a * SSD_VALUES_PER_ANCHOR + j;
      const [src, srcCo, col] = j < 4 ? [boxW.data, anchors * 4, a * 4 + j] : [clsW, anchors * 3, a * 3 + j - 4];
      for (let i = 0; i < x.c; i++) weight[o * x.c + i] = src[i * srcCo + col] as number;
      bias[o] = (j < 4 ? boxB[col] : clsB[col]) as number;
    }
  }
  const conv = b.conv(x.name, weight, [co, x.c, 1, 1], { bias, name: `${p}/conv`, out: `${p}/conv` });
  const nhwc = b.op("Transpose", [conv], { perm: [0, 2, 3, 1] }, `${p}/nhwc`);
  return b.op("Reshape", [nhwc, b.int64(`${p}/shape`, [0, -1, SSD_VALUES_PER_ANCHOR])], {}, `${p}/anchors`);
}

/**
 * Adds the detector to `b` reading `input` (NCHW, 512×512) and returns the name of the
 * [N, 5118, 7] predictions tensor (`out`). Throws `WeightsError` when a weight is missing or misshapen.
 */
export function buildSsdMobilenetv1(b: GraphBuilder, w: WeightReader, input: string, out: string): string {
  const bounds = { min: b.scalar("relu6_min", 0), max: b.scalar("relu6_max", 6) };
  let x: Feature = pointwise(b, w, bounds, { name: input, c: 3, h: SSD_INPUT_SIZE, w: SSD_INPUT_SIZE }, "MobilenetV1", 0, 2, "mobilenet/conv_0");
  const heads: string[] = [];
  let acc: string | undefined;
  // Concatenate each head as soon as it exists: the running concatenation is one tensor, so a
  // cut anywhere sends at most the trunk activation plus the predictions so far.
  const addHead = (h: string, last: boolean): void => {
    heads.push(h);
    acc = acc === undefined ? h : b.op("Concat", [acc, h], { axis: 1 }, last ? out : `predictions/upto_${heads.length - 1}`);
  };
  for (let i = 1; i <= 13; i++) {
    x = depthwise(b, w, bounds, x, i, STRIDE2_BLOCKS.has(i) ? 2 : 1, `mobilenet/conv_${i}/depthwise`);
    x = pointwise(b, w, bounds, x, "MobilenetV1", i, 1, `mobilenet/conv_${i}/pointwise`);
    if (i === 11) addHead(predictor(b, w, x, 0), false);
  }
  addHead(predictor(b, w, x, 1), false);
  for (let i = 0; i < 8; i++) {
    x = pointwise(b, w, bounds, x, "Prediction", i, i % 2 === 1 ? 2 : 1, `prediction/conv_${i}`);
    if (i % 2 === 1) addHead(predictor(b, w, x, 2 + (i - 1) / 2), i === 7);
  }
  return out;
}
