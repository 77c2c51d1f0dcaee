/**
 * Task adapters: what a model's outputs mean, so that accuracy can be measured as agreement
 * with the unsplit model on the user's own frames (no labels needed), or against labels.
 */
import { detectFaces } from "./face-detection.js";
import { type Gallery, compareEmbeddings } from "./face-embedding.js";
import { FACE_GALLERY } from "./face-gallery.js";
import { cosineSimilarity, top1Agreement, argmax } from "./generic.js";
import { type Box, boxF1, detectBoxes } from "./text-detection.js";
import { ctcGreedy, ctcText, sequenceAgreement } from "./text-recognition.js";

/** A model output: values and dims. */
export interface OutputTensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/** The tasks jalad knows. */
export const TASK_NAMES = ["classification", "text-detection", "text-recognition", "face-detection", "face-embedding", "generic"] as const;
/** One of {@link TASK_NAMES}. */
export type TaskName = (typeof TASK_NAMES)[number];

/** Interprets outputs and compares interpretations. `P` is the task's prediction. */
export interface TaskAdapter<P = unknown> {
  readonly name: TaskName;
  /** The prediction from the first output (e.g. boxes, a class, a string). */
  predict(output: OutputTensor): P;
  /** Agreement in [0, 1] between a reference prediction and another (1 = identical). */
  agreement(reference: P, got: P): number;
  /** Agreement in [0, 1] with a label, when the task has labels (class index, text, boxes). */
  labelAgreement?(got: P, label: unknown): number;
  /** The result an edge-only plan sends, as it would go on the wire. */
  result(p: P): unknown;
}

const classification: TaskAdapter<{ scores: Float32Array; classes: number }> = {
  name: "classification",
  predict: (o) => ({ scores: o.data, classes: o.dims.at(-1) ?? o.data.length }),
  agreement: (r, g) => top1Agreement(r.scores, g.scores, r.classes),
  labelAgreement: (g, label) => (argmax(g.scores, 0, g.classes) === Number(label) ? 1 : 0),
  result: (p) => ({ class: argmax(p.scores, 0, p.classes), score: Math.max(...p.scores.subarray(0, p.classes)) }),
};

const textDetection: TaskAdapter<Box[]> = {
  name: "text-detection",
  predict: (o) => detectBoxes(o.data, o.dims.at(-1) ?? 0, o.dims.at(-2) ?? 0),
  agreement: (r, g) => boxF1(r, g),
  labelAgreement: (g, label) => boxF1(label as Box[], g),
  result: (boxes) => boxes.map((b) => [b.x0, b.y0, b.x1, b.y1, Math.round(b.score * 1000) / 1000]),
};

const textRecognition: TaskAdapter<number[]> = {
  name: "text-recognition",
  predict: (o) => ctcGreedy(o.data, o.dims.at(-2) ?? 0, o.dims.at(-1) ?? 0),
  agreement: (r, g) => sequenceAgreement(r, g),
  result: (seq) => seq,
};

const round4 = (v: number): number => Math.round(v * 10000) / 10000;

/** face-api SSD: boxes after decoding, score > 0.5 and NMS, normalised to the frame; agreement = F1 at IoU ≥ 0.5. */
const faceDetection: TaskAdapter<Box[]> = {
  name: "face-detection",
  predict: (o) => detectFaces(o.data),
  agreement: (r, g) => boxF1(r, g),
  labelAgreement: (g, label) => boxF1(label as Box[], g),
  result: (boxes) => boxes.map((b) => [round4(b.x0), round4(b.y0), round4(b.x1), round4(b.y1), Math.round(b.score * 1000) / 1000]),
};

/**
 * A face-embedding adapter comparing descriptors against `gallery`: agreement = 1 − (fraction
 * of faces whose nearest identity changes + 1 − mean cosine similarity), clamped to [0, 1].
 */
export function faceEmbeddingAdapter(gallery: Gallery): TaskAdapter<Float32Array> {
  return {
    name: "face-embedding",
    predict: (o) => o.data,
    agreement: (r, g) => 1 - compareEmbeddings(r, g, gallery).accuracyDrop,
    result: (p) => Array.from(p, (v) => Math.round(v * 1e5) / 1e5),
  };
}

const faceEmbedding = faceEmbeddingAdapter(FACE_GALLERY);

const generic: TaskAdapter<Float32Array> = {
  name: "generic",
  predict: (o) => o.data,
  agreement: (r, g) => Math.max(0, cosineSimilarity(r, g)),
  result: (p) => Array.from(p.subarray(0, 64)),
};

/** The adapter for a task name. */
export function taskAdapter(name: TaskName): TaskAdapter {
  switch (name) {
    case "classification": return classification;
    case "text-detection": return textDetection;
    case "text-recognition": return textRecognition;
    case "face-detection": return faceDetection;
    case "face-embedding": return faceEmbedding;
    case "generic": return generic;
  }
}

/** Text of a recognition prediction with a PaddleOCR key list (for display). */
export function recognitionText(seq: readonly number[], keys: readonly string[]): string {
  return ctcText(seq, keys);
}
