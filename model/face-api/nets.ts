/**
 * The face-api networks jalad imports (pure data): weight manifest names, input sizes,
 * preprocessing, and the name and description of the generated ONNX file.
 */
import type { NormalizeSpec } from "../preprocess.js";

/** face-api's SSD-MobileNetV1 preprocessing: RGB, (pixel / 127.5) − 1. */
export const FACE_SSD_NORMALIZE: NormalizeSpec = { channelOrder: "rgb", scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };

/** face-api's face recognition preprocessing: RGB, (pixel − [122.782, 117.001, 104.298]) / 255. */
export const FACE_EMBED_NORMALIZE: NormalizeSpec = { channelOrder: "rgb", scale: 1 / 255, mean: [122.782 / 255, 117.001 / 255, 104.298 / 255], std: [1, 1, 1] };

/** What jalad needs to know about one importable face-api network. */
export interface FaceApiNetInfo {
  /** Name of the tfjs weights manifest in the package's `model/` folder. */
  readonly manifest: string;
  /** Catalog name of the imported model (`jalad model inspect face-ssd`). */
  readonly catalogName: string;
  /** Stable file name of the generated ONNX model. */
  readonly fileName: string;
  /** Square input side in pixels. */
  readonly inputSize: number;
  readonly inputName: string;
  readonly outputName: string;
  readonly normalize: NormalizeSpec;
  /** One line: what the model is. */
  readonly description: string;
  /** How to prepare an image, as recorded in the model's metadata. */
  readonly preprocessing: string;
  /** What the output holds, as recorded in the model's metadata. */
  readonly outputs: string;
}

/** The importable networks, by `--net` name. */
export const FACE_API_NETS = {
  "ssd-mobilenetv1": {
    manifest: "ssd_mobilenetv1_model-weights_manifest.json",
    catalogName: "face-ssd",
    fileName: "face-ssd.onnx",
    inputSize: 512,
    inputName: "image",
    outputName: "predictions",
    normalize: FACE_SSD_NORMALIZE,
    description: "face-api SSD-MobileNetV1 face detector (ReLU6), 512×512 input, 5118 anchors",
    preprocessing: "image [N,3,512,512] float32 NCHW, RGB, value = pixel/127.5 - 1. face-api pads the image to a square (zeros at the bottom/right) and resizes it bilinearly to 512x512.",
    outputs: "predictions [N,5118,7] float32: per anchor (face-api order: cell row, cell column, anchor) the raw box encoding ty,tx,th,tw (TF box coder, scales 10,10,5,5) and 3 raw class logits; face score = sigmoid(logit 1). Decode and NMS as in jalad tasks/face-detection.ts.",
  },
  "face-recognition": {
    manifest: "face_recognition_model-weights_manifest.json",
    catalogName: "face-embed",
    fileName: "face-embed.onnx",
    inputSize: 150,
    inputName: "image",
    outputName: "descriptor",
    normalize: FACE_EMBED_NORMALIZE,
    description: "face-api face recognition net (dlib-style ResNet-34, ReLU), 150×150 face crops, 128-d descriptor",
    preprocessing: "image [N,3,150,150] float32 NCHW, RGB, value = (pixel - [122.782,117.001,104.298]) / 255. face-api pads the face crop to a square (centred) and resizes it bilinearly to 150x150.",
    outputs: "descriptor [N,128] float32: face-api compares descriptors by Euclidean distance (< 0.6: same person).",
  },
} as const satisfies Record<string, FaceApiNetInfo>;

/** A `--net` name. */
export type FaceApiNet = keyof typeof FACE_API_NETS;

/** The `--net` names, in order. */
export const FACE_API_NET_NAMES = Object.keys(FACE_API_NETS) as FaceApiNet[];

/** Version of the importer: bump when the generated graph changes, so cached files are rebuilt. */
export const FACE_API_IMPORTER_VERSION = 1;
