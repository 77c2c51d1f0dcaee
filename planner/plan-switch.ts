/**
 * Hysteresis for re-decoupling: when to leave the running plan for the planner's latest pick.
 *
 * Re-planning on every bandwidth sample would flap between cuts whose predicted latencies are a
 * hair apart, and every switch costs (the edge loads another front segment, workers another back
 * segment). {@link PlanSwitchPolicy} switches only when it pays:
 *
 * 1. no current plan → adopt the candidate (`initial`);
 * 2. same (cut, codec, bits) → stay (`same-plan`);
 * 3. candidate infeasible (see below) while the current plan is feasible → stay (`candidate-infeasible`);
 * 4. current plan infeasible, candidate feasible → switch at once (`current-infeasible`);
 * 5. otherwise the candidate must beat the current plan's predicted latency (`predicted.totalMs`)
 *    by the margin: candidate < current · (1 − marginFraction); while it does not → stay
 *    (`not-better`, and the hold timer restarts);
 * 6. the current plan must have been beaten by the margin continuously for `holdMs` (by whichever
 *    candidates were offered meanwhile: the timer is about the current plan being worse, not about
 *    one particular rival) → switch (`better`); before that → stay (`holding`).
 * When both are infeasible, rule 5–6 decides (so the planner's closest miss can still replace a worse one).
 *
 * A plan is **infeasible** when its predicted latency is not finite (no bandwidth for its bytes),
 * its predicted fps is below `minFps`, its accuracy drop exceeds `maxAccuracyDrop`, or its latency
 * exceeds `maxLatencyMs` (each constraint only when set).
 *
 * Both choices must be predicted at the same, latest bandwidth estimate: re-predict the current
 * plan (`choose(candidate, bw)` of candidate.ts) before each call. Time is the caller's clock.
 */
import { type PlanChoice, describeChoice } from "./candidate.js";
import { PlannerError, PlannerErrorCode } from "./errors.js";

/** Options of a {@link PlanSwitchPolicy}. */
export interface PlanSwitchOptions {
  /** How much lower (as a fraction of the current latency) a candidate's predicted latency must be, 0..1. Default 0.1. */
  readonly marginFraction?: number;
  /** How long the current plan must stay beaten by the margin before a switch, ms (≥ 0). Default 2000. */
  readonly holdMs?: number;
  /** Feasibility: the frame-rate floor, frames/s. Default none. */
  readonly minFps?: number;
  /** Feasibility: the accuracy budget, as a fraction. Default none. */
  readonly maxAccuracyDrop?: number;
  /** Feasibility: the latency ceiling, ms. Default none. */
  readonly maxLatencyMs?: number;
}

/** Why {@link PlanSwitchPolicy.consider} decided as it did (see the file comment for the rules). */
export const SwitchReason = {
  Initial: "initial",
  SamePlan: "same-plan",
  CandidateInfeasible: "candidate-infeasible",
  CurrentInfeasible: "current-infeasible",
  NotBetter: "not-better",
  Holding: "holding",
  Better: "better",
} as const;

/** Union of the values of {@link SwitchReason}. */
export type SwitchReason = (typeof SwitchReason)[keyof typeof SwitchReason];

/** A decision of {@link PlanSwitchPolicy.consider}. */
export interface SwitchDecision {
  /** Whether to adopt the candidate now. */
  readonly switch: boolean;
  readonly reason: SwitchReason;
  /** One line for logs, e.g. `cut 3 ans c=4 beats cut 0 jpeg by 31.0% for 2000 ms`. */
  readonly message: string;
}

/** Whether two choices are the same plan: identical cut, codec and bit width. */
export function samePlan(a: Pick<PlanChoice, "cut" | "codec" | "bits">, b: Pick<PlanChoice, "cut" | "codec" | "bits">): boolean {
  return a.cut === b.cut && a.codec === b.codec && a.bits === b.bits;
}

function optional(name: string, v: number | undefined, max = Infinity): number | undefined {
  if (v !== undefined && (typeof v !== "number" || Number.isNaN(v) || v < 0 || v > max)) throw new PlannerError(PlannerErrorCode.BadArgument, `${name} must be in 0..${max}, got ${v}`);
  return v;
}

