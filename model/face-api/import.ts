/**
 * Imports a face-api network to a standalone ONNX model (pure): parsed manifest + shard bytes in,
 * ONNX bytes out, with a provenance note in `metadata_props`. Deterministic: the same weights give
 * the same bytes. File reading is the caller's (`services/face-api-weights.ts`).
 */
import { GraphBuilder } from "../builder.js";
import { type WeightMap, decodeWeights } from "./dequantize.js";
import { buildFaceRecognition, DESCRIPTOR_LENGTH } from "./face-recognition.js";
import { WeightReader } from "./layers.js";
import type { WeightsManifest } from "./manifest.js";
import { FACE_API_IMPORTER_VERSION, FACE_API_NETS, type FaceApiNet } from "./nets.js";
import { SSD_ANCHOR_COUNT, SSD_VALUES_PER_ANCHOR, buildSsdMobilenetv1 } from "./ssd-mobilenetv1.js";

/** Where the weights came from, recorded in the model's metadata. */
export interface FaceApiProvenance {
  /** Version of `@vladmandic/face-api` the weights were read from. */
  readonly packageVersion: string;
  /** sha256 (hex) of the manifest and of each shard, in manifest order: "file sha256". */
  readonly files: readonly { readonly file: string; readonly sha256: string }[];
}

/** ONNX opset of the generated models. */
export const FACE_API_OPSET = 13;

/** Builds the ONNX model of `net` from decoded weights. Throws `WeightsError` on missing or misshapen weights. */
export function buildFaceApiModel(net: FaceApiNet, weights: WeightMap, provenance: FaceApiProvenance): Uint8Array {
  const info = FACE_API_NETS[net];
  const b = new GraphBuilder({ name: info.catalogName, opset: FACE_API_OPSET, producer: "jalad model import face-api" });
  const reader = new WeightReader(weights, `face-api ${net}`);
  const input = b.input(info.inputName, ["N", 3, info.inputSize, info.inputSize]);
  if (net === "ssd-mobilenetv1") {
    buildSsdMobilenetv1(b, reader, input, info.outputName);
    b.output(info.outputName, ["N", SSD_ANCHOR_COUNT, SSD_VALUES_PER_ANCHOR]);
  } else {
    buildFaceRecognition(b, reader, input, info.outputName);
    b.output(info.outputName, ["N", DESCRIPTOR_LENGTH]);
  }
  b.meta("jalad.provenance", [
    `Imported by jalad (model/face-api, importer v${FACE_API_IMPORTER_VERSION}) from @vladmandic/face-api ${provenance.packageVersion} (MIT licence), model/${info.manifest} and its shards.`,
    "Weights: face-api.js by Vincent Mühler (MIT), converted from TensorFlow / dlib models; uint8-quantized, dequantized as value = q*scale + min.",
    ...provenance.files.map((f) => `sha256 ${f.sha256} ${f.file}`),
  ].join("\n"));
  b.meta("jalad.preprocessing", info.preprocessing);
  b.meta("jalad.outputs", info.outputs);
  b.meta("jalad.catalog_name", info.catalogName);
  return b.build();
}

/** Decodes the shards and builds the model: {@link decodeWeights} then {@link buildFaceApiModel}. */
export function importFaceApi(net: FaceApiNet, manifest: WeightsManifest, shard: (path: string) => Uint8Array, provenance: FaceApiProvenance): Uint8Array {
  return buildFaceApiModel(net, decodeWeights(manifest, shard), provenance);
}
