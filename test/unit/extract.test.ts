import { describe, expect, test } from "vitest";
import { GraphBuilder, heWeights, seededRandom } from "../../model/builder.js";
import { listCuts } from "../../model/cuts.js";
import { extractSegments } from "../../model/extract.js";
import { decodeModel } from "../../model/onnx.js";
import { indexed, infosFrom } from "../helpers/graphs.js";

/** x → MatMul(W1) → h → Relu → r → MatMul(W2) → y, plus a Constant used only by the back. */
function mlp(): Uint8Array {
  const rand = seededRandom(3);
  const b = new GraphBuilder({ opset: 14 });
  b.meta("author", "jalad tests");
  const h = b.op("MatMul", [b.input("x", ["N", 4]), b.float("W1", [4, 8], heWeights(rand, 32, 4))], {}, "h");
  const r = b.op("Relu", [h], {}, "r");
  const k = b.op("Constant", [], { value_float: { f: 2 } }, "k");
  b.op("Mul", [b.op("MatMul", [r, b.float("W2", [8, 3], heWeights(rand, 24, 8))], {}, "m"), k], {}, "y");
  b.output("y", ["N", 3]);
  return b.build();
}

describe("extractSegments", () => {
  const { loaded, index } = indexed(mlp());
  const infos = infosFrom(loaded, { x: [1, 4], h: [1, 8], r: [1, 8], m: [1, 3], y: [1, 3], k: [] });
  const { cuts } = listCuts(index, infos);

  test("front and back of an interior cut hold only what they use, and keep opset and metadata", () => {
    const cut = cuts.find((c) => c.tensors.map((t) => t.name).join() === "r")!;
    const seg = extractSegments(loaded, index, cut);
    const front = decodeModel(seg.front);
    const back = decodeModel(seg.back);
    expect(front.graph.inputs.map((v) => v.name)).toEqual(["x"]);
    expect(front.graph.outputs.map((v) => v.name)).toEqual(["r"]);
    expect(back.graph.inputs.map((v) => v.name)).toEqual(["r"]);
    expect(back.graph.outputs.map((v) => v.name)).toEqual(["y"]);
    expect(front.graph.initializers.map((t) => t.dims)).toEqual([[4, 8]]);
    expect(back.graph.initializers.map((t) => t.dims)).toEqual([[8, 3]]);
    expect(front.graph.nodes.map((n) => n.opType)).toEqual(["MatMul", "Relu"]);
    expect(back.graph.nodes.map((n) => n.opType)).toEqual(["Constant", "MatMul", "Mul"]);
    for (const m of [front, back]) {
      expect(m.opsetImports).toEqual([{ domain: "", version: 14 }]);
      expect(m.metadata).toContainEqual({ key: "author", value: "jalad tests" });
      expect(m.metadata).toContainEqual({ key: "jalad.source_sha256", value: loaded.sha256 });
    }
    // Dynamic batch: the crossing tensor is written with unknown dims, not the probed [1, 8].
    expect(back.graph.inputs[0]!.shape).toEqual([null, null]);
    expect(back.graph.inputs[0]!.elemType).toBe(1);
  });

  test("cloud-only: the front is a pass-through of the inputs", () => {
    const seg = extractSegments(loaded, index, cuts[0]!);
    const front = decodeModel(seg.front);
    expect(front.graph.nodes).toHaveLength(0);
    expect(front.graph.outputs.map((v) => v.name)).toEqual(["x"]);
    expect(decodeModel(seg.back).graph.inputs[0]!.shape).toEqual(["N", 4]); // original input keeps its declaration
  });

  test("edge-only: the back is a pass-through of the outputs", () => {
    const seg = extractSegments(loaded, index, cuts.at(-1)!);
    const back = decodeModel(seg.back);
    expect(back.graph.nodes).toHaveLength(0);
    expect(back.graph.inputs.map((v) => v.name)).toEqual(["y"]);
    expect(back.graph.outputs.map((v) => v.name)).toEqual(["y"]);
    expect(decodeModel(seg.front).graph.initializers).toHaveLength(2);
  });
});
