import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { GraphBuilder, heWeights, seededRandom } from "../../model/builder.js";
import { crossingSet, listCuts } from "../../model/cuts.js";
import { FlowNetwork } from "../../model/max-flow.js";
import { indexed, infosFrom } from "../helpers/graphs.js";

/**
 * x → convA → a → convB (expensive) → b → convC (expensive) → c (output)
 *            a → lat (cheap 1×1, 16→4) → l (output)
 * The prefix cut after convB must send `a` only because `lat` still needs it; running `lat`
 * on the edge sends its 4× smaller output instead.
 */
function lateralNet(): Uint8Array {
  const r = seededRandom(7);
  const b = new GraphBuilder();
  const conv = (x: string, cin: number, cout: number, k: number, stride: number, out: string): string =>
    b.op("Conv", [x, b.float("w", [cout, cin, k, k], heWeights(r, cout * cin * k * k, cin * k * k)), b.float("b", [cout], new Float32Array(cout))],
      { kernel_shape: [k, k], strides: [stride, stride], pads: k === 3 ? [1, 1, 1, 1] : [0, 0, 0, 0] }, out);
  const x = b.input("x", [1, 3, 32, 32]);
  conv(x, 3, 16, 3, 1, "a");
  conv("a", 16, 32, 3, 2, "b");
  conv("b", 32, 32, 3, 1, "c");
  conv("a", 16, 4, 1, 1, "l");
  b.output("c");
  b.output("l");
  return b.build();
}
const LATERAL_DIMS = { x: [1, 3, 32, 32], a: [1, 16, 32, 32], b: [1, 32, 16, 16], c: [1, 32, 16, 16], l: [1, 4, 32, 32] };

describe("listCuts", () => {
  const { loaded, index } = indexed(lateralNet());
  const infos = infosFrom(loaded, LATERAL_DIMS);

  test("lists cloud-only, prefix, refined and edge-only cuts with their crossing sets", () => {
    const { cuts } = listCuts(index, infos);
    expect(cuts.map((c) => [c.id, c.kind, c.tensors.map((t) => t.name)])).toEqual([
      [0, "cloud-only", ["x"]],
      [1, "prefix", ["a"]],
      [2, "prefix", ["a", "b"]],
      [3, "refined", ["b", "l"]],
      [4, "prefix", ["a", "c"]],
      [5, "edge-only", ["c", "l"]],
    ]);
    const refined = cuts[3]!;
    expect(refined.bytes).toBe((32 * 16 * 16 + 4 * 32 * 32) * 4);
    expect(refined.bytes).toBeLessThan(cuts[2]!.bytes / 1.9);
    expect(refined.moved).toHaveLength(1);
    expect(cuts[0]!.edgeFlops).toBe(0);
    expect(cuts[5]!.cloudFlops).toBe(0);
    for (const c of cuts) expect(c.edgeFlops + c.cloudFlops).toBe(cuts[0]!.cloudFlops);
  });

  test("--max-crossing filters interior cuts but always keeps the degenerate ones", () => {
    const { cuts } = listCuts(index, infos, { maxCrossing: 1 });
    expect(cuts.map((c) => c.kind)).toEqual(["cloud-only", "prefix", "edge-only"]);
    expect(cuts.map((c) => c.id)).toEqual([0, 1, 2]);
  });

  test("refine: false lists prefix cuts only", () => {
    expect(listCuts(index, infos, { refine: false }).cuts.some((c) => c.kind === "refined")).toBe(false);
  });

  test("a node no cheaper than the limit is never moved", () => {
    const { cuts } = listCuts(index, infos, { cheapNodeFraction: 0.001 });
    expect(cuts.some((c) => c.kind === "refined")).toBe(false);
  });
});

/** Random DAGs of Add/Relu nodes over random-width tensors. */
const dagArb = fc.record({
  nodes: fc.array(fc.record({ a: fc.nat(), b: fc.option(fc.nat(), { nil: undefined }), width: fc.integer({ min: 1, max: 64 }) }), { minLength: 1, maxLength: 25 }),
  outputs: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
  k: fc.integer({ min: 1, max: 5 }),
});

describe("listCuts on random DAGs", () => {
  test("every cut is predecessor-closed, its crossing set is exactly what crosses, and ids are ordered", () => {
    fc.assert(fc.property(dagArb, ({ nodes, outputs, k }) => {
      const b = new GraphBuilder();
      const names = [b.input("x", [1, 8])];
      const dims: Record<string, number[]> = { x: [1, 8] };
      nodes.forEach((n, i) => {
        const ins = [names[n.a % names.length]!];
        if (n.b !== undefined) ins.push(names[n.b % names.length]!);
        const out = b.op(ins.length === 2 ? "Add" : "Relu", ins, {}, `t${i}`);
        names.push(out);
        dims[out] = [1, n.width];
      });
      const outs = [...new Set(outputs.map((o) => names[1 + (o % nodes.length)]!))];
      for (const o of outs) b.output(o);
      const { loaded, index } = indexed(b.build());
      const infos = infosFrom(loaded, dims);
      const { cuts } = listCuts(index, infos, { maxCrossing: k });
      expect(cuts[0]!.kind).toBe("cloud-only");
      expect(cuts.at(-1)!.kind).toBe("edge-only");
      cuts.forEach((c, i) => expect(c.id).toBe(i));
      for (const c of cuts) {
        // Closed under predecessors.
        index.order.forEach((_, p) => {
          if (c.edgeMask[p] !== 1) return;
          for (const y of index.nodeInputs[p]!) {
            const q = index.producerPos.get(y)!;
            if (q >= 0) expect(c.edgeMask[q]).toBe(1);
          }
        });
        // Brute-force crossing set.
        const expected = new Set<string>();
        for (const [name, p] of index.producerPos) {
          const onEdge = p < 0 || c.edgeMask[p] === 1;
          const readInCloud = index.order.some((n, q) => c.edgeMask[q] !== 1 && n.inputs.includes(name));
          if (onEdge && (readInCloud || outs.includes(name))) expected.add(name);
        }
        expect(new Set(c.tensors.map((t) => t.name))).toEqual(expected);
        expect(c.bytes).toBe(c.tensors.reduce((s, t) => s + t.elements * 4, 0));
        if (c.kind === "prefix" || c.kind === "refined") expect(c.tensors.length).toBeLessThanOrEqual(k);
        if (c.kind === "refined") {
          const prefix = crossingSet(index, infos, Uint8Array.from(index.order.map((_, p) => (p < c.boundary ? 1 : 0))));
          expect(c.bytes).toBeLessThan(prefix.reduce((s, t) => s + t.bytes, 0));
        }
      }
    }), { numRuns: 300 });
  });
});

describe("FlowNetwork", () => {
  test("finds the textbook maximum flow (CLRS 26.1: 23) and its min-cut source side", () => {
    const net = new FlowNetwork(6);
    for (const [u, v, c] of [[0, 1, 16], [0, 2, 13], [1, 3, 12], [2, 1, 4], [2, 4, 14], [3, 2, 9], [3, 5, 20], [4, 3, 7], [4, 5, 4]] as const) net.addEdge(u, v, c);
    expect(net.maxFlow(0, 5)).toBe(23);
    expect([...net.sourceSide(0)]).toEqual([1, 1, 1, 0, 1, 0]);
  });
});
