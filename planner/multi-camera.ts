/**
 * Many cameras, one uplink, solved as a MILP with HiGHS (the model is in `cameras.ts`).
 *
 * Variables: x_{i,k} ∈ {0, 1}, camera i uses its option k (options are filtered per camera and
 * Pareto-pruned first). Rows, each written in CPLEX LP format:
 * - one_i:   Σ_k x_{i,k} = 1
 * - uplink:  Σ_{i,k} (f_i · bytes_k / U) · x_{i,k} ≤ 1        (omitted when U = ∞)
 * - cloud:   Σ_{i,k} (f_i · cloud_k / C) · x_{i,k} ≤ 1        (omitted when C = ∞)
 * Objective `sum`: minimise Σ_{i,k} w_i · latency_{i,k} · x_{i,k}.
 * Objective `max`: minimise t with rows lat_i: t − Σ_k w_i · latency_{i,k} · x_{i,k} ≥ 0; then,
 * with t* the exact maximum of that solution, a second `sum` solve over the options with
 * w_i · latency ≤ t* picks the best assignment among those reaching the optimal maximum.
 * Shortcut: when every camera's own fastest option fits together, that assignment is optimal
 * for both objectives and no solve runs. Every solution is re-scored in plain arithmetic and
 * checked against U and C exactly; a solution that only fits within the solver's tolerance
 * is re-solved with the limits shaded down, so a returned plan never breaks a constraint.
 */
import highsModule, { type Highs } from "highs";
import { type CameraOption, type CamerasPlan, type CamerasProblem, type PreparedCamera, camerasPlan, fits, jointInfeasible, prepareCameras, scoreAssignment } from "./cameras.js";
import { PlannerError, PlannerErrorCode } from "./errors.js";

type Loader = typeof highsModule.default;
// The typings present `highs` as CommonJS (default import = module object); the ESM build that
// Node loads exports the loader itself as default. Accept both.
const highsExport = highsModule as unknown as Loader | { default: Loader };
const loadHighs: Loader = typeof highsExport === "function" ? highsExport : highsExport.default;

let loading: Promise<Highs> | undefined;

/** The HiGHS wasm runtime, loaded once per process (a failed load is retried on the next call). */
export function loadSolver(): Promise<Highs> {
  loading ??= loadHighs().catch((e: unknown) => {
    loading = undefined;
    throw new PlannerError(PlannerErrorCode.SolverFailed, `cannot load the HiGHS solver: ${String(e)}`, { cause: e });
  });
  return loading;
}

/** Options for {@link planCameras}. */
export interface PlanCamerasOptions {
  /** Wall-clock limit of one HiGHS solve, seconds. Default 10. */
  readonly timeLimitSec?: number;
  /** Pareto-prune each camera's options before solving (never changes the optimum). Default true. */
  readonly prune?: boolean;
}

const num = (x: number): string => String(x);

/**
 * The CPLEX LP text of the problem over `cameras`' options (see the file comment), with the
 * uplink and cloud limits multiplied by `1 − shade`. Variables are `x<i>_<k>` (and `t` for `max`).
 */
export function camerasLp(problem: CamerasProblem, cameras: readonly PreparedCamera[], objective: "sum" | "max", shade = 0): string {
  const terms = (coef: (o: CameraOption) => number): string[] => {
    const out: string[] = [];
    cameras.forEach((cam, i) => cam.options.forEach((o, k) => {
      const c = coef(o);
      if (c !== 0) out.push(`${out.length === 0 ? "" : "+ "}${num(c)} x${i}_${k}`);
    }));
    return out;
  };
  const lines: string[] = ["Minimize"];
  if (objective === "sum") {
    const obj = terms((o) => o.weightedMs);
    lines.push(" obj:", ...(obj.length === 0 ? ["0 x0_0"] : obj));
  } else lines.push(" obj: t");
  lines.push("Subject To");
  cameras.forEach((cam, i) => lines.push(` one${i}: ${cam.options.map((_, k) => `x${i}_${k}`).join(" + ")} = 1`));
  const limit = 1 - shade;
  const uplink = problem.uplinkBytesPerSec;
  const capacity = problem.cloudCapacityMsPerSec ?? Infinity;
  if (uplink < Infinity) {
    const row = terms((o) => o.bytesPerSec / uplink);
    if (row.length > 0) lines.push(" uplink:", ...row, `<= ${num(limit)}`);
  }
  if (capacity < Infinity) {
    const row = terms((o) => o.cloudMsPerSec / capacity);
    if (row.length > 0) lines.push(" cloud:", ...row, `<= ${num(limit)}`);
  }
  if (objective === "max") {
    cameras.forEach((cam, i) => {
      const row = cam.options.flatMap((o, k) => (o.weightedMs === 0 ? [] : [`- ${num(o.weightedMs)} x${i}_${k}`]));
      lines.push(` lat${i}: t ${row.join(" ")} >= 0`);
    });
    lines.push("Bounds", " t >= 0");
  }
  lines.push("Binary", ...cameras.flatMap((cam, i) => cam.options.map((_, k) => ` x${i}_${k}`)), "End");
  return lines.join("\n");
}

