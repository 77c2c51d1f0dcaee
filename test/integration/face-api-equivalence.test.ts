// The imported face-api models against face-api's own inference (tfjs, loaded without
// tfjs-node: see test/helpers/face-api-ref.ts) on the same input pixels of real photos:
// - detector: the raw box encodings and class logits (face-api's tensors before its output
//   layer) within 1e-3, the decoded boxes and scores within 1e-3, and the same faces after NMS;
// - embedder: descriptors of real face crops with cosine similarity ≥ 0.9999.
// The reference runs on tfjs's WASM backend by default; JALAD_FACE_API_BACKEND=cpu runs it on the
// pure-JS CPU backend instead (the same check, about 15 s per detector image).
// JALAD_FACE_API_REPORT=<file.json> writes the measured differences there.
import { readFileSync, writeFileSync } from "node:fs";
import ort from "onnxruntime-node";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FACE_API_NETS } from "../../model/face-api/nets.js";
import { rgbToTensor } from "../../model/preprocess.js";
import { FaceCropper } from "../../pipelines/face-crops.js";
import { decodeSsd, detectFaces } from "../../tasks/face-detection.js";
import { cosineSimilarity } from "../../tasks/generic.js";
import { type FaceApi, REFERENCE_BACKEND, type TfTensor, captureConcats, loadFaceApi, loadNetWeights } from "../helpers/face-api-ref.js";
import { bundled } from "../helpers/models.js";
import { photo } from "../helpers/ort.js";

const SSD = FACE_API_NETS["ssd-mobilenetv1"];
const EMBED = FACE_API_NETS["face-recognition"];
/** Real photos (Debian packages, see .cache/photos/PROVENANCE.txt): five with a face, one without. */
const DETECTOR_PHOTOS = ["astronaut.png", "camera.png", "messi5.jpg", "grace_hopper.jpg", "chelsea.png", "coffee.png"];
/** Photos whose best face is cropped for the embedder. */
const FACE_PHOTOS = ["astronaut.png", "camera.png", "messi5.jpg", "grace_hopper.jpg", "chelsea.png"];

let fa: FaceApi;
let ssd: ort.InferenceSession;
let embed: ort.InferenceSession;

beforeAll(async () => {
  fa = await loadFaceApi();
  loadNetWeights(fa, fa.nets.ssdMobilenetv1, SSD.manifest);
  loadNetWeights(fa, fa.nets.faceRecognitionNet, EMBED.manifest);
  const opts = { intraOpNumThreads: 1, logSeverityLevel: 3 } as const;
  ssd = await ort.InferenceSession.create(new Uint8Array(readFileSync(bundled("face-ssd"))), opts);
  embed = await ort.InferenceSession.create(new Uint8Array(readFileSync(bundled("face-embed"))), opts);
});

/** Measured differences per image, for JALAD_FACE_API_REPORT. */
const report: Record<string, Record<string, number>> = {};

afterAll(async () => {
  await ssd.release();
  await embed.release();
  const out = process.env.JALAD_FACE_API_REPORT;
  if (out !== undefined && out !== "") writeFileSync(out, `${JSON.stringify({ backend: REFERENCE_BACKEND, report }, null, 1)}\n`);
});

