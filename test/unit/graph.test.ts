import { describe, expect, test } from "vitest";
import { GraphBuilder } from "../../model/builder.js";
import { ModelError } from "../../model/errors.js";
import { GRAPH_INPUT, indexGraph } from "../../model/graph.js";
import { decodeModel } from "../../model/onnx.js";
import { encodeGraph, encodeModel, encodeNode, encodeValueInfo, modelHeaderFields } from "../../model/onnx-write.js";

const header = modelHeaderFields(8, "t", [{ domain: "", version: 13 }]);
function graphOf(nodes: Uint8Array[], inputs = ["x"], outputs = ["y"]): ReturnType<typeof decodeModel>["graph"] {
  return decodeModel(encodeModel(header, encodeGraph({ name: "g", nodes, initializers: [], inputs: inputs.map((n) => encodeValueInfo(n, 1, [1])), outputs: outputs.map((n) => encodeValueInfo(n, 1, [1])) }))).graph;
}

describe("indexGraph", () => {
  test("sorts nodes listed out of order and records producers and consumers", () => {
    const g = graphOf([encodeNode("Relu", ["a"], ["y"], "second"), encodeNode("Neg", ["x"], ["a"], "first")]);
    const idx = indexGraph(g);
    expect(idx.order.map((n) => n.name)).toEqual(["first", "second"]);
    expect(idx.producerPos.get("x")).toBe(GRAPH_INPUT);
    expect(idx.producerPos.get("a")).toBe(0);
    expect(idx.consumerPos.get("a")).toEqual([1]);
    expect(idx.consumerPos.get("x")).toEqual([0]);
  });

  test("constants and constant-only chains are static, not compute nodes", () => {
    const b = new GraphBuilder();
    const x = b.input("x", [1, 2]);
    const c = b.op("Constant", [], { value: { tensor: new Uint8Array() } });
    const c2 = b.op("Neg", [c]);
    const w = b.float("w", [1], Float32Array.from([2]));
    b.op("Add", [b.op("Mul", [x, w]), c2], {}, "y");
    b.output("y");
    const idx = indexGraph(decodeModel(b.build()).graph);
    expect(idx.order.map((n) => n.opType)).toEqual(["Mul", "Add"]);
    expect(idx.staticNodes.map((n) => n.opType)).toEqual(["Constant", "Neg"]);
    expect(idx.staticNames.has(w)).toBe(true);
    expect(idx.nodeInputs[0]).toEqual([x]); // the weight is not a dynamic input
  });

  test("a cycle is INVALID_GRAPH", () => {
    const g = graphOf([encodeNode("Relu", ["b"], ["a"], "n1"), encodeNode("Add", ["a", "x"], ["b"], "n2"), encodeNode("Neg", ["b"], ["y"], "n3")]);
    expect(() => indexGraph(g)).toThrowError(/cycle/);
  });

  test("a tensor produced twice, an unknown input, an unproduced output are INVALID_GRAPH naming the tensor", () => {
    expect(() => indexGraph(graphOf([encodeNode("Relu", ["x"], ["y"], "a"), encodeNode("Neg", ["x"], ["y"], "b")]))).toThrowError(/"y" is produced twice/);
    expect(() => indexGraph(graphOf([encodeNode("Relu", ["ghost"], ["y"], "a")]))).toThrowError(/reads "ghost"/);
    const e = (() => {
      try {
        indexGraph(graphOf([encodeNode("Relu", ["x"], ["z"], "a")]));
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(ModelError);
    expect((e as ModelError).message).toMatch(/graph output "y" is never produced/);
  });
});
