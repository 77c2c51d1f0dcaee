// `jalad model import face-api` end to end (real binary, real weights), its typed errors on broken
// weights, and the generated catalog models in `jalad model inspect`.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ort from "onnxruntime-node";
import { afterAll, describe, expect, test } from "vitest";
import { expectUsageError, jalad } from "../helpers/cli.js";
import { bundled } from "../helpers/models.js";

const require = createRequire(import.meta.url);
const MODEL_DIR = join(require.resolve("@vladmandic/face-api/dist/face-api.esm-nobundle.js"), "../../model");
const MANIFEST = "face_recognition_model-weights_manifest.json";
const SHARD = "face_recognition_model.bin";

const tmp = mkdtempSync(join(tmpdir(), "jalad-face-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the embedder's weights folder with `edit` applied. */
function brokenWeights(name: string, edit: (dir: string) => void): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(MODEL_DIR, MANIFEST), join(dir, MANIFEST));
  copyFileSync(join(MODEL_DIR, SHARD), join(dir, SHARD));
  edit(dir);
  return dir;
}

describe("jalad model import face-api", () => {
  test("writes a standalone ONNX model identical to the cached catalog one", async () => {
    const out = join(tmp, "embed.onnx");
    const r = await jalad(["model", "import", "face-api", "--net", "face-recognition", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/face-api face-recognition → .*embed\.onnx \(.*, sha256 [0-9a-f]{64}\)/);
    expect(r.stdout).toMatch(/input: {2}image \[N,3,150,150\]/);
    const bytes = readFileSync(out);
    expect(bytes.equals(readFileSync(bundled("face-embed")))).toBe(true);
    const s = await ort.InferenceSession.create(bytes);
    expect([s.inputNames, s.outputNames]).toEqual([["image"], ["descriptor"]]);
    await s.release();
  });

  test.each([
    ["a truncated shard", (d: string) => writeFileSync(join(d, SHARD), readFileSync(join(d, SHARD)).subarray(0, 1000)), /^jalad: SHARD_SIZE: group 0 \(face_recognition_model\.bin\): weight ".*" needs bytes/],
    ["a missing shard", (d: string) => rmSync(join(d, SHARD)), /^jalad: MISSING_SHARD: cannot read shard "face_recognition_model\.bin"/],
    ["a manifest that is not JSON", (d: string) => writeFileSync(join(d, MANIFEST), "[{"), /^jalad: BAD_MANIFEST: face_recognition_model-weights_manifest\.json: not valid JSON/],
    ["a bad weight shape", (d: string) => writeFileSync(join(d, MANIFEST), readFileSync(join(d, MANIFEST), "utf8").replace('"shape":[7,7,3,32]', '"shape":[7,7,"3",32]')), /^jalad: BAD_MANIFEST: .*\[0\]\.weights\[0\]\.shape/],
  ])("%s is one line with a code, exit status 2", async (name, edit, pattern) => {
    const dir = brokenWeights(name.replace(/\W+/g, "-"), edit);
    expectUsageError(await jalad(["model", "import", "face-api", "--net", "face-recognition", "--weights-dir", dir, "--out", join(tmp, "x.onnx")]), pattern);
  });

  test("unknown source or net", async () => {
    expectUsageError(await jalad(["model", "import", "keras", "--net", "face-recognition"]), /unknown import source "keras"/);
    expectUsageError(await jalad(["model", "import", "face-api", "--net", "tiny-yolo"]), /--net expects one of ssd-mobilenetv1, face-recognition/);
  });

  test("inspect face-ssd: the generated detector, cut at every listed point", async () => {
    const r = await jalad(["model", "inspect", "face-ssd", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const cuts = JSON.parse(r.stdout) as { kind: string; tensors: { name: string; shape: number[] }[] }[];
    expect(cuts[0]).toMatchObject({ kind: "cloud-only", tensors: [{ name: "image", shape: [1, 3, 512, 512] }] });
    expect(cuts.at(-1)).toMatchObject({ kind: "edge-only", tensors: [{ name: "predictions", shape: [1, 5118, 7] }] });
    expect(cuts.length).toBeGreaterThan(50);
  });
});
