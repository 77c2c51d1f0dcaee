/**
 * Many cameras, one uplink: the problem, each camera's options, and how an assignment is scored.
 * The solvers are `multi-camera.ts` (MILP, HiGHS) and `brute-force.ts` (exhaustive, small cases).
 *
 * Model. n cameras share an uplink of U bytes/s and a cloud of capacity C (ms of cloud-stage
 * work per second of wall time: 4 GPU workers give C = 4000). Camera i sends f_i frames/s and
 * picks one candidate k (an encoding at its cut, see `candidate.ts`). With bytes_k per frame
 * and cloud stage cloud_k ms per frame:
 * - uplink:  Σ_i f_i · bytes_{k(i)} ≤ U            (bytes/s; dropped when U = ∞)
 * - cloud:   Σ_i f_i · cloud_{k(i)} ≤ C            (ms/s; dropped when C = ∞)
 * - latency_i = edge_k + cloud_k + bytes_k / (U / n) · 1000: each camera's transfer is charged
 *   at an equal share U / n of the uplink (what fair queueing guarantees a camera while all
 *   send; spare share left by lighter cameras is not counted, so this is pessimistic).
 * - per camera: accuracyDrop_k ≤ budget_i and, if set, fps at the share ≥ minFps_i, where
 *   fps = 1000 / max(edge stage, transfer at U / n, cloud stage).
 * Objectives, with weights w_i ≥ 0 (default 1):
 * - `sum`: minimise Σ_i w_i · latency_i;
 * - `max`: minimise max_i w_i · latency_i, then Σ_i w_i · latency_i among the assignments that reach it.
 * Every term is a constant per (camera, candidate) pair, so the problem is a multiple-choice
 * knapsack with two capacity rows: linear in binary choice variables, and brute force
 * enumerates exactly the same model.
 */
import { type Candidate, type PlanChoice, candidatesOf, choose, describeChoice, fpsOf, transferMs } from "./candidate.js";
import { PlannerError, PlannerErrorCode } from "./errors.js";
import type { Profile } from "./profile.js";
import { formatRate } from "./rates.js";

/** One camera of a {@link CamerasProblem}. */
export interface CameraSpec {
  /** Camera id for results and messages. Default `camera<i>` (its position). */
  readonly id?: string;
  /** The profile of the model this camera runs (cameras may share one object). */
  readonly profile: Profile;
  /** This camera's accuracy budget, in [0, 1]. */
  readonly maxAccuracyDrop: number;
  /** Frames per second the camera sends: turns bytes per frame into bytes/s and cloud ms per frame into ms/s. */
  readonly fps: number;
  /** Weight of this camera's latency in the objective, ≥ 0. Default 1. */
  readonly weight?: number;
  /** Frame-rate floor of this camera's pipeline at its uplink share, frames/s. Default 0 (none). */
  readonly minFps?: number;
}

/** The joint objectives (see the file comment). */
export type CamerasObjective = "sum" | "max";

/** Many cameras, one uplink (see the file comment). */
export interface CamerasProblem {
  readonly cameras: readonly CameraSpec[];
  /** The shared uplink, bytes/s (Infinity allowed). */
  readonly uplinkBytesPerSec: number;
  /** Cloud capacity: ms of cloud-stage work per second of wall time. Default Infinity. */
  readonly cloudCapacityMsPerSec?: number;
  readonly objective: CamerasObjective;
}

/** One (camera, candidate) pair with everything the joint problem needs. */
export interface CameraOption {
  readonly candidate: Candidate;
  /** edge + cloud + transfer at the camera's share, ms. */
  readonly latencyMs: number;
  /** weight × latencyMs. */
  readonly weightedMs: number;
  /** fps × bytes per frame. */
  readonly bytesPerSec: number;
  /** fps × cloud stage, ms/s. */
  readonly cloudMsPerSec: number;
}

/** A camera's options after filtering (budget, minFps, fits alone) and, optionally, Pareto pruning. */
export interface PreparedCamera {
  readonly id: string;
  readonly spec: CameraSpec;
  /** Uplink share its transfer is charged at, bytes/s. */
  readonly shareBytesPerSec: number;
  readonly options: readonly CameraOption[];
}

/** A solved joint plan for one camera. */
export interface CameraPlan extends PlanChoice {
  readonly camera: string;
  /** Uplink share its transfer time is predicted at, bytes/s. */
  readonly shareBytesPerSec: number;
  /** Uplink it uses, bytes/s. */
  readonly bytesPerSec: number;
  /** Cloud work it uses, ms/s. */
  readonly cloudMsPerSec: number;
}

