import { describe, expect, test } from "vitest";
import { nodeFlops } from "../../model/flops.js";
import type { OnnxAttribute, OnnxNode } from "../../model/onnx.js";
import type { TensorInfo } from "../../model/shapes.js";

function node(opType: string, inputs: string[], attrs: Partial<Record<string, number | number[] | string>> = {}): OnnxNode {
  const attributes: OnnxAttribute[] = Object.entries(attrs).map(([name, v]) =>
    typeof v === "number" ? { name, type: 2, i: v } : typeof v === "string" ? { name, type: 3, s: v } : { name, type: 7, ints: v as number[] });
  return { name: opType, opType, domain: "", inputs, outputs: ["y"], attributes, implicitInputs: [], raw: new Uint8Array() };
}
function shapes(m: Record<string, number[]>): (n: string) => TensorInfo | undefined {
  return (n) => (m[n] ? { dims: m[n], dataType: 1 } : undefined);
}

describe("nodeFlops", () => {
  test("Conv: 2·Cout·H·W·Cin·k² plus bias", () => {
    const c = nodeFlops(node("Conv", ["x", "w", "b"]), shapes({ x: [1, 16, 32, 32], w: [32, 16, 3, 3], b: [32], y: [1, 32, 32, 32] }));
    expect(c).toEqual({ flops: 32 * 32 * 32 * (2 * 16 * 9 + 1), costed: true });
  });

  test("grouped and depthwise Conv divide by the group count", () => {
    const grouped = nodeFlops(node("Conv", ["x", "w"], { group: 4 }), shapes({ w: [32, 4, 3, 3], y: [1, 32, 8, 8] }));
    expect(grouped.flops).toBe(32 * 64 * 2 * 4 * 9);
    const dw = nodeFlops(node("Conv", ["x", "w"], { group: 16 }), shapes({ w: [16, 1, 3, 3], y: [1, 16, 8, 8] }));
    expect(dw.flops).toBe(16 * 64 * 2 * 9);
  });

  test("ConvTranspose scatters each input element over Cout/group·k² outputs", () => {
    const c = nodeFlops(node("ConvTranspose", ["x", "w"]), shapes({ x: [1, 8, 4, 4], w: [8, 16, 2, 2], y: [1, 16, 8, 8] }));
    expect(c.flops).toBe(2 * 8 * 16 * 16 * 4);
  });

  test("Gemm, MatMul (batched)", () => {
    expect(nodeFlops(node("Gemm", ["a", "w", "b"], { transB: 1 }), shapes({ a: [2, 64], y: [2, 10] })).flops).toBe(2 * 10 * (2 * 64 + 1));
    expect(nodeFlops(node("Gemm", ["a", "w"], { transA: 1 }), shapes({ a: [64, 2], y: [2, 10] })).flops).toBe(2 * 10 * 2 * 64);
    expect(nodeFlops(node("MatMul", ["a", "b"]), shapes({ a: [3, 5, 7], y: [3, 5, 11] })).flops).toBe(2 * 3 * 5 * 11 * 7);
  });

  test("pooling, global pooling, Resize and elementwise ops", () => {
    expect(nodeFlops(node("MaxPool", ["x"], { kernel_shape: [3, 3] }), shapes({ y: [1, 4, 8, 8] })).flops).toBe(256 * 9);
    expect(nodeFlops(node("GlobalAveragePool", ["x"]), shapes({ x: [1, 4, 8, 8], y: [1, 4, 1, 1] })).flops).toBe(256);
    expect(nodeFlops(node("Resize", ["x"], { mode: "nearest" }), shapes({ y: [1, 4, 16, 16] })).flops).toBe(1024);
    expect(nodeFlops(node("Resize", ["x"], { mode: "linear" }), shapes({ y: [1, 4, 16, 16] })).flops).toBe(1024 * 2 * 4);
    expect(nodeFlops(node("Add", ["a", "b"]), shapes({ y: [2, 3] })).flops).toBe(6);
    expect(nodeFlops(node("HardSigmoid", ["a"]), shapes({ y: [2, 3] })).flops).toBe(18);
    expect(nodeFlops(node("Reshape", ["a", "s"]), shapes({ y: [2, 3] }))).toEqual({ flops: 0, costed: true });
  });

  test("ops without a cost model count their output size and say so", () => {
    expect(nodeFlops(node("FancyOp", ["a"]), shapes({ y: [2, 5] }))).toEqual({ flops: 10, costed: false });
    expect(nodeFlops(node("Conv", ["x", "w"]), shapes({ y: [1, 2, 2, 2] }))).toEqual({ flops: 8, costed: false }); // weight shape unknown
  });
});
