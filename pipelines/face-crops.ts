/**
 * Face crops with jalad's own imported face-api detector (`face-ssd`): detect faces in photos,
 * cut a square around each and resize it to the embedder's 150×150 input. Used to build real
 * face inputs for `face-embed` (tests, calibration frames) with their provenance.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, extname, join } from "node:path";
import ort from "onnxruntime-node";
import sharp from "sharp";
import { findCatalogEntry } from "../model/catalog.js";
import { FACE_API_NETS } from "../model/face-api/nets.js";
import { rgbToTensor } from "../model/preprocess.js";
import { catalogPath } from "../services/bundled-models.js";
import { openSession } from "../services/onnxruntime/session.js";
import { type FaceDetectOptions, detectFaces } from "../tasks/face-detection.js";
import type { Box } from "../tasks/text-detection.js";

/** A face found in a photo, and its square crop. */
export interface FaceCrop {
  /** Photo file name. */
  readonly source: string;
  /** Rank of the face in the photo (0 = best score). */
  readonly index: number;
  /** Detector score. */
  readonly score: number;
  /** Detected box in source pixels [x0, y0, x1, y1]. */
  readonly box: readonly [number, number, number, number];
  /** The square cut in source pixels (may extend past the photo: padded with black). */
  readonly square: { readonly left: number; readonly top: number; readonly side: number };
  /** `size`×`size` RGB pixels. */
  readonly rgb: Uint8Array;
  readonly size: number;
}

/** Options of {@link FaceCropper.crop}. */
export interface CropOptions extends FaceDetectOptions {
  /** Crop side in pixels. Default 150 (the embedder's input). */
  readonly size?: number;
  /** Square side as a multiple of the box's longer side. Default 1 (face-api crops the box itself, padded to a square). */
  readonly margin?: number;
  /** Most faces per photo. Default all. */
  readonly maxFaces?: number;
}

/** Decodes any image as RGB (grey and alpha images included). */
async function readRgb(path: string, resize?: number): Promise<{ data: Uint8Array; width: number; height: number }> {
  let img = sharp(path).removeAlpha().toColourspace("srgb");
  if (resize !== undefined) img = img.resize(resize, resize, { fit: "fill" });
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

/** Runs the imported detector on photos and cuts face crops. Call {@link FaceCropper.close} when done. */
export class FaceCropper {
  private constructor(
    private readonly session: ort.InferenceSession,
    /** Path of the detector model used. */
    readonly modelPath: string,
  ) {}

  /** Opens the detector (`face-ssd`, built on first use, unless a model path is given). */
  static async open(modelPath?: string): Promise<FaceCropper> {
    const entry = findCatalogEntry("face-ssd");
    const path = modelPath ?? (entry !== undefined ? catalogPath(entry) : undefined);
    if (path === undefined) throw new Error("face-ssd cannot be built: is @vladmandic/face-api installed?");
    return new FaceCropper(await openSession(new Uint8Array(readFileSync(path)), path, { threads: 1 }), path);
  }

  /** Faces in a photo, boxes normalised to the photo (the photo is stretched to 512×512 as jalad's frames are). */
  async detect(path: string, options: FaceDetectOptions = {}): Promise<Box[]> {
    const side = FACE_API_NETS["ssd-mobilenetv1"].inputSize;
    const img = await readRgb(path, side);
    const x = new ort.Tensor("float32", rgbToTensor(img.data, side, side, FACE_API_NETS["ssd-mobilenetv1"].normalize), [1, 3, side, side]);
    const out = await this.session.run({ [FACE_API_NETS["ssd-mobilenetv1"].inputName]: x });
    return detectFaces((out[FACE_API_NETS["ssd-mobilenetv1"].outputName] as ort.Tensor).data as Float32Array, options);
  }

  /** Square crops of the faces in a photo, best score first. */
  async crop(path: string, options: CropOptions = {}): Promise<FaceCrop[]> {
    const size = options.size ?? FACE_API_NETS["face-recognition"].inputSize;
    const faces = (await this.detect(path, options)).slice(0, options.maxFaces ?? Infinity);
    const meta = await sharp(path).metadata();
    const [w, h] = [meta.width ?? 0, meta.height ?? 0];
    const out: FaceCrop[] = [];
    for (const [index, f] of faces.entries()) {
      const box: [number, number, number, number] = [f.x0 * w, f.y0 * h, f.x1 * w, f.y1 * h];
      const side = Math.max(1, Math.round(Math.max(box[2] - box[0], box[3] - box[1]) * (options.margin ?? 1)));
      const left = Math.round((box[0] + box[2]) / 2 - side / 2);
      const top = Math.round((box[1] + box[3]) / 2 - side / 2);
      // The part inside the photo, then black padding for the rest of the square.
      const ix = Math.max(0, left);
      const iy = Math.max(0, top);
      const iw = Math.min(w, left + side) - ix;
      const ih = Math.min(h, top + side) - iy;
      if (iw <= 0 || ih <= 0) continue;
      // sharp resizes before it extends within one pipeline: pad to the square first, then resize.
      const square = await sharp(path).removeAlpha().toColourspace("srgb")
        .extract({ left: ix, top: iy, width: iw, height: ih })
        .extend({ left: ix - left, top: iy - top, right: left + side - (ix + iw), bottom: top + side - (iy + ih), background: { r: 0, g: 0, b: 0 } })
        .raw().toBuffer();
      const { data } = await sharp(square, { raw: { width: side, height: side, channels: 3 } }).resize(size, size, { fit: "fill" }).raw().toBuffer({ resolveWithObject: true });
      out.push({ source: basename(path), index, score: f.score, box, square: { left, top, side }, rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), size });
    }
    return out;
  }

  /** Releases the detector session. */
  async close(): Promise<void> {
    await this.session.release();
  }
}

/**
 * Crops every face of `photos` into `outDir` as `<photo>-<rank>.png` and writes
 * `outDir/PROVENANCE.txt` (source photo, box, score, detector). Returns the crops.
 */
export async function writeFaceCrops(photos: readonly string[], outDir: string, options: CropOptions = {}): Promise<FaceCrop[]> {
  const cropper = await FaceCropper.open();
  try {
    mkdirSync(outDir, { recursive: true });
    const all: FaceCrop[] = [];
    const lines = [
      `Face crops made by jalad's imported face-api detector (${basename(cropper.modelPath)}, score > ${options.minScore ?? 0.5}, NMS IoU ${options.iouThreshold ?? 0.5}):`,
      `each detected box squared around its centre (side = ${options.margin ?? 1} x its longer side, black outside the photo) and resized to ${options.size ?? 150}x${options.size ?? 150}.`,
      "Source photos: see the PROVENANCE.txt of the photos folder.",
      "file\tsource\tscore\tbox x0,y0,x1,y1 (source pixels)",
    ];
    for (const p of photos) {
      for (const c of await cropper.crop(p, options)) {
        const file = `${basename(p, extname(p))}-${c.index}.png`;
        await sharp(c.rgb, { raw: { width: c.size, height: c.size, channels: 3 } }).png().toFile(join(outDir, file));
        lines.push(`${file}\t${c.source}\t${c.score.toFixed(3)}\t${c.box.map((v) => Math.round(v)).join(",")}`);
        all.push(c);
      }
    }
    writeFileSync(join(outDir, "PROVENANCE.txt"), `${lines.join("\n")}\n`);
    return all;
  } finally {
    await cropper.close();
  }
}