/** The solution of a {@link CamerasProblem}. */
export interface CamerasPlan {
  readonly objective: CamerasObjective;
  /** One plan per camera, in input order. */
  readonly cameras: readonly CameraPlan[];
  /** Σ w_i · latency_i, ms. */
  readonly sumLatencyMs: number;
  /** max w_i · latency_i, ms. */
  readonly maxLatencyMs: number;
  /** Uplink used, bytes/s. */
  readonly uplinkBytesPerSec: number;
  /** Cloud work used, ms/s. */
  readonly cloudMsPerSec: number;
  /**
   * Which solver produced it: `milp` (HiGHS), `brute-force`, or `separable` (every camera's own
   * fastest option fits together, which is optimal for both objectives: no solve needed).
   */
  readonly solver: "milp" | "brute-force" | "separable";
  /** Options the solver chose among, all cameras together (after pruning). */
  readonly optionCount: number;
}

/** The score of an assignment, summed in camera order. */
export interface AssignmentScore {
  readonly sumMs: number;
  readonly maxMs: number;
  readonly bytesPerSec: number;
  readonly cloudMsPerSec: number;
}

function bad(msg: string): PlannerError {
  return new PlannerError(PlannerErrorCode.BadArgument, msg);
}

const nonNegative = (x: number): boolean => typeof x === "number" && !Number.isNaN(x) && x >= 0;

/** Keeps the options no other option beats on latency, uplink and cloud at once (first in order among equals). */
function paretoPrune(options: CameraOption[]): CameraOption[] {
  const sorted = [...options].sort((a, b) => a.latencyMs - b.latencyMs || a.bytesPerSec - b.bytesPerSec || a.cloudMsPerSec - b.cloudMsPerSec);
  const kept: CameraOption[] = [];
  for (const o of sorted) if (!kept.some((k) => k.bytesPerSec <= o.bytesPerSec && k.cloudMsPerSec <= o.cloudMsPerSec)) kept.push(o);
  return kept;
}

function noOptions(id: string, why: string, c: Candidate, share: number): PlannerError {
  return new PlannerError(PlannerErrorCode.Infeasible, `camera ${id}: ${why}: the closest is ${describeChoice(c)}`, { closest: choose(c, share) });
}

function argmin<T>(xs: readonly T[], f: (x: T) => number): T {
  let best = xs[0] as T;
  for (const x of xs) if (f(x) < f(best)) best = x;
  return best;
}

/**
 * Validates a problem and lists each camera's options (in tie order, see `candidate.ts`).
 * `prune` (default true) drops options another option of the same camera beats or equals on
 * latency, uplink and cloud use at once, which never changes the optimum.
 * @throws PlannerError `BAD_ARGUMENT` for a malformed problem; `INFEASIBLE` when a camera has
 *   no option on its own (`closest` names its nearest miss).
 */
export function prepareCameras(problem: CamerasProblem, prune = true): PreparedCamera[] {
  const { cameras, uplinkBytesPerSec: uplink, objective } = problem;
  const capacity = problem.cloudCapacityMsPerSec ?? Infinity;
  if (cameras.length === 0) throw bad("no cameras");
  if (!nonNegative(uplink)) throw bad(`uplinkBytesPerSec must be ≥ 0 (Infinity allowed), got ${uplink}`);
  if (!nonNegative(capacity)) throw bad(`cloudCapacityMsPerSec must be ≥ 0 (Infinity allowed), got ${capacity}`);
  if (objective !== "sum" && objective !== "max") throw bad(`unknown objective ${JSON.stringify(objective)}: expected sum or max`);
  const share = uplink / cameras.length;
  const ids = new Set<string>();
  const joined = new Map<Profile, Candidate[]>();
  return cameras.map((spec, i) => {
    const id = spec.id ?? `camera${i}`;
    if (ids.has(id)) throw bad(`duplicate camera id ${JSON.stringify(id)}`);
    ids.add(id);
    const weight = spec.weight ?? 1;
    const minFps = spec.minFps ?? 0;
    if (!(nonNegative(spec.fps) && spec.fps > 0 && spec.fps < Infinity)) throw bad(`camera ${id}: fps must be finite and > 0, got ${spec.fps}`);
    if (!nonNegative(spec.maxAccuracyDrop)) throw bad(`camera ${id}: maxAccuracyDrop must be ≥ 0, got ${spec.maxAccuracyDrop}`);
    if (!(nonNegative(weight) && weight < Infinity)) throw bad(`camera ${id}: weight must be finite and ≥ 0, got ${weight}`);
    if (!nonNegative(minFps)) throw bad(`camera ${id}: minFps must be ≥ 0, got ${minFps}`);
    let all = joined.get(spec.profile);
    if (all === undefined) joined.set(spec.profile, (all = candidatesOf(spec.profile)));
    // Filters in turn; when one empties the list, name the nearest miss among the previous survivors.
    const inBudget = all.filter((c) => c.accuracyDrop <= spec.maxAccuracyDrop);
    if (inBudget.length === 0) throw noOptions(id, `no encoding has accuracyDrop ≤ ${spec.maxAccuracyDrop}`, argmin(all, (c) => c.accuracyDrop), share);
    const period = (c: Candidate): number => Math.max(c.edgeMs, transferMs(c.bytes, share), c.cloudMs);
    const fast = inBudget.filter((c) => fpsOf(period(c)) >= minFps);
    if (fast.length === 0) throw noOptions(id, `no plan reaches ${minFps} fps at its uplink share ${formatRate(share)}`, argmin(inBudget, period), share);
    const fitsUplink = fast.filter((c) => spec.fps * c.bytes <= uplink);
    if (fitsUplink.length === 0) throw noOptions(id, `no plan fits the uplink ${formatRate(uplink)} alone at ${spec.fps} fps`, argmin(fast, (c) => c.bytes), share);
    const fits = fitsUplink.filter((c) => spec.fps * c.cloudMs <= capacity);
    if (fits.length === 0) throw noOptions(id, `no plan fits the cloud capacity ${capacity} ms/s alone at ${spec.fps} fps`, argmin(fitsUplink, (c) => c.cloudMs), share);
    const options = fits.map((c): CameraOption => {
      const latencyMs = c.edgeMs + c.cloudMs + transferMs(c.bytes, share);
      return { candidate: c, latencyMs, weightedMs: weight * latencyMs, bytesPerSec: spec.fps * c.bytes, cloudMsPerSec: spec.fps * c.cloudMs };
    });
    return { id, spec, shareBytesPerSec: share, options: prune ? paretoPrune(options) : options };
  });
}

