import { describe, expect, test } from "vitest";
import { PADDLE_DET_NORMALIZE, rgbToTensor } from "../../model/preprocess.js";

describe("rgbToTensor", () => {
  test("converts HWC RGB to CHW, reordering to BGR and normalising per channel", () => {
    const rgb = Uint8Array.from([255, 0, 51, 0, 255, 102]); // 2×1 pixels
    const t = rgbToTensor(rgb, 2, 1, PADDLE_DET_NORMALIZE);
    const [mb, mg, mr] = PADDLE_DET_NORMALIZE.mean;
    const [sb, sg, sr] = PADDLE_DET_NORMALIZE.std;
    const expected = [(51 / 255 - mb) / sb, (102 / 255 - mb) / sb, (0 - mg) / sg, (1 - mg) / sg, (1 - mr) / sr, (0 - mr) / sr];
    expect([...t].map((v) => v.toFixed(5))).toEqual(expected.map((v) => Math.fround(v).toFixed(5)));
  });

  test("writes at an offset for batching and checks sizes", () => {
    const out = new Float32Array(12);
    rgbToTensor(new Uint8Array(6).fill(255), 2, 1, { channelOrder: "rgb", mean: [0, 0, 0], std: [1, 1, 1] }, out, 6);
    expect([...out]).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    expect(() => rgbToTensor(new Uint8Array(5), 2, 1, PADDLE_DET_NORMALIZE)).toThrowError(RangeError);
  });
});
