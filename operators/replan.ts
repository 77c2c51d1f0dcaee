/**
 * Re-decoupling: on each bandwidth estimate, re-run the planner and adopt a new plan only when
 * it beats the current one by the policy's margin for its hold time (hysteresis, no flapping).
 * Decisions are serialised (a switch loads the new front segment before frames use it).
 * Link collapse — the estimate under `collapseBelowBytesPerSec`, or no plan feasible — falls back
 * at once, per `collapse`: to the edge-only plan (results only), or to dropping frames with
 * accounting; it recovers when the estimate comes back above the threshold.
 */
import { type Observable, type OperatorFunction, concatMap, from } from "rxjs";
import { type Candidate, type PlanChoice, candidatesOf, choose } from "../planner/candidate.js";
import { PlannerError } from "../planner/errors.js";
import { type Objective, plan } from "../planner/plan.js";
import { type PlanSpec, planId } from "../planner/plan-id.js";
import { type PlanSwitchPolicy, samePlan } from "../planner/plan-switch.js";
import type { Profile } from "../planner/profile.js";
import type { Logger } from "../services/log.js";

/** What to do when the link collapses. */
export type CollapsePolicy = "edge-only" | "drop";

/** Options for {@link replan}. */
export interface ReplanOptions {
  /** The planner's input, with the edge's slowdown applied. */
  readonly profile: Profile;
  /** Accuracy budget, fraction. */
  readonly maxAccuracyDrop: number;
  /** Default "latency". */
  readonly objective?: Objective;
  /** Frame-rate floor for objective "latency-at-fps", frames/s. */
  readonly minFps?: number;
  readonly policy: PlanSwitchPolicy;
  /** The plan in force at start. */
  readonly initial: PlanSpec;
  /** Estimates with less confidence are ignored. Default 0.1. */
  readonly minConfidence?: number;
  /** Below this estimate the link counts as collapsed, bytes/s. Default 5000. */
  readonly collapseBelowBytesPerSec?: number;
  /**
   * Switch at once, skipping the hold, when the current plan's predicted latency at the new
   * estimate is more than this many times the best plan's (a step down in bandwidth, where every
   * held second costs whole frames). Default 2.
   */
  readonly urgentFactor?: number;
  /** Fallback on collapse. Default "edge-only". */
  readonly collapse?: CollapsePolicy;
  /** Makes a plan current (loads it, switches the edge, records it). */
  readonly apply: (spec: PlanSpec, why: string) => Promise<void>;
  /** Turns frame dropping (collapse "drop") on or off. */
  readonly setDropping?: (on: boolean) => void;
  readonly logger?: Logger;
}

/** One re-evaluation. */
export interface ReplanDecision {
  readonly at: number;
  readonly bandwidthBytesPerSec: number;
  readonly confidence: number;
  /** The plan in force after this decision. */
  readonly plan: string;
  readonly switched: boolean;
  readonly collapsed: boolean;
  readonly reason: string;
  /** For switches: when a better plan was first proposed, epoch ms. */
  readonly proposedAt?: number;
}

/** Re-plans on each estimate; see the file comment. */
export function replan(o: ReplanOptions): OperatorFunction<{ bytesPerSec: number; confidence: number; at: number }, ReplanDecision> {
  const candidates = candidatesOf(o.profile);
  const find = (s: PlanSpec): Candidate | undefined => candidates.find((c) => samePlan(c, s));
  const lastCut = Math.max(...o.profile.cuts.map((c) => c.id));
  const edgeOnly = candidates.find((c) => c.cut === lastCut);
  let current: PlanSpec = o.initial;
  let collapsed = false;
  let proposed: { id: string; since: number } | undefined;
  const threshold = o.collapseBelowBytesPerSec ?? 5000;

  const decide = async (e: { bytesPerSec: number; confidence: number; at: number }): Promise<ReplanDecision> => {
    const base = { at: e.at, bandwidthBytesPerSec: e.bytesPerSec, confidence: e.confidence };
    const result = (switched: boolean, reason: string, proposedAt?: number): ReplanDecision => ({ ...base, plan: planId(current), switched, collapsed, reason, ...(proposedAt !== undefined ? { proposedAt } : {}) });
    if (e.confidence < (o.minConfidence ?? 0.1)) return result(false, "low-confidence");
    let best: PlanChoice | undefined;
    try {
      best = e.bytesPerSec < threshold ? undefined : plan(o.profile, e.bytesPerSec, o.maxAccuracyDrop, o.objective ?? "latency", o.minFps !== undefined ? { minFps: o.minFps } : {});
    } catch (err) {
      if (!(err instanceof PlannerError)) throw err;
      best = undefined;
    }
    if (best === undefined) {
      if (collapsed) return result(false, "collapsed");
      collapsed = true;
      proposed = undefined;
      o.policy.reset();
      o.logger?.log("warn", "link-collapse", { bandwidthBytesPerSec: e.bytesPerSec, fallback: o.collapse ?? "edge-only" });
      if ((o.collapse ?? "edge-only") === "drop" || edgeOnly === undefined) {
        o.setDropping?.(true);
        return result(false, "collapse-drop");
      }
      if (samePlan(edgeOnly, current)) return result(false, "collapse-edge-only");
      current = { cut: edgeOnly.cut, codec: edgeOnly.codec, bits: edgeOnly.bits };
      await o.apply(current, "link collapse: edge only");
      return result(true, "collapse-edge-only", e.at);
    }
    if (collapsed) {
      collapsed = false;
      o.setDropping?.(false);
      o.logger?.log("info", "link-recovered", { bandwidthBytesPerSec: e.bytesPerSec });
    }
    const now = find(current);
    const currentChoice = now === undefined ? undefined : choose(now, e.bytesPerSec);
    const id = planId(best);
    if (now !== undefined && samePlan(now, best)) proposed = undefined;
    else if (proposed?.id !== id) proposed = { id, since: e.at };
    const urgent = currentChoice !== undefined && !samePlan(currentChoice, best) && currentChoice.predicted.totalMs > (o.urgentFactor ?? 2) * best.predicted.totalMs;
    const d = urgent ? { switch: true, reason: "urgent", message: `${planId(best)} is over ${o.urgentFactor ?? 2}× faster than ${planId(currentChoice)} at ${Math.round(e.bytesPerSec)} B/s` } : o.policy.consider(currentChoice, best, e.at);
    if (urgent) o.policy.reset();
    if (!d.switch) return result(false, d.reason);
    const proposedAt = proposed?.since ?? e.at;
    proposed = undefined;
    current = { cut: best.cut, codec: best.codec, bits: best.bits };
    await o.apply(current, d.message);
    return result(true, d.reason, proposedAt);
  };

  return (source: Observable<{ bytesPerSec: number; confidence: number; at: number }>) => source.pipe(concatMap((e) => from(decide(e))));
}
