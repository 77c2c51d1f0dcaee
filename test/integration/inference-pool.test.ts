// The inference pool: real onnxruntime on worker threads with the PP-OCRv4 detector and a real photo.
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, test } from "vitest";
import { PADDLE_DET_NORMALIZE } from "../../model/preprocess.js";
import { InferencePool } from "../../services/onnxruntime/pool.js";
import { bundled } from "../helpers/models.js";
import { photoBatch, runOnce } from "../helpers/ort.js";

const pool = InferencePool.create({ workers: 2 });
afterAll(() => pool.close());

describe("InferencePool", () => {
  test("gives the same outputs as a direct run, and the event loop keeps ticking during inference", async () => {
    const model = new Uint8Array(readFileSync(bundled("ppocr-det")));
    const x = await photoBatch(["imageTextN.png"], 640, 640, PADDLE_DET_NORMALIZE);
    const direct = await runOnce(model, { x });
    await pool.load("det", model);
    // The main thread must never be blocked for a whole inference: the longest gap between
    // timer ticks stays below the shortest run (on the main thread it would be at least one run).
    let last = performance.now();
    let maxGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 5);
    const runs = await Promise.all([0, 1, 2].map(() => pool.run("det", { x: { type: "float32", dims: x.dims, data: x.data } })));
    clearInterval(timer);
    expect(maxGap).toBeLessThan(Math.min(...runs.map((r) => r.ms)));
    const ref = direct["sigmoid_0.tmp_0"]!.data as Float32Array;
    for (const r of runs) {
      const got = r.outputs["sigmoid_0.tmp_0"]!;
      expect(got.dims).toEqual([1, 1, 640, 640]);
      expect(Buffer.from((got.data as Float32Array).buffer).equals(Buffer.from(ref.buffer, ref.byteOffset, ref.byteLength))).toBe(true);
    }
  });

  test("unknown keys and bad models are typed errors; the pool keeps working", async () => {
    await expect(pool.run("nope", {})).rejects.toThrowError(/no session loaded for key nope/);
    await expect(pool.load("junk", new TextEncoder().encode("not a model"))).rejects.toThrowError(/cannot load junk/);
    await pool.load("cls", new Uint8Array(readFileSync(bundled("ppocr-cls"))));
    const r = await pool.run("cls", { x: { type: "float32", dims: [1, 3, 48, 192], data: new Float32Array(3 * 48 * 192) } });
    expect(Object.keys(r.outputs)).toEqual(["softmax_0.tmp_0"]);
    await pool.unload("cls");
    await expect(pool.run("cls", {})).rejects.toThrowError(/no session loaded/);
  });
});
