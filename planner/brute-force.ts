/**
 * Exhaustive reference solvers, written for obviousness rather than speed: the oracle the tests
 * check the fast planner and the MILP against, and the baseline the bench measures.
 */
import { type CamerasPlan, type CamerasProblem, type PreparedCamera, camerasPlan, fits, jointInfeasible, prepareCameras, scoreAssignment } from "./cameras.js";
import { type Candidate, type PlanChoice, choose, tieOrder } from "./candidate.js";
import { PlannerError, PlannerErrorCode } from "./errors.js";
import type { DecideOptions, Objective, Plan } from "./plan.js";
import type { Profile } from "./profile.js";

/**
 * The single-camera plan the naive way: join every encoding with its cut, predict all, filter,
 * sort by (objective, tie order) and take the first. Same contract as `plan()`, but the
 * infeasibility message is terse and arguments are not validated.
 */
export function bruteForcePlan(profile: Profile, bandwidth: number, maxAccuracyDrop: number, objective: Objective = "latency", options: DecideOptions = {}): Plan {
  const all: Candidate[] = profile.encodings.map((x, encoding) => {
    const c = profile.cuts.find((cut) => cut.id === x.cut);
    if (c === undefined) throw new PlannerError(PlannerErrorCode.BadProfile, `encodings[${encoding}].cut: no cut with id ${x.cut}`);
    return { encoding, cut: x.cut, codec: x.codec, bits: x.bits, bytes: x.bytes, accuracyDrop: x.accuracyDrop, edgeMs: c.edgeMs + x.encodeMs, cloudMs: x.decodeMs + c.cloudMs };
  });
  const minFps = options.minFps ?? 0;
  const key = (p: PlanChoice): number => (objective === "throughput" ? Math.max(p.predicted.edgeMs, p.predicted.transferMs, p.predicted.cloudMs) : p.predicted.totalMs);
  const ranked = all
    .filter((c) => c.accuracyDrop <= maxAccuracyDrop)
    .map((c) => ({ c, p: choose(c, bandwidth) }))
    .filter(({ p }) => objective !== "latency-at-fps" || p.predicted.fps >= minFps)
    .sort((a, b) => key(a.p) - key(b.p) || tieOrder(a.c, b.c))
    .map(({ p }) => p);
  const [best, ...rest] = ranked;
  if (best === undefined) throw new PlannerError(PlannerErrorCode.Infeasible, `no plan within accuracyDrop ≤ ${maxAccuracyDrop} meets the ${objective} objective`);
  return {
    ...best,
    objective,
    bandwidthBytesPerSec: bandwidth,
    maxAccuracyDrop,
    ...(objective === "latency-at-fps" ? { minFps } : {}),
    alternatives: rest.slice(0, options.alternatives ?? 10),
  };
}

/** Options for {@link bruteForceCameras}. */
export interface BruteForceOptions {
  /** Pareto-prune each camera's options first. Default false: enumerate everything. */
  readonly prune?: boolean;
  /** Refuse problems with more assignments than this. Default 1e6. */
  readonly maxAssignments?: number;
}

/**
 * Solves a many-camera problem (`cameras.ts`) by enumerating every assignment, in lexicographic
 * order of option indices; the first strictly best wins. `sum`: least Σ w·latency; `max`: least
 * max w·latency, then least Σ.
 * @throws PlannerError `BAD_ARGUMENT` beyond `maxAssignments`; `INFEASIBLE` as `planCameras`.
 */
export function bruteForceCameras(problem: CamerasProblem, options: BruteForceOptions = {}): CamerasPlan {
  const cameras: PreparedCamera[] = prepareCameras(problem, options.prune ?? false);
  const total = cameras.reduce((n, c) => n * c.options.length, 1);
  const limit = options.maxAssignments ?? 1e6;
  if (total > limit) throw new PlannerError(PlannerErrorCode.BadArgument, `${total} assignments exceed the brute-force limit ${limit}`);
  const choice = cameras.map(() => 0);
  let best: number[] | undefined;
  let bestKey: [number, number] = [Infinity, Infinity];
  for (let n = 0; n < total; n++) {
    const s = scoreAssignment(cameras, choice);
    if (fits(problem, s)) {
      const key: [number, number] = problem.objective === "sum" ? [s.sumMs, 0] : [s.maxMs, s.sumMs];
      if (best === undefined || key[0] < bestKey[0] || (key[0] === bestKey[0] && key[1] < bestKey[1])) [best, bestKey] = [[...choice], key];
    }
    // Next assignment: odometer over the option indices, last camera fastest.
    for (let i = cameras.length - 1; i >= 0; i--) {
      const next = (choice[i] as number) + 1;
      if (next < (cameras[i] as PreparedCamera).options.length) {
        choice[i] = next;
        break;
      }
      choice[i] = 0;
    }
  }
  if (best === undefined) throw jointInfeasible(problem, cameras);
  return camerasPlan(problem, cameras, best, "brute-force");
}