/** Re-decoupling hysteresis (see the file comment). Stateful: one policy per camera. */
export class PlanSwitchPolicy {
  /** Fraction of the current latency a candidate must save, 0..1. */
  readonly marginFraction: number;
  /** Time the current plan must stay beaten before a switch, ms. */
  readonly holdMs: number;
  private readonly minFps: number | undefined;
  private readonly maxAccuracyDrop: number | undefined;
  private readonly maxLatencyMs: number | undefined;
  /** When the current plan was first seen beaten by the margin (in the current streak), and which plan that was. */
  private beaten: { since: number; current: PlanChoice } | undefined;

  /** @throws PlannerError `BAD_ARGUMENT` for an option out of its domain. */
  constructor(options: PlanSwitchOptions = {}) {
    this.marginFraction = optional("marginFraction", options.marginFraction, 1) ?? 0.1;
    this.holdMs = optional("holdMs", options.holdMs) ?? 2000;
    this.minFps = optional("minFps", options.minFps);
    this.maxAccuracyDrop = optional("maxAccuracyDrop", options.maxAccuracyDrop);
    this.maxLatencyMs = optional("maxLatencyMs", options.maxLatencyMs);
  }

  /** Why `c` is infeasible, or undefined when it is feasible (see the file comment). */
  violation(c: PlanChoice): string | undefined {
    const p = c.predicted;
    if (!Number.isFinite(p.totalMs)) return "no bandwidth for its bytes";
    if (this.minFps !== undefined && !(p.fps >= this.minFps)) return `${p.fps.toFixed(2)} fps < ${this.minFps} fps`;
    if (this.maxAccuracyDrop !== undefined && p.accuracyDrop > this.maxAccuracyDrop) return `accuracy drop ${p.accuracyDrop} > ${this.maxAccuracyDrop}`;
    if (this.maxLatencyMs !== undefined && p.totalMs > this.maxLatencyMs) return `latency ${p.totalMs.toFixed(1)} ms > ${this.maxLatencyMs} ms`;
    return undefined;
  }

  /** Forgets the hold timer. */
  reset(): void {
    this.beaten = undefined;
  }

  /**
   * Whether to switch from `current` to `candidate` at `nowMs` (caller's clock, ms). A `switch: true`
   * answer assumes the caller adopts the candidate: pass it as `current` from then on.
   */
  consider(current: PlanChoice | undefined, candidate: PlanChoice, nowMs: number): SwitchDecision {
    const cand = describeChoice(candidate);
    const stay = (reason: SwitchReason, message: string): SwitchDecision => ({ switch: false, reason, message });
    const go = (reason: SwitchReason, message: string): SwitchDecision => {
      this.beaten = undefined;
      return { switch: true, reason, message };
    };
    if (current === undefined) return go(SwitchReason.Initial, `${cand}: no plan yet`);
    const cur = describeChoice(current);
    if (samePlan(current, candidate)) {
      this.beaten = undefined;
      return stay(SwitchReason.SamePlan, `${cur}: already running`);
    }
    const curBad = this.violation(current);
    const candBad = this.violation(candidate);
    if (candBad !== undefined && curBad === undefined) {
      this.beaten = undefined;
      return stay(SwitchReason.CandidateInfeasible, `${cand} is infeasible (${candBad}); keeping ${cur}`);
    }
    if (curBad !== undefined && candBad === undefined) return go(SwitchReason.CurrentInfeasible, `${cur} is infeasible (${curBad}); switching to ${cand}`);
    const a = current.predicted.totalMs;
    const b = candidate.predicted.totalMs;
    const gain = a === Infinity ? (b < Infinity ? 1 : 0) : a > 0 ? (a - b) / a : 0;
    const pct = `${(100 * gain).toFixed(1)}%`;
    if (!(b < a * (1 - this.marginFraction)) && !(a === Infinity && b < Infinity)) {
      this.beaten = undefined;
      return stay(SwitchReason.NotBetter, `${cand} saves ${pct} over ${cur}, margin ${(100 * this.marginFraction).toFixed(1)}%`);
    }
    if (this.beaten === undefined || !samePlan(this.beaten.current, current)) this.beaten = { since: nowMs, current };
    const held = nowMs - this.beaten.since;
    if (held >= this.holdMs) return go(SwitchReason.Better, `${cand} beats ${cur} by ${pct} for ${held} ms`);
    return stay(SwitchReason.Holding, `${cand} beats ${cur} by ${pct} for ${held} of ${this.holdMs} ms`);
  }
}
