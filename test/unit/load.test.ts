import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { GraphBuilder } from "../../model/builder.js";
import { ModelError, type ModelErrorCode } from "../../model/errors.js";
import { loadModel } from "../../model/load.js";
import { decodeModel } from "../../model/onnx.js";
import { encodeGraph, encodeModel } from "../../model/onnx-write.js";
import { EXTERNAL_WEIGHTS, writeExternalDataModel } from "../fixtures/external.js";
import { residualNet } from "../fixtures/models.js";
import { bundled } from "../helpers/models.js";

const tmp = mkdtempSync(join(tmpdir(), "jalad-load-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function codeOf(fn: () => unknown): ModelErrorCode | "no error" | "other" {
  try {
    fn();
    return "no error";
  } catch (e) {
    return e instanceof ModelError ? e.code : "other";
  }
}

describe("loadModel", () => {
  test("decodes a real PP-OCR model from a path and from bytes with the same identity", () => {
    const path = bundled("ppocr-cls");
    const a = loadModel(path);
    const b = loadModel(readFileSync(path));
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(b.sha256).toBe(a.sha256);
    expect(a.model.opsetImports).toEqual([{ domain: "", version: 9 }]);
    expect(a.model.graph.inputs.map((v) => v.name)).toEqual(["x"]);
    expect(a.model.graph.nodes.length).toBe(b.model.graph.nodes.length);
  });

  test("re-encoding a decoded model from its raw parts is byte-identical in content", () => {
    const bytes = residualNet();
    const m = decodeModel(bytes);
    const g = m.graph;
    const again = encodeModel(m.otherFields, encodeGraph({ name: g.name, nodes: g.nodes.map((n) => n.raw), initializers: g.initializers.map((t) => t.raw), inputs: g.inputs.map((v) => v.raw), outputs: g.outputs.map((v) => v.raw) }));
    const m2 = decodeModel(again);
    expect(m2.graph.nodes.map((n) => [n.opType, n.inputs, n.outputs])).toEqual(g.nodes.map((n) => [n.opType, n.inputs, n.outputs]));
    expect(m2.graph.initializers.map((t) => [t.name, t.dims])).toEqual(g.initializers.map((t) => [t.name, t.dims]));
    expect(m2.opsetImports).toEqual(m.opsetImports);
  });

  test("a file that is not ONNX is NOT_ONNX, from a path and from bytes", () => {
    const png = join(tmp, "x.onnx");
    writeFileSync(png, Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"));
    expect(codeOf(() => loadModel(png))).toMatch(/NOT_ONNX|TRUNCATED/);
    expect(codeOf(() => loadModel(new TextEncoder().encode("hello, I am a text file\n")))).toMatch(/NOT_ONNX|TRUNCATED/);
    expect(codeOf(() => loadModel(new Uint8Array(0)))).toBe("NOT_ONNX");
  });

  test("every truncation of a real model is a typed error, never a crash", () => {
    const bytes = readFileSync(bundled("ppocr-cls"));
    const cuts = [1, 2, 3, 10, 100, 1000, ...Array.from({ length: 60 }, (_, i) => Math.floor(((i + 1) / 61) * bytes.length)), bytes.length - 1];
    for (const n of cuts) {
      const code = codeOf(() => loadModel(bytes.subarray(0, n)));
      expect([`TRUNCATED`, `NOT_ONNX`], `truncated at ${n}`).toContain(code);
    }
  });

  test("an absent path is UNREADABLE and names the path", () => {
    expect(() => loadModel(join(tmp, "nope.onnx"))).toThrowError(/nope\.onnx.*ENOENT/);
  });

  test("external data is resolved relative to the model's folder", () => {
    const path = writeExternalDataModel(join(tmp, "ext-ok"));
    const m = loadModel(path);
    const w = m.externalData.get("W");
    expect(w).toBeDefined();
    expect(new Float32Array(Uint8Array.from(w!).buffer)).toEqual(EXTERNAL_WEIGHTS);
  });

  test("missing external data is MISSING_EXTERNAL_DATA naming the tensor and file", () => {
    const path = writeExternalDataModel(join(tmp, "ext-missing"));
    rmSync(join(tmp, "ext-missing", "weights.bin"));
    expect(() => loadModel(path)).toThrowError(/initializer "W".*weights\.bin.*ENOENT/);
    expect(codeOf(() => loadModel(path))).toBe("MISSING_EXTERNAL_DATA");
    expect(codeOf(() => loadModel(readFileSync(path)))).toBe("MISSING_EXTERNAL_DATA");
  });

  test("a short external-data file is MISSING_EXTERNAL_DATA", () => {
    const path = writeExternalDataModel(join(tmp, "ext-short"));
    writeFileSync(join(tmp, "ext-short", "weights.bin"), new Uint8Array(20));
    expect(() => loadModel(path)).toThrowError(/needs bytes 16\.\.64.*which has 20/);
  });

  test("an opset onnxruntime cannot run is UNSUPPORTED_OPSET", () => {
    const tooNew = new GraphBuilder({ opset: 99 });
    tooNew.op("Relu", [tooNew.input("x", [1, 2])], {}, "y");
    tooNew.output("y");
    expect(() => loadModel(tooNew.build())).toThrowError(/ai\.onnx opset 99; onnxruntime runs opsets 7\.\.\d+/);
    const tooOld = new GraphBuilder({ opset: 3 });
    tooOld.op("Relu", [tooOld.input("x", [1, 2])], {}, "y");
    tooOld.output("y");
    expect(codeOf(() => loadModel(tooOld.build()))).toBe("UNSUPPORTED_OPSET");
  });
});