/** Scores an assignment (`choice[i]` indexes camera i's options), summing in camera order. */
export function scoreAssignment(cameras: readonly PreparedCamera[], choice: readonly number[]): AssignmentScore {
  let sumMs = 0;
  let maxMs = 0;
  let bytesPerSec = 0;
  let cloudMsPerSec = 0;
  cameras.forEach((cam, i) => {
    const o = cam.options[choice[i] as number] as CameraOption;
    sumMs += o.weightedMs;
    maxMs = Math.max(maxMs, o.weightedMs);
    bytesPerSec += o.bytesPerSec;
    cloudMsPerSec += o.cloudMsPerSec;
  });
  return { sumMs, maxMs, bytesPerSec, cloudMsPerSec };
}

/** Whether a score fits the problem's uplink and cloud capacity (exactly, no tolerance). */
export function fits(problem: CamerasProblem, s: AssignmentScore): boolean {
  return s.bytesPerSec <= problem.uplinkBytesPerSec && s.cloudMsPerSec <= (problem.cloudCapacityMsPerSec ?? Infinity);
}

/** Builds the result for an assignment. */
export function camerasPlan(problem: CamerasProblem, cameras: readonly PreparedCamera[], choice: readonly number[], solver: CamerasPlan["solver"]): CamerasPlan {
  const s = scoreAssignment(cameras, choice);
  return {
    objective: problem.objective,
    cameras: cameras.map((cam, i) => {
      const o = cam.options[choice[i] as number] as CameraOption;
      return { camera: cam.id, ...choose(o.candidate, cam.shareBytesPerSec), shareBytesPerSec: cam.shareBytesPerSec, bytesPerSec: o.bytesPerSec, cloudMsPerSec: o.cloudMsPerSec };
    }),
    sumLatencyMs: s.sumMs,
    maxLatencyMs: s.maxMs,
    uplinkBytesPerSec: s.bytesPerSec,
    cloudMsPerSec: s.cloudMsPerSec,
    solver,
    optionCount: cameras.reduce((n, c) => n + c.options.length, 0),
  };
}

/** The `INFEASIBLE` error for a problem whose every camera has options but no joint assignment fits: says which limit binds. */
export function jointInfeasible(problem: CamerasProblem, cameras: readonly PreparedCamera[]): PlannerError {
  const capacity = problem.cloudCapacityMsPerSec ?? Infinity;
  const lightest = cameras.map((c) => argmin(c.options, (o) => o.bytesPerSec));
  const minUplink = lightest.reduce((s, o) => s + o.bytesPerSec, 0);
  const minCloud = cameras.reduce((s, c) => s + argmin(c.options, (o) => o.cloudMsPerSec).cloudMsPerSec, 0);
  const why =
    minUplink > problem.uplinkBytesPerSec
      ? `even the lightest plans need ${formatRate(minUplink)} of uplink in all (${cameras.map((c, i) => `${c.id}: ${describeChoice((lightest[i] as CameraOption).candidate)}`).join(", ")}), more than the uplink ${formatRate(problem.uplinkBytesPerSec)}`
      : minCloud > capacity
        ? `even the cheapest plans need ${minCloud.toPrecision(4)} ms/s of cloud work in all, more than the capacity ${capacity} ms/s`
        : `uplink ${formatRate(problem.uplinkBytesPerSec)} and cloud capacity ${capacity} ms/s each fit alone (lightest uplink ${formatRate(minUplink)}, cheapest cloud ${minCloud.toPrecision(4)} ms/s) but no assignment fits both`;
  return new PlannerError(PlannerErrorCode.Infeasible, `no joint plan for ${cameras.length} cameras: ${why}`);
}
