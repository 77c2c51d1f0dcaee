/**
 * The split-equivalence check: for every listed cut, front then back in onnxruntime must equal
 * the full model within 1e-4 × the output's max magnitude.
 */
import ort from "onnxruntime-node";
import { extractSegments } from "../../model/extract.js";
import { analyzeModel, type ModelAnalysis } from "../../pipelines/analyze-model.js";
import { maxAbsDiff, runOnce } from "./ort.js";

/** Relative tolerance of the check. */
export const SPLIT_TOLERANCE = 1e-4;

/** Result of checking one cut. */
export interface CutCheck {
  readonly id: number;
  readonly worst: number;
  readonly failures: readonly string[];
}

/** Runs the full model once: the reference outputs. */
export async function reference(a: ModelAnalysis, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  return runOnce(a.loaded.bytes, feeds);
}

/** Checks one cut: runs front then back and compares every output with the reference. */
export async function checkCut(a: ModelAnalysis, id: number, feeds: Record<string, ort.Tensor>, ref: Record<string, ort.Tensor>): Promise<CutCheck> {
  const cut = a.analysis.cuts[id];
  if (cut === undefined) throw new Error(`no cut ${id}`);
  const seg = extractSegments(a.loaded, a.analysis.index, cut);
  const mid = await runOnce(seg.front, feeds);
  const names = Object.keys(mid).sort();
  const expected = [...seg.crossing].sort();
  const failures: string[] = [];
  if (JSON.stringify(names) !== JSON.stringify(expected)) failures.push(`front outputs ${names.join(",")} ≠ crossing ${expected.join(",")}`);
  const out = await runOnce(seg.back, mid);
  let worst = 0;
  for (const [name, r] of Object.entries(ref)) {
    const got = out[name];
    if (got === undefined) {
      failures.push(`output ${name} missing`);
      continue;
    }
    if (JSON.stringify(got.dims) !== JSON.stringify(r.dims)) failures.push(`output ${name} dims ${got.dims.join("x")} ≠ ${r.dims.join("x")}`);
    const { diff, magnitude } = maxAbsDiff(r, got);
    const rel = magnitude > 0 ? diff / magnitude : diff;
    worst = Math.max(worst, rel);
    if (!(diff <= SPLIT_TOLERANCE * magnitude)) failures.push(`output ${name}: max |diff| ${diff} > ${SPLIT_TOLERANCE} × ${magnitude}`);
  }
  return { id, worst, failures };
}

export { analyzeModel };

/**
 * Defines one vitest test per listed cut (optionally a subset via `select`) checking
 * split-equivalence on the given real inputs. Call from a test file's top level.
 */
export async function defineSplitSuite(
  vitest: { describe: (name: string, fn: () => void) => void; test: (name: string, fn: () => Promise<void>, timeout?: number) => void; expect: (v: unknown, msg?: string) => { toEqual: (x: unknown) => void } },
  title: string,
  analysis: () => Promise<ModelAnalysis>,
  feeds: () => Promise<Record<string, ort.Tensor>>,
  select: (id: number) => boolean = () => true,
): Promise<void> {
  const a = await analysis();
  const inputs = await feeds();
  const ref = await reference(a, inputs);
  vitest.describe(`${title}: ${a.analysis.cuts.length} cuts (${a.analysis.cuts.filter((c) => c.kind === "refined").length} refined)`, () => {
    for (const cut of a.analysis.cuts) {
      if (!select(cut.id)) continue;
      vitest.test(`cut ${cut.id} (${cut.kind}, ${cut.tensors.length} tensors) composes exactly`, async () => {
        const r = await checkCut(a, cut.id, inputs, ref);
        vitest.expect(r.failures, r.failures.join("; ")).toEqual([]);
      });
    }
  });
}