/** Solves one LP; returns the chosen option per camera, or undefined when HiGHS proves it infeasible. */
function solveOnce(highs: Highs, problem: CamerasProblem, cameras: readonly PreparedCamera[], objective: "sum" | "max", timeLimitSec: number): number[] | undefined {
  for (const shade of [0, 1e-9, 1e-7, 1e-6]) {
    const lp = camerasLp(problem, cameras, objective, shade);
    let r: ReturnType<Highs["solve"]>;
    try {
      r = highs.solve(lp, { output_flag: false, mip_rel_gap: 1e-9, mip_abs_gap: 1e-9, time_limit: timeLimitSec });
    } catch (e) {
      throw new PlannerError(PlannerErrorCode.SolverFailed, `HiGHS failed on a ${cameras.length}-camera model: ${String(e)}`, { cause: e });
    }
    if (r.Status === "Infeasible") return undefined;
    if (r.Status !== "Optimal") throw new PlannerError(PlannerErrorCode.SolverFailed, `HiGHS stopped with status "${r.Status}" on a ${cameras.length}-camera model`);
    const cols = r.Columns;
    const choice = cameras.map((cam, i) => {
      let best = 0;
      let bestValue = -Infinity;
      cam.options.forEach((_, k) => {
        const col = cols[`x${i}_${k}`];
        const v = col !== undefined && "Primal" in col ? col.Primal : 0;
        if (v > bestValue) [best, bestValue] = [k, v];
      });
      return best;
    });
    if (fits(problem, scoreAssignment(cameras, choice))) return choice;
  }
  throw new PlannerError(PlannerErrorCode.SolverFailed, "HiGHS kept returning assignments that break the uplink or cloud limit beyond rounding");
}

/** Each camera's fastest option (first among equals). */
function fastest(cameras: readonly PreparedCamera[]): number[] {
  return cameras.map((cam) => {
    let best = 0;
    cam.options.forEach((o, k) => {
      if (o.latencyMs < (cam.options[best] as CameraOption).latencyMs) best = k;
    });
    return best;
  });
}

/**
 * Chooses one plan per camera jointly (see the file comment and `cameras.ts`), exactly up to
 * HiGHS's optimality gap (relative 1e-9). Loads the HiGHS wasm on first use.
 * @throws PlannerError `INFEASIBLE` when no assignment fits (or a camera has no option alone:
 *   `closest` names its nearest miss); `BAD_ARGUMENT` for a malformed problem; `SOLVER_FAILED` if HiGHS fails.
 */
export async function planCameras(problem: CamerasProblem, options: PlanCamerasOptions = {}): Promise<CamerasPlan> {
  const cameras = prepareCameras(problem, options.prune ?? true);
  const own = fastest(cameras);
  if (fits(problem, scoreAssignment(cameras, own))) return camerasPlan(problem, cameras, own, "separable");
  const highs = await loadSolver();
  const timeLimitSec = options.timeLimitSec ?? 10;
  const first = solveOnce(highs, problem, cameras, problem.objective, timeLimitSec);
  if (first === undefined) throw jointInfeasible(problem, cameras);
  if (problem.objective === "sum") return camerasPlan(problem, cameras, first, "milp");
  // Second stage for `max`: the best sum among options no worse than the maximum reached.
  const tStar = scoreAssignment(cameras, first).maxMs;
  const narrowed = cameras.map((cam) => ({ ...cam, options: cam.options.filter((o) => o.weightedMs <= tStar) }));
  const second = solveOnce(highs, problem, narrowed, "sum", timeLimitSec);
  if (second === undefined) return camerasPlan(problem, cameras, first, "milp");
  const choice = second.map((k, i) => (cameras[i] as PreparedCamera).options.indexOf((narrowed[i] as PreparedCamera).options[k] as CameraOption));
  const [a, b] = [scoreAssignment(cameras, first), scoreAssignment(cameras, choice)];
  return camerasPlan(problem, cameras, b.maxMs <= a.maxMs && b.sumMs <= a.sumMs ? choice : first, "milp");
}
