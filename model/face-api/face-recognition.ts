/**
 * face-api's face recognition net (a dlib-style ResNet-34 embedder) as an ONNX graph (pure),
 * built from its weights. Same network as face-api's `FaceRecognitionNet.forwardInput`:
 * - 7×7/2 "valid" conv (32) + scale + ReLU, 3×3/2 "valid" max pool (150 → 72 → 35);
 * - residual stages of 3×3 conv pairs: 3× 32, down + 3× 64, down + 2× 128, down + 2× 256,
 *   down (256); a block is relu(conv → scale → relu → conv → scale, + shortcut);
 * - "down" blocks start with a 3×3/2 "valid" conv; their shortcut is a 2×2/2 average pool,
 *   zero-padded in channels when the width doubles, and where the pooled map is one pixel
 *   larger than the conv branch (8 → 4 vs 3, 4 → 2 vs 1) the conv branch gets a zero row and
 *   column at the bottom/right, as face-api does;
 * - global average pool, then a 256 → 128 matrix: the descriptor.
 * face-api's scale layers (y · weights + biases after every conv) are folded into the convolutions.
 *
 * Input `image` [N, 3, 150, 150]: RGB, (pixel − [122.782, 117.001, 104.298]) / 255.
 * Output `descriptor` [N, 128] (face-api compares descriptors by Euclidean distance, 0.6 = same person).
 */
import type { GraphBuilder } from "../builder.js";
import { type Feature, WeightReader, foldAffine, hwioToOihw, tfPadding } from "./layers.js";

/** Input side (pixels) face-api resizes every face crop to. */
export const FACE_RECOGNITION_INPUT_SIZE = 150;
/** Length of the descriptor. */
export const DESCRIPTOR_LENGTH = 128;

/** conv → bias → scale (folded), optional ReLU. */
function convLayer(b: GraphBuilder, w: WeightReader, x: Feature, prefix: string, stride: number, padding: "same" | "valid", relu: boolean): Feature {
  const filter = w.get(`${prefix}/conv/filters`, [null, null, x.c, null]);
  const [kh, kw, ci, co] = filter.shape as [number, number, number, number];
  const folded = foldAffine(hwioToOihw(filter.data, filter.shape), co, w.get(`${prefix}/conv/bias`, [co]).data, w.get(`${prefix}/scale/weights`, [co]).data, w.get(`${prefix}/scale/biases`, [co]).data);
  const p = tfPadding(x.h, x.w, kh, kw, stride, padding);
  const conv = b.conv(x.name, folded.weight, [co, ci, kh, kw], { bias: folded.bias, strides: [stride, stride], pads: p.pads, name: prefix, out: `${prefix}/conv` });
  return { name: relu ? b.op("Relu", [conv], {}, prefix) : conv, c: co, h: p.h, w: p.w };
}

function residual(b: GraphBuilder, w: WeightReader, x: Feature, prefix: string): Feature {
  const a = convLayer(b, w, x, `${prefix}/conv1`, 1, "same", true);
  const c = convLayer(b, w, a, `${prefix}/conv2`, 1, "same", false);
  const sum = b.op("Add", [c.name, x.name], {}, `${prefix}/add`);
  return { ...c, name: b.op("Relu", [sum], {}, prefix) };
}

function residualDown(b: GraphBuilder, w: WeightReader, x: Feature, prefix: string): Feature {
  const a = convLayer(b, w, x, `${prefix}/conv1`, 2, "valid", true);
  let c = convLayer(b, w, a, `${prefix}/conv2`, 1, "same", false);
  const ph = Math.floor((x.h - 2) / 2) + 1;
  const pw = Math.floor((x.w - 2) / 2) + 1;
  let pooled: string = b.op("AveragePool", [x.name], { kernel_shape: [2, 2], strides: [2, 2] }, `${prefix}/pool`);
  if (ph !== c.h || pw !== c.w) {
    // [n, c, h, w] begins then ends: zeros after the last row and column.
    c = { ...c, name: b.op("Pad", [c.name, b.int64(`${prefix}/pad_hw`, [0, 0, 0, 0, 0, 0, ph - c.h, pw - c.w])], {}, `${prefix}/conv2/padded`), h: ph, w: pw };
  }
  if (x.c !== c.c) pooled = b.op("Pad", [pooled, b.int64(`${prefix}/pad_c`, [0, 0, 0, 0, 0, c.c - x.c, 0, 0])], {}, `${prefix}/pool/padded`);
  const sum = b.op("Add", [pooled, c.name], {}, `${prefix}/add`);
  return { ...c, name: b.op("Relu", [sum], {}, prefix) };
}

/**
 * Adds the embedder to `b` reading `input` (NCHW, 150×150) and returns the name of the
 * [N, 128] descriptor tensor (`out`). Throws `WeightsError` when a weight is missing or misshapen.
 */
export function buildFaceRecognition(b: GraphBuilder, w: WeightReader, input: string, out: string): string {
  let x = convLayer(b, w, { name: input, c: 3, h: FACE_RECOGNITION_INPUT_SIZE, w: FACE_RECOGNITION_INPUT_SIZE }, "conv32_down", 2, "valid", true);
  const mp = tfPadding(x.h, x.w, 3, 3, 2, "valid");
  x = { ...x, name: b.op("MaxPool", [x.name], { kernel_shape: [3, 3], strides: [2, 2] }, "conv32_down/pool"), h: mp.h, w: mp.w };
  const stages: [string, boolean][] = [
    ["conv32_1", false], ["conv32_2", false], ["conv32_3", false],
    ["conv64_down", true], ["conv64_1", false], ["conv64_2", false], ["conv64_3", false],
    ["conv128_down", true], ["conv128_1", false], ["conv128_2", false],
    ["conv256_down", true], ["conv256_1", false], ["conv256_2", false], ["conv256_down_out", true],
  ];
  for (const [name, down] of stages) x = down ? residualDown(b, w, x, name) : residual(b, w, x, name);
  const pooled = b.op("GlobalAveragePool", [x.name], {}, "global_avg");
  const flat = b.op("Flatten", [pooled], { axis: 1 }, "global_avg/flat");
  const fc = w.get("fc", [x.c, DESCRIPTOR_LENGTH]);
  return b.op("MatMul", [flat, b.float("fc", [x.c, DESCRIPTOR_LENGTH], fc.data)], {}, out);
}
