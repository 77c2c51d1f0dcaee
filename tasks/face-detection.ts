/**
 * Face detection (face-api SSD-MobileNetV1) post-processing (pure): the raw [N, anchors, 7]
 * predictions of the imported model → boxes, as face-api's output layer and `locateFaces` do:
 * TF box-coder decoding against the SSD anchors, sigmoid of class logit 1, score threshold and
 * greedy non-maximum suppression.
 */
import { type Anchors, ssdAnchors } from "./face-anchors.js";
import { type Box, boxF1 } from "./text-detection.js";

/** Values per anchor in the predictions: ty, tx, th, tw, then 3 class logits. */
export const SSD_PREDICTION_WIDTH = 7;

/** Box-coder scales of TF's faster-RCNN box coder as used by ssd_mobilenet_v1 (y, x, h, w). */
const SCALE_YX = 10;
const SCALE_HW = 5;

/** Decoded anchors of one image: boxes [ymin, xmin, ymax, xmax] (normalised, unclipped) and face scores. */
export interface DecodedDetections {
  readonly boxes: Float32Array;
  readonly scores: Float32Array;
}

/**
 * Decodes image `batch` of `predictions` (rows of {@link SSD_PREDICTION_WIDTH}) against `anchors`
 * (default: {@link ssdAnchors}): center = anchor center + (ty, tx)/10 · anchor size,
 * size = exp((th, tw)/5) · anchor size; score = sigmoid(logit 1). Values as face-api computes them.
 */
export function decodeSsd(predictions: Float32Array, anchors: Anchors = defaultAnchors(), batch = 0): DecodedDetections {
  const n = anchors.length / 4;
  const base = batch * n * SSD_PREDICTION_WIDTH;
  if (predictions.length < base + n * SSD_PREDICTION_WIDTH) throw new RangeError(`SSD predictions have ${predictions.length} values, expected ${n} anchors × ${SSD_PREDICTION_WIDTH} for image ${batch}`);
  const boxes = new Float32Array(n * 4);
  const scores = new Float32Array(n);
  for (let a = 0; a < n; a++) {
    const p = base + a * SSD_PREDICTION_WIDTH;
    const [ay0, ax0, ay1, ax1] = [anchors[a * 4] as number, anchors[a * 4 + 1] as number, anchors[a * 4 + 2] as number, anchors[a * 4 + 3] as number];
    const ah = ay1 - ay0;
    const aw = ax1 - ax0;
    const cy = ((predictions[p] as number) / SCALE_YX) * ah + (ay0 + ah / 2);
    const cx = ((predictions[p + 1] as number) / SCALE_YX) * aw + (ax0 + aw / 2);
    const hh = (Math.exp((predictions[p + 2] as number) / SCALE_HW) * ah) / 2;
    const hw = (Math.exp((predictions[p + 3] as number) / SCALE_HW) * aw) / 2;
    boxes[a * 4] = cy - hh;
    boxes[a * 4 + 1] = cx - hw;
    boxes[a * 4 + 2] = cy + hh;
    boxes[a * 4 + 3] = cx + hw;
    scores[a] = 1 / (1 + Math.exp(-(predictions[p + 5] as number)));
  }
  return { boxes, scores };
}

let cachedAnchors: Anchors | undefined;
function defaultAnchors(): Anchors {
  cachedAnchors ??= ssdAnchors();
  return cachedAnchors;
}

/** IoU of boxes i and j of a [ymin, xmin, ymax, xmax] table, corners in any order (0 when either is empty), as face-api computes it. */
export function boxTableIou(boxes: Float32Array, i: number, j: number): number {
  const c = (k: number, o: number): number => boxes[k * 4 + o] as number;
  const [ay0, ax0, ay1, ax1] = [Math.min(c(i, 0), c(i, 2)), Math.min(c(i, 1), c(i, 3)), Math.max(c(i, 0), c(i, 2)), Math.max(c(i, 1), c(i, 3))];
  const [by0, bx0, by1, bx1] = [Math.min(c(j, 0), c(j, 2)), Math.min(c(j, 1), c(j, 3)), Math.max(c(j, 0), c(j, 2)), Math.max(c(j, 1), c(j, 3))];
  const areaA = (ay1 - ay0) * (ax1 - ax0);
  const areaB = (by1 - by0) * (bx1 - bx0);
  if (areaA <= 0 || areaB <= 0) return 0;
  const inter = Math.max(0, Math.min(ay1, by1) - Math.max(ay0, by0)) * Math.max(0, Math.min(ax1, bx1) - Math.max(ax0, bx0));
  return inter / (areaA + areaB - inter);
}

/** Options of {@link nonMaxSuppression} and {@link detectFaces}, with face-api's defaults. */
export interface FaceDetectOptions {
  /** Keep boxes whose score is strictly above this. Default 0.5 (face-api `minConfidence`). */
  readonly minScore?: number;
  /** A box is suppressed by a kept box it overlaps with IoU strictly above this. Default 0.5. */
  readonly iouThreshold?: number;
  /** Most boxes kept. Default 100 (face-api `maxResults`). */
  readonly maxResults?: number;
}

/**
 * Greedy NMS: candidates above `minScore` by descending score (ties by index); each is kept
 * unless a kept box overlaps it with IoU > `iouThreshold`. Returns kept indices, best first.
 */
export function nonMaxSuppression(boxes: Float32Array, scores: Float32Array, options: FaceDetectOptions = {}): number[] {
  const minScore = options.minScore ?? 0.5;
  const iouThreshold = options.iouThreshold ?? 0.5;
  const maxResults = Math.min(options.maxResults ?? 100, scores.length);
  const candidates: number[] = [];
  for (let i = 0; i < scores.length; i++) if ((scores[i] as number) > minScore) candidates.push(i);
  candidates.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  const kept: number[] = [];
  for (const c of candidates) {
    if (kept.length >= maxResults) break;
    if (kept.every((k) => boxTableIou(boxes, c, k) <= iouThreshold)) kept.push(c);
  }
  return kept;
}

/**
 * Faces in image `batch` of the raw predictions: decode, NMS, and corners clipped to the image as
 * face-api's `locateFaces` does. Boxes are normalised to the model input (0..1: multiply by the
 * frame's width and height), best score first.
 */
export function detectFaces(predictions: Float32Array, options: FaceDetectOptions = {}, batch = 0, anchors?: Anchors): Box[] {
  const { boxes, scores } = decodeSsd(predictions, anchors, batch);
  return nonMaxSuppression(boxes, scores, options).map((i) => ({
    y0: Math.max(0, boxes[i * 4] as number),
    x0: Math.max(0, boxes[i * 4 + 1] as number),
    y1: Math.min(1, boxes[i * 4 + 2] as number),
    x1: Math.min(1, boxes[i * 4 + 3] as number),
    score: scores[i] as number,
  }));
}

/** The calibration accuracy drop of face detection: 1 − F1 of boxes matched at IoU ≥ 0.5 against the unsplit model's. */
export function faceDetectionDrop(reference: readonly Box[], got: readonly Box[]): number {
  return 1 - boxF1(reference, got, 0.5);
}
