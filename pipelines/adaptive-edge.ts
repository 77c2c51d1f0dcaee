/**
 * An edge that re-decouples itself: the edge pipeline, a bandwidth observer on its own acks (or,
 * for the oracle baseline, the link's true rate), and the replan operator. Every adopted plan is
 * versioned in KV `jalad_plans` (key = camera; the KV revision is the version), and each switch
 * is timed from the first estimate that proposed it to the first frame acknowledged on it.
 */
import { Kvm } from "@nats-io/kv";
import { type Observable, type Subscription, interval, map } from "rxjs";
import type { EstimatorName } from "../planner/bandwidth-estimators.js";
import { plan } from "../planner/plan.js";
import { type PlanSpec, planId } from "../planner/plan-id.js";
import { PlanSwitchPolicy } from "../planner/plan-switch.js";
import type { Profile } from "../planner/profile.js";
import { withEdgeSlowdown } from "../planner/edge-slowdown.js";
import { INLINE_PAYLOAD_BYTES, withinPayload } from "../planner/payload-limit.js";
import { BandwidthObserver } from "../operators/observe-bandwidth.js";
import { type CollapsePolicy, type ReplanDecision, replan } from "../operators/replan.js";
import { names, subjects } from "../services/nats/topology.js";
import { type EdgeHandle, type EdgeOptions, type EdgeTelemetry, type PublishedFrame, startEdge } from "./edge.js";

/** Options for {@link startAdaptiveEdge}: the edge's, less the plan, plus planning. */
export interface AdaptiveEdgeOptions extends Omit<EdgeOptions, "plan"> {
  /** Profile measured with edge and cloud alike; the edge slowdown is applied to it here. */
  readonly profile: Profile;
  /** Accuracy budget, fraction. Default 0.01. */
  readonly maxAccuracyDrop?: number;
  /** Bandwidth assumed for the first plan, bytes/s. Default: none, start on the edge-only plan (it needs no bandwidth) until the first estimate. */
  readonly initialBandwidth?: number;
  /** Default "harmonic" (see operators/observe-bandwidth.ts). */
  readonly estimator?: EstimatorName;
  /** Margin a new plan must win by, fraction. Default 0.1. */
  readonly switchMargin?: number;
  /** How long it must keep winning, ms. Default 2000. */
  readonly holdMs?: number;
  /** Link-collapse fallback. Default "edge-only". */
  readonly collapse?: CollapsePolicy;
  /** The oracle baseline: plan on this true rate (bytes/s at epoch ms) instead of estimates, switching at once. */
  readonly oracle?: (now: number) => number;
  /** The link's true rate, when known (the emulator's), to publish the estimate's error on telemetry. */
  readonly trueRate?: (now: number) => number;
  /**
   * Encodings above this many bytes per frame are left out of planning, bytes. Default 1040384
   * (the default max_payload less headers): larger frames go through the object store, whose
   * chunked, acknowledged uploads cost round trips the profile does not model.
   */
  readonly maxPlanBytes?: number;
  /** Called with each decision. */
  readonly onDecision?: (d: ReplanDecision) => void;
}

/** A plan switch, timed. */
export interface PlanSwitch {
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  /** First estimate that proposed `to`, decision, first frame acknowledged on `to` (epoch ms). */
  readonly proposedAt: number;
  readonly decidedAt: number;
  firstFrameAt?: number;
  /** firstFrameAt − proposedAt, ms. */
  latencyMs?: number;
}

/** A running adaptive edge. */
export interface AdaptiveEdgeHandle {
  readonly edge: EdgeHandle;
  readonly switches: readonly PlanSwitch[];
  readonly decisions: readonly ReplanDecision[];
  /** Latest estimate, bytes/s (undefined before the first). */
  estimate(): number | undefined;
  /** Probe bytes sent so far. */
  probeBytes(): number;
  stop(): ReturnType<EdgeHandle["stop"]>;
}

