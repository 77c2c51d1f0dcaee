/**
 * The single-camera decision: which cut and encoding to use at a given bandwidth.
 *
 * Candidates are the profile's encodings whose accuracy drop is within the budget (see
 * `candidate.ts` for the cost model). Objectives:
 * - `latency`: minimise edge + transfer + cloud (the paper's objective);
 * - `throughput`: maximise fps = 1000 / max(edge stage, transfer, cloud stage);
 * - `latency-at-fps`: minimise latency among the candidates with fps ≥ `minFps`.
 * Ties on the objective go to fewer bytes, then the lower cut id, then the earlier encoding in
 * the profile. The search is exhaustive, hence exact: a {@link Planner} keeps the candidates
 * in typed arrays sorted in tie order, so one decision is a single tight pass (microseconds
 * for 2000 candidates; `npm run bench:planner`).
 */
import { type Candidate, type PlanChoice, candidatesOf, choose, describeChoice, fpsOf, transferMs } from "./candidate.js";
import { PlannerError, PlannerErrorCode } from "./errors.js";
import type { Profile } from "./profile.js";
import { formatRate } from "./rates.js";

/** Every objective {@link Planner.decide} knows. */
export const OBJECTIVES = ["latency", "throughput", "latency-at-fps"] as const;

/** What the single-camera planner optimises (see the file comment). */
export type Objective = (typeof OBJECTIVES)[number];

/** Options for {@link Planner.decide} and {@link plan}. */
export interface DecideOptions {
  /** For `latency-at-fps` (required there, ignored otherwise): the frame-rate floor, frames/s. */
  readonly minFps?: number;
  /** How many runners-up `Plan.alternatives` lists. Default 10. */
  readonly alternatives?: number;
}

/** A decision: the chosen encoding, what it is predicted to cost, and the runners-up. */
export interface Plan extends PlanChoice {
  readonly objective: Objective;
  /** The bandwidth it was planned for, bytes/s. */
  readonly bandwidthBytesPerSec: number;
  /** The accuracy budget it was planned for. */
  readonly maxAccuracyDrop: number;
  /** The frame-rate floor, for `latency-at-fps` (undefined otherwise). */
  readonly minFps?: number | undefined;
  /** The next best feasible candidates, best first (the chosen one is not repeated). */
  readonly alternatives: readonly PlanChoice[];
}

function checkArgs(bandwidth: number, budget: number, objective: Objective, options: DecideOptions): void {
  const bad = (msg: string): PlannerError => new PlannerError(PlannerErrorCode.BadArgument, msg);
  if (typeof bandwidth !== "number" || Number.isNaN(bandwidth) || bandwidth < 0) throw bad(`bandwidth must be ≥ 0 bytes/s (Infinity allowed), got ${bandwidth}`);
  if (typeof budget !== "number" || Number.isNaN(budget) || budget < 0) throw bad(`maxAccuracyDrop must be ≥ 0, got ${budget}`);
  if (!OBJECTIVES.includes(objective)) throw bad(`unknown objective ${JSON.stringify(objective)}: expected one of ${OBJECTIVES.join(", ")}`);
  const { minFps, alternatives } = options;
  if (objective === "latency-at-fps" && (typeof minFps !== "number" || Number.isNaN(minFps) || minFps < 0)) {
    throw bad(`objective latency-at-fps needs minFps ≥ 0, got ${minFps}`);
  }
  if (alternatives !== undefined && !(Number.isInteger(alternatives) && alternatives >= 0)) throw bad(`alternatives must be an integer ≥ 0, got ${alternatives}`);
}

/**
 * The best `keep` (key, index) pairs seen, sorted by key; among equal keys the earlier insert
 * stays first, so scanning in tie order breaks ties in tie order.
 */
class TopList {
  // Plain arrays: allocating small typed arrays costs more than the whole insert work.
  readonly keys: number[] = [];
  readonly idx: number[] = [];
  count = 0;
  /** Whether `keep` pairs are held; from then on only keys strictly below `worst` may enter. */
  full = false;
  /** The last kept key once full. */
  worst = Infinity;
  constructor(readonly keep: number) {}
  insert(key: number, i: number): void {
    const { keys, idx, keep } = this;
    let j = this.count < keep ? this.count++ : keep - 1;
    while (j > 0 && key < (keys[j - 1] as number)) {
      keys[j] = keys[j - 1] as number;
      idx[j] = idx[j - 1] as number;
      j--;
    }
    keys[j] = key;
    idx[j] = i;
    if (this.count === keep) {
      this.full = true;
      this.worst = keys[keep - 1] as number;
    }
  }
}

/** The planner for one profile: built once (O(n log n)), then {@link Planner.decide} is one pass over n candidates. */
export class Planner {
  /** Every candidate, in tie order. */
  readonly candidates: readonly Candidate[];
  private readonly bytes: Float64Array;
  private readonly edge: Float64Array;
  private readonly cloud: Float64Array;
  private readonly compute: Float64Array;
  private readonly drop: Float64Array;
  /** Position of the candidate with the smallest accuracy drop (first in tie order among equals). */
  private readonly leastDrop: number;

  /** @throws PlannerError `BAD_PROFILE` if an encoding names a missing cut. */
  constructor(profile: Profile) {
    const cs = candidatesOf(profile);
    this.candidates = cs;
    this.bytes = Float64Array.from(cs, (c) => c.bytes);
    this.edge = Float64Array.from(cs, (c) => c.edgeMs);
    this.cloud = Float64Array.from(cs, (c) => c.cloudMs);
    this.compute = Float64Array.from(cs, (c) => c.edgeMs + c.cloudMs);
    this.drop = Float64Array.from(cs, (c) => c.accuracyDrop);
    let least = 0;
    for (let i = 1; i < cs.length; i++) if ((this.drop[i] as number) < (this.drop[least] as number)) least = i;
    this.leastDrop = least;
  }