/** A photo as size×size RGB pixels (stretched, grey photos expanded to RGB). */
async function pixels(name: string, size: number): Promise<Uint8Array> {
  const b = await sharp(photo(name)).removeAlpha().toColourspace("srgb").resize(size, size, { fit: "fill" }).raw().toBuffer();
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe(`face-api SSD-MobileNetV1: imported ONNX vs face-api (tfjs ${REFERENCE_BACKEND})`, () => {
  for (const name of DETECTOR_PHOTOS) {
    test(`${name}: raw box and score tensors within 1e-3, same faces`, async () => {
      const rgb = await pixels(name, SSD.inputSize);
      const x = fa.tf.tensor4d(Int32Array.from(rgb), [1, SSD.inputSize, SSD.inputSize, 3], "int32");
      const input = await fa.toNetInput(x);
      const { result, concats } = captureConcats(fa, () => fa.nets.ssdMobilenetv1.forwardInput(input));
      const refBoxes = (result.boxes[0] as TfTensor).dataSync();
      const refScores = (result.scores[0] as TfTensor).dataSync();
      const refEnc = concats.find((c) => c.shape.join() === "1,5118,1,4");
      const refLogits = concats.find((c) => c.shape.join() === "1,5118,3");
      expect(refEnc && refLogits, `face-api's raw concatenations (${concats.map((c) => c.shape.join("x")).join(", ")})`).toBeTruthy();
      const refFaces = await fa.nets.ssdMobilenetv1.locateFaces(input);
      for (const t of [...result.boxes, ...result.scores, x]) t.dispose();

      const feeds = { [SSD.inputName]: new ort.Tensor("float32", rgbToTensor(rgb, SSD.inputSize, SSD.inputSize, SSD.normalize), [1, 3, SSD.inputSize, SSD.inputSize]) };
      const pred = (await ssd.run(feeds))[SSD.outputName] as ort.Tensor;
      expect(pred.dims).toEqual([1, 5118, 7]);
      const p = pred.data as Float32Array;
      const enc = new Float32Array(5118 * 4);
      const logits = new Float32Array(5118 * 3);
      for (let a = 0; a < 5118; a++) {
        enc.set(p.subarray(a * 7, a * 7 + 4), a * 4);
        logits.set(p.subarray(a * 7 + 4, a * 7 + 7), a * 3);
      }
      const dec = decodeSsd(p);
      const diffs = {
        boxEncoding: maxAbs(enc, (refEnc as { data: Float32Array }).data),
        classLogits: maxAbs(logits, (refLogits as { data: Float32Array }).data),
        decodedBoxes: maxAbs(dec.boxes, refBoxes),
        scores: maxAbs(dec.scores, refScores),
      };
      report[`ssd ${name}`] = { ...diffs, faces: refFaces.length };
      for (const [k, v] of Object.entries(diffs)) expect(v, k).toBeLessThan(1e-3);

      // face-api's locateFaces (score > 0.5, NMS 0.5) against ours, in input pixels.
      const ours = detectFaces(p);
      expect(ours.length).toBe(refFaces.length);
      refFaces.forEach((f, i) => {
        const o = ours[i];
        expect(o).toBeDefined();
        if (o === undefined) return;
        expect(Math.abs(o.score - f.score)).toBeLessThan(1e-3);
        const s = SSD.inputSize;
        expect(maxAbs([o.x0 * s, o.y0 * s, o.x1 * s, o.y1 * s], [f.box.x, f.box.y, f.box.x + f.box.width, f.box.y + f.box.height])).toBeLessThan(0.5);
      });
      if (name !== "coffee.png") expect(ours.length).toBeGreaterThan(0);
    });
  }
});

describe(`face-api face recognition: imported ONNX vs face-api (tfjs ${REFERENCE_BACKEND})`, () => {
  const crops: { name: string; rgb: Uint8Array }[] = [];
  beforeAll(async () => {
    const cropper = await FaceCropper.open(bundled("face-ssd"));
    try {
      for (const name of FACE_PHOTOS) {
        const c = (await cropper.crop(photo(name), { maxFaces: 1 }))[0];
        if (c !== undefined) crops.push({ name, rgb: c.rgb });
      }
    } finally {
      await cropper.close();
    }
  });

  test("the detector finds a face in each face photo", () => {
    expect(crops.map((c) => c.name)).toEqual(FACE_PHOTOS);
  });

  for (const name of FACE_PHOTOS) {
    test(`${name} face crop: descriptor cosine ≥ 0.9999`, async () => {
      const crop = crops.find((c) => c.name === name);
      expect(crop).toBeDefined();
      if (crop === undefined) return;
      const s = EMBED.inputSize;
      const x = fa.tf.tensor4d(Int32Array.from(crop.rgb), [1, s, s, 3], "int32");
      const ref = Float32Array.from((await fa.nets.faceRecognitionNet.computeFaceDescriptor(x)) as Float32Array);
      x.dispose();
      const out = (await embed.run({ [EMBED.inputName]: new ort.Tensor("float32", rgbToTensor(crop.rgb, s, s, EMBED.normalize), [1, 3, s, s]) }))[EMBED.outputName] as ort.Tensor;
      expect(out.dims).toEqual([1, 128]);
      const got = out.data as Float32Array;
      report[`embed ${name}`] = { cosine: cosineSimilarity(ref, got), maxAbs: maxAbs(ref, got) };
      expect(cosineSimilarity(ref, got)).toBeGreaterThanOrEqual(0.9999);
      expect(maxAbs(ref, got)).toBeLessThan(1e-3);
    });
  }
});