/** Starts an adaptive edge; see the file comment. */
export async function startAdaptiveEdge(o: AdaptiveEdgeOptions): Promise<AdaptiveEdgeHandle> {
  const slowed = withEdgeSlowdown(o.profile, o.slowdown ?? 1);
  const profile = withinPayload(slowed, o.maxPlanBytes ?? INLINE_PAYLOAD_BYTES);
  const budget = o.maxAccuracyDrop ?? 0.01;
  const guess = o.oracle?.(Date.now()) ?? o.initialBandwidth;
  const lastCut = Math.max(...profile.cuts.map((c) => c.id));
  const edgeOnly = profile.encodings.find((e) => e.cut === lastCut);
  const first = guess !== undefined || edgeOnly === undefined ? plan(profile, guess ?? 1e6, budget) : edgeOnly;
  const initial: PlanSpec = { cut: first.cut, codec: first.codec, bits: first.bits };
  const switches: PlanSwitch[] = [];
  const decisions: ReplanDecision[] = [];
  let observer: BandwidthObserver | undefined;
  let lastEstimate: number | undefined;
  const userPublished = o.onPublished;
  const userTelemetry = o.onTelemetry;
  const edge = await startEdge({
    ...o,
    plan: initial,
    onPublished: (p: PublishedFrame) => {
      observer?.acked(p.bytes + 400, p.ackedAt - p.ackMs, p.ackedAt); // + headers
      const s = switches.at(-1);
      if (s !== undefined && s.firstFrameAt === undefined && p.plan === s.to) {
        s.firstFrameAt = p.ackedAt;
        s.latencyMs = p.ackedAt - s.proposedAt;
      }
      userPublished?.(p);
    },
    onTelemetry: (t: EdgeTelemetry) => {
      const truth = o.trueRate?.(t.at);
      const extra = { kind: "bandwidth", camera: o.camera, at: t.at, estimateBytesPerSec: lastEstimate ?? null, trueBytesPerSec: truth ?? null, errorFraction: truth !== undefined && lastEstimate !== undefined && truth > 0 ? (lastEstimate - truth) / truth : null, probeBytes: observer?.probeBytes ?? 0, plan: planId(edge.plan()) };
      edge.nc.publish(subjects.telemetry(o.camera), JSON.stringify(extra));
      userTelemetry?.(t);
    },
  });
  const kv = await new Kvm(edge.nc).open(names.plansBucket);
  const record = async (spec: PlanSpec, why: string): Promise<void> => {
    const rev = await kv.put(o.camera, JSON.stringify({ camera: o.camera, plan: planId(spec), ...spec, why, at: Date.now(), slowdown: o.slowdown ?? 1, maxAccuracyDrop: budget }));
    o.logger?.log("info", "plan-recorded", { camera: o.camera, plan: planId(spec), version: rev });
  };
  const policy = o.oracle !== undefined ? new PlanSwitchPolicy({ marginFraction: 0, holdMs: 0 }) : new PlanSwitchPolicy({ marginFraction: o.switchMargin ?? 0.1, holdMs: o.holdMs ?? 2000 });
  let estimates$: Observable<{ bytesPerSec: number; confidence: number; at: number }>;
  let start = initial;
  if (o.oracle !== undefined) {
    const oracle = o.oracle;
    estimates$ = interval(250).pipe(map(() => ({ bytesPerSec: oracle(Date.now()), confidence: 1, at: Date.now() })));
  } else {
    observer = new BandwidthObserver({ nc: edge.nc, camera: o.camera, busy: () => edge.inFlight() > 0, estimator: o.estimator ?? "harmonic", ...(o.logger ? { logger: o.logger } : {}) });
    // Measure the link before the first real plan (the edge-only placeholder needs no bandwidth).
    const measured = guess === undefined ? await observer.measureNow() : undefined;
    if (measured !== undefined) {
      lastEstimate = measured.bytesPerSec;
      const p = plan(profile, measured.bytesPerSec, budget);
      start = { cut: p.cut, codec: p.codec, bits: p.bits };
      if (planId(start) !== planId(initial)) await edge.setPlan(start);
    }
    estimates$ = observer.bandwidth$();
  }
  await record(start, guess === undefined && o.oracle === undefined ? "first estimate" : "initial");
  const sub: Subscription = estimates$
    .pipe(
      map((e) => {
        lastEstimate = e.bytesPerSec;
        return e;
      }),
      replan({
        profile, maxAccuracyDrop: budget, policy, initial: start, collapse: o.collapse ?? "edge-only", ...(o.logger ? { logger: o.logger } : {}),
        setDropping: (on) => edge.setDropping(on),
        apply: async (spec, why) => {
          const from = planId(edge.plan());
          await edge.setPlan(spec);
          await record(spec, why);
          o.logger?.log("info", "replan", { camera: o.camera, from, to: planId(spec), why });
        },
      }),
    )
    .subscribe({
      next: (d) => {
        decisions.push(d);
        if (d.switched) switches.push({ from: switches.at(-1)?.to ?? planId(start), to: d.plan, reason: d.reason, proposedAt: d.proposedAt ?? d.at, decidedAt: Date.now() });
        o.onDecision?.(d);
      },
      error: (e: unknown) => o.logger?.log("error", "replan-failed", { error: (e as Error).message }),
    });
  void edge.done.finally(() => sub.unsubscribe());
  return {
    edge,
    switches,
    decisions,
    estimate: () => lastEstimate,
    probeBytes: () => observer?.probeBytes ?? 0,
    stop: () => {
      sub.unsubscribe();
      return edge.stop();
    },
  };
}
