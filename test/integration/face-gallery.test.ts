// The default face gallery (tasks/face-gallery.ts) is reproducible: descriptors of the real face
// crops, computed now by the imported face-embed model, equal the committed ones.
// JALAD_WRITE_GALLERY=1 rewrites the file instead.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ort from "onnxruntime-node";
import { describe, expect, test } from "vitest";
import { FACE_API_NETS } from "../../model/face-api/nets.js";
import { rgbToTensor } from "../../model/preprocess.js";
import { FaceCropper } from "../../pipelines/face-crops.js";
import { FACE_GALLERY_ENTRIES } from "../../tasks/face-gallery.js";
import { cosineSimilarity } from "../../tasks/generic.js";
import { bundled } from "../helpers/models.js";
import { photo } from "../helpers/ort.js";

/** Identity name → photo (Debian packages, see .cache/photos/PROVENANCE.txt); the best face of each. */
const IDENTITIES: [string, string][] = [
  ["eileen-collins", "astronaut.png"],
  ["cameraman", "camera.png"],
  ["lionel-messi", "messi5.jpg"],
  ["grace-hopper", "grace_hopper.jpg"],
  ["chelsea-the-cat", "chelsea.png"],
];

const GALLERY_FILE = join(import.meta.dirname, "../../tasks/face-gallery.ts");

async function computeGallery(): Promise<{ name: string; source: string; descriptor: number[] }[]> {
  const info = FACE_API_NETS["face-recognition"];
  const cropper = await FaceCropper.open(bundled("face-ssd"));
  const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(bundled("face-embed"))), { intraOpNumThreads: 1, logSeverityLevel: 3 });
  try {
    const out: { name: string; source: string; descriptor: number[] }[] = [];
    for (const [name, file] of IDENTITIES) {
      const crop = (await cropper.crop(photo(file), { maxFaces: 1 }))[0];
      if (crop === undefined) throw new Error(`no face found in ${file}`);
      const s = info.inputSize;
      const d = (await session.run({ [info.inputName]: new ort.Tensor("float32", rgbToTensor(crop.rgb, s, s, info.normalize), [1, 3, s, s]) }))[info.outputName] as ort.Tensor;
      const box = crop.box.map((v) => Math.round(v)).join(",");
      out.push({ name, source: `${file} box ${box} score ${crop.score.toFixed(3)}`, descriptor: Array.from(d.data as Float32Array, (v) => Math.round(v * 1e6) / 1e6) });
    }
    return out;
  } finally {
    await cropper.close();
    await session.release();
  }
}

function galleryFile(entries: { name: string; source: string; descriptor: number[] }[]): string {
  const head = readFileSync(GALLERY_FILE, "utf8").split("export const FACE_GALLERY_ENTRIES")[0] as string;
  const rows = entries.map((e) => `  { name: ${JSON.stringify(e.name)}, source: ${JSON.stringify(e.source)}, descriptor: [${e.descriptor.join(", ")}] },`);
  return `${head}export const FACE_GALLERY_ENTRIES: ReadonlyArray<{ readonly name: string; readonly source: string; readonly descriptor: readonly number[] }> = [\n${rows.join("\n")}\n];\n\n/** {@link FACE_GALLERY_ENTRIES} as a gallery. */\nexport const FACE_GALLERY: Gallery = makeGallery(FACE_GALLERY_ENTRIES);\n`;
}

describe("default face gallery", () => {
  test("matches descriptors of the real face crops computed now", async () => {
    const now = await computeGallery();
    if (process.env.JALAD_WRITE_GALLERY === "1") {
      writeFileSync(GALLERY_FILE, galleryFile(now));
      return;
    }
    expect(FACE_GALLERY_ENTRIES.map((e) => e.name)).toEqual(now.map((e) => e.name));
    now.forEach((e, i) => {
      const committed = FACE_GALLERY_ENTRIES[i];
      expect(committed?.source).toBe(e.source);
      expect(cosineSimilarity(committed?.descriptor ?? [], e.descriptor), e.name).toBeGreaterThanOrEqual(0.9999);
    });
  });
});
