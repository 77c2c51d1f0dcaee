import { describe, expect, test } from "vitest";
import { GraphBuilder } from "../../model/builder.js";
import { buildProbeModel, parseInputShapeSpec, resolveInputShapes } from "../../model/shapes.js";
import { decodeModel } from "../../model/onnx.js";
import { indexed } from "../helpers/graphs.js";

function model(shape: (number | string | null)[]): ReturnType<typeof indexed> {
  const b = new GraphBuilder();
  b.op("Relu", [b.input("x", shape)], {}, "y");
  b.output("y");
  return indexed(b.build());
}

describe("input shapes", () => {
  test("parses plain and named specs", () => {
    expect(parseInputShapeSpec("1x3x640x640")).toEqual(new Map([[0, [1, 3, 640, 640]]]));
    expect(parseInputShapeSpec("x=2x3x8x8, mask=2x1")).toEqual(new Map([["x", [2, 3, 8, 8]], ["mask", [2, 1]]]));
  });

  test("rejects malformed specs naming the item", () => {
    expect(() => parseInputShapeSpec("1x3xfoo")).toThrowError(/bad input shape "1x3xfoo"/);
    expect(() => parseInputShapeSpec("")).toThrowError(/empty input shape/);
    expect(() => parseInputShapeSpec("1x-3")).toThrowError(/bad input shape/);
    expect(() => parseInputShapeSpec("x=1x2,x=1x3")).toThrowError(/given twice/);
  });

  test("a dynamic batch defaults to 1; other dynamic dims need a value", () => {
    expect(resolveInputShapes(model(["N", 3, 8, 8]).index)).toEqual(new Map([["x", [1, 3, 8, 8]]]));
    expect(() => resolveInputShapes(model(["N", 3, "H", "W"]).index)).toThrowError(/input "x" dim 2 \(H\) is dynamic; pass --input-shape/);
    expect(resolveInputShapes(model(["N", 3, "H", "W"]).index, parseInputShapeSpec("2x3x16x24"))).toEqual(new Map([["x", [2, 3, 16, 24]]]));
  });

  test("a shape that contradicts the declared one is rejected with both", () => {
    const { index } = model([1, 3, 8, 8]);
    expect(() => resolveInputShapes(index, parseInputShapeSpec("1x3x8"))).toThrowError(/rank 4 \[1x3x8x8\].*rank 3/);
    expect(() => resolveInputShapes(index, parseInputShapeSpec("1x4x8x8"))).toThrowError(/dim 1 is fixed at 3, but the given shape has 4/);
    expect(() => resolveInputShapes(index, parseInputShapeSpec("image=1x3x8x8"))).toThrowError(/names "image", but the model's inputs are: x/);
  });

  test("the probe model exposes every tensor as an output", () => {
    const b = new GraphBuilder();
    const h = b.op("Neg", [b.input("x", [1, 2])]);
    b.op("Relu", [h], {}, "y");
    b.output("y", [1, 2]);
    const { loaded, index } = indexed(b.build());
    const probe = buildProbeModel(loaded, index);
    expect(probe.names.sort()).toEqual([h, "y"].sort());
    expect(decodeModel(probe.bytes).graph.outputs.map((o) => o.name).sort()).toEqual([h, "y"].sort());
  });
});