  /**
   * The best plan at `bandwidth` bytes/s (0 and Infinity allowed) within `maxAccuracyDrop`.
   * @throws PlannerError `INFEASIBLE` when no candidate meets the constraints (`closest` names the nearest miss);
   *   `BAD_ARGUMENT` for a NaN or negative bandwidth/budget/minFps, an unknown objective, or a missing minFps.
   */
  decide(bandwidth: number, maxAccuracyDrop: number, objective: Objective = "latency", options: DecideOptions = {}): Plan {
    checkArgs(bandwidth, maxAccuracyDrop, objective, options);
    const keep = (options.alternatives ?? 10) + 1;
    const minFps = options.minFps ?? 0;
    const top = new TopList(keep);
    const { bytes, edge, cloud, compute, drop } = this;
    const n = bytes.length;
    // One loop per objective keeps each loop tight; all compute the keys as `candidate.ts` does.
    if (objective === "latency") {
      for (let i = 0; i < n; i++) {
        if (!((drop[i] as number) <= maxAccuracyDrop)) continue;
        const b = bytes[i] as number;
        const key = (compute[i] as number) + (b === 0 ? 0 : (b / bandwidth) * 1000);
        if (key < top.worst || !top.full) top.insert(key, i);
      }
    } else if (objective === "throughput") {
      for (let i = 0; i < n; i++) {
        if (!((drop[i] as number) <= maxAccuracyDrop)) continue;
        const b = bytes[i] as number;
        const key = Math.max(edge[i] as number, b === 0 ? 0 : (b / bandwidth) * 1000, cloud[i] as number);
        if (key < top.worst || !top.full) top.insert(key, i);
      }
    } else {
      for (let i = 0; i < n; i++) {
        if (!((drop[i] as number) <= maxAccuracyDrop)) continue;
        const b = bytes[i] as number;
        const t = b === 0 ? 0 : (b / bandwidth) * 1000;
        if (!(1000 / Math.max(edge[i] as number, t, cloud[i] as number) >= minFps)) continue;
        const key = (compute[i] as number) + t;
        if (key < top.worst || !top.full) top.insert(key, i);
      }
    }
    const { count, idx } = top;
    if (count === 0) throw this.infeasible(bandwidth, maxAccuracyDrop, minFps);
    const alternatives: PlanChoice[] = [];
    for (let j = 1; j < count; j++) alternatives.push(choose(this.candidates[idx[j] as number] as Candidate, bandwidth));
    const best = choose(this.candidates[idx[0] as number] as Candidate, bandwidth);
    // A plain literal: object spread here would cost more than the whole scan.
    return {
      cut: best.cut,
      codec: best.codec,
      bits: best.bits,
      encoding: best.encoding,
      predicted: best.predicted,
      objective,
      bandwidthBytesPerSec: bandwidth,
      maxAccuracyDrop,
      minFps: objective === "latency-at-fps" ? minFps : undefined,
      alternatives,
    };
  }

  private infeasible(bandwidth: number, budget: number, minFps: number): PlannerError {
    const least = this.candidates[this.leastDrop] as Candidate;
    if (!(least.accuracyDrop <= budget)) {
      const c = least;
      return new PlannerError(
        PlannerErrorCode.Infeasible,
        `no encoding has accuracyDrop ≤ ${budget}: the closest is ${describeChoice(c)} with accuracyDrop ${c.accuracyDrop}`,
        { closest: choose(c, bandwidth) },
      );
    }
    // Only latency-at-fps can reject a candidate within budget: name the fastest one.
    let best = -1;
    let bestPeriod = Infinity;
    for (let i = 0; i < this.candidates.length; i++) {
      const c = this.candidates[i] as Candidate;
      if (!(c.accuracyDrop <= budget)) continue;
      const period = Math.max(c.edgeMs, transferMs(c.bytes, bandwidth), c.cloudMs);
      if (best === -1 || period < bestPeriod) [best, bestPeriod] = [i, period];
    }
    const closest = choose(this.candidates[best] as Candidate, bandwidth);
    const p = closest.predicted;
    const stage = p.transferMs === bestPeriod ? "transfer" : p.edgeMs === bestPeriod ? "edge" : "cloud";
    return new PlannerError(
      PlannerErrorCode.Infeasible,
      `no plan within accuracyDrop ≤ ${budget} reaches ${minFps} fps at ${formatRate(bandwidth)}: ` +
        `the fastest is ${describeChoice(closest)} at ${fpsOf(bestPeriod).toPrecision(4)} fps, limited by its ${stage} stage (${bestPeriod.toPrecision(4)} ms per frame)`,
      { closest },
    );
  }
}

const planners = new WeakMap<Profile, Planner>();

/** The {@link Planner} of a profile object, built on first use and cached while the profile lives. */
export function plannerFor(profile: Profile): Planner {
  let p = planners.get(profile);
  if (p === undefined) planners.set(profile, (p = new Planner(profile)));
  return p;
}

/**
 * The best plan for `profile` at `bandwidthBytesPerSec` within `maxAccuracyDrop`, for `objective`.
 * Pure: the per-profile precomputation is cached on the (immutable) profile object.
 * @throws PlannerError as {@link Planner.decide}.
 */
export function plan(profile: Profile, bandwidthBytesPerSec: number, maxAccuracyDrop: number, objective: Objective = "latency", options: DecideOptions = {}): Plan {
  return plannerFor(profile).decide(bandwidthBytesPerSec, maxAccuracyDrop, objective, options);
}
