// The `jalad model` commands end to end: real binary, real models, real onnxruntime.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ort from "onnxruntime-node";
import { afterAll, describe, expect, test } from "vitest";
import { GraphBuilder } from "../../model/builder.js";
import { writeExternalDataModel } from "../fixtures/external.js";
import { unetNet } from "../fixtures/models.js";
import { expectUsageError, jalad } from "../helpers/cli.js";
import { bundled } from "../helpers/models.js";
import { maxAbsDiff, runOnce } from "../helpers/ort.js";

const tmp = mkdtempSync(join(tmpdir(), "jalad-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface CutJson { id: number; kind: string; boundary: number; tensors: { name: string; shape: number[] }[]; bytes: number; edgeFlops: number; cloudFlops: number }


describe("jalad model", () => {
  test("--help lists every command", async () => {
    const r = await jalad(["--help"]);
    expect(r.code).toBe(0);
    for (const c of ["model inspect", "model split", "codec info", "codec roundtrip", "calibrate", "profile", "profile merge", "plan", "report profile"]) {
      expect(r.stdout, c).toContain(`jalad ${c} `);
    }
    const m = await jalad(["model", "--help"]);
    expect(m.stdout).toMatch(/inspect/);
    expect(m.stdout).toMatch(/split/);
  });

  test("inspect ppocr-det --json lists refined cuts that beat the prefix cut at the same place", async () => {
    const r = await jalad(["model", "inspect", bundled("ppocr-det"), "--input-shape", "1x3x640x640", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const cuts = JSON.parse(r.stdout) as CutJson[];
    expect(cuts[0]).toMatchObject({ id: 0, kind: "cloud-only", tensors: [{ name: "x", shape: [1, 3, 640, 640] }], bytes: 4915200, edgeFlops: 0 });
    expect(cuts.at(-1)).toMatchObject({ kind: "edge-only", cloudFlops: 0, tensors: [{ name: "sigmoid_0.tmp_0", shape: [1, 1, 640, 640] }] });
    const prefix = new Map(cuts.filter((c) => c.kind === "prefix").map((c) => [c.boundary, c.bytes]));
    const better = cuts.filter((c) => c.kind === "refined" && c.bytes < (prefix.get(c.boundary) ?? Infinity));
    expect(better.length).toBeGreaterThan(0);
    // The stage-3 case: a 48-channel map replaced by the 12-channel output of its lateral 1×1 conv halves the bytes.
    expect(better.some((c) => c.bytes * 2 <= (prefix.get(c.boundary) ?? 0) && c.tensors.some((t) => t.shape[1] === 12))).toBe(true);
    for (const c of cuts) expect(c.tensors.length <= 4 || c.kind === "cloud-only" || c.kind === "edge-only").toBe(true);
  });

  test("inspect prints a human table by default, and --max-crossing narrows it", async () => {
    const r = await jalad(["model", "inspect", "ppocr-cls"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/cloud-only/);
    expect(r.stdout).toMatch(/edge-only/);
    expect(r.stdout).toMatch(/bytes\/frame/);
    const one = JSON.parse((await jalad(["model", "inspect", "ppocr-cls", "--max-crossing", "1", "--json"])).stdout) as CutJson[];
    const four = JSON.parse((await jalad(["model", "inspect", "ppocr-cls", "--json"])).stdout) as CutJson[];
    expect(one.length).toBeLessThan(four.length);
    expect(one.slice(1, -1).every((c) => c.tensors.length === 1)).toBe(true);
  });

  test("split writes front.onnx, back.onnx and split.json that compose to the full model", async () => {
    const model = join(tmp, "unet.onnx");
    writeFileSync(model, unetNet());
    const cuts = JSON.parse((await jalad(["model", "inspect", model, "--json"])).stdout) as CutJson[];
    const id = cuts.find((c) => c.tensors.length >= 2)!.id; // a cut the long skip crosses
    const out = join(tmp, "unet-split");
    const r = await jalad(["model", "split", model, "--cut", String(id), "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, "split.json"), "utf8")) as { model: { sha256: string }; cut: { id: number }; crossing: { name: string; shape: number[] }[]; inputs: string[]; outputs: string[] };
    expect(manifest.cut.id).toBe(id);
    expect(manifest.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.crossing.map((t) => t.name)).toEqual(cuts[id]!.tensors.map((t) => t.name));
    expect(manifest.inputs).toEqual(["image"]);
    expect(manifest.outputs).toEqual(["mask"]);
    const x = new ort.Tensor("float32", Float32Array.from({ length: 2 * 3 * 32 * 32 }, (_, i) => Math.sin(i / 7)), [2, 3, 32, 32]);
    const full = await runOnce(readFileSync(model), { image: x });
    const mid = await runOnce(readFileSync(join(out, "front.onnx")), { image: x });
    expect(Object.keys(mid).sort()).toEqual(manifest.crossing.map((t) => t.name).sort());
    const back = await runOnce(readFileSync(join(out, "back.onnx")), mid);
    const { diff, magnitude } = maxAbsDiff(full.mask!, back.mask!);
    expect(diff).toBeLessThanOrEqual(1e-4 * magnitude);
  });

  test("a model with external data inspects and splits into standalone files", async () => {
    const model = writeExternalDataModel(join(tmp, "ext"));
    const out = join(tmp, "ext-split");
    const r = await jalad(["model", "split", model, "--cut", "1", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    rmSync(join(tmp, "ext", "weights.bin")); // the segments must not need it
    const x = new ort.Tensor("float32", Float32Array.from([1, -2, 3, 0.5, 0, 1, 2, 3]), [2, 4]);
    const mid = await runOnce(readFileSync(join(out, "front.onnx")), { x });
    const y = (await runOnce(readFileSync(join(out, "back.onnx")), mid)).y!;
    expect(y.dims).toEqual([2, 3]);
    expect((y.data as Float32Array)[0]).toBeCloseTo(Math.max(0, 1 * 0.5 + -2 * 1 + 3 * -2 + 0.5 * 1.5), 5);
  });

  describe("bad input: exit 2 and one line naming the problem", () => {
    test("a file that is not ONNX", async () => {
      const f = join(tmp, "photo.onnx");
      writeFileSync(f, Buffer.from("ffd8ffe000104a46494600010100000100010000ffdb0043000806060706050806", "hex"));
      expectUsageError(await jalad(["model", "inspect", f]), /photo\.onnx.*(NOT_ONNX|TRUNCATED)|(NOT_ONNX|TRUNCATED).*photo\.onnx/);
    });
    test("a truncated model", async () => {
      const f = join(tmp, "cut.onnx");
      writeFileSync(f, readFileSync(bundled("ppocr-det")).subarray(0, 1_000_000));
      expectUsageError(await jalad(["model", "inspect", f]), /TRUNCATED.*cut\.onnx.*declares \d+ bytes but only \d+ remain/);
    });
    test("missing external data", async () => {
      const model = writeExternalDataModel(join(tmp, "ext-missing"));
      rmSync(join(tmp, "ext-missing", "weights.bin"));
      expectUsageError(await jalad(["model", "inspect", model]), /MISSING_EXTERNAL_DATA.*"W".*weights\.bin/);
    });
    test("an opset onnxruntime cannot run", async () => {
      const b = new GraphBuilder({ opset: 99 });
      b.op("Relu", [b.input("x", [1, 2])], {}, "y");
      b.output("y");
      const f = join(tmp, "opset99.onnx");
      writeFileSync(f, b.build());
      expectUsageError(await jalad(["model", "inspect", f]), /UNSUPPORTED_OPSET.*opset 99/);
    });
    test("an absent file", async () => {
      expectUsageError(await jalad(["model", "inspect", join(tmp, "absent.onnx")]), /UNREADABLE.*absent\.onnx.*ENOENT/);
    });
    test("an unknown cut id", async () => {
      expectUsageError(await jalad(["model", "split", "ppocr-cls", "--cut", "99999", "--out", join(tmp, "x")]), /unknown cut id 99999: this model has cuts 0\.\.\d+/);
    });
    test("bad arguments", async () => {
      expectUsageError(await jalad(["model", "inspect", "ppocr-cls", "--max-crossing", "lots"]), /--max-crossing expects an integer/);
      expectUsageError(await jalad(["model", "split", "ppocr-cls", "--cut", "1"]), /required option '--out <dir>'/);
      expectUsageError(await jalad(["model", "inspect"]), /missing required argument 'model'/);
      expectUsageError(await jalad(["model", "frobnicate"]), /unknown command 'frobnicate'/);
      expectUsageError(await jalad(["model", "inspect", "ppocr-cls", "--input-shape", "1x3xwide"]), /bad input shape "1x3xwide"/);
      expectUsageError(await jalad(["model", "inspect", "ppocr-cls", "--input-shape", "1x4x48x192"]), /dim 1 is fixed at 3/);
    });
    test("an input shape the model cannot run", async () => {
      expectUsageError(await jalad(["model", "inspect", "ppocr-det", "--input-shape", "1x3x7x5"]), /does not run at input shape x=1x3x7x5/);
    });
  });
});
