/**
 * One run of the real pipeline over an emulated uplink, as `jalad demo` and
 * `jalad experiment adaptive` use it: a link emulator following a trace (time-scaled to the run's
 * duration) in front of nats-server, an edge connected through it (adaptive, oracle, or a static
 * plan), workers already serving, and results read back on a direct connection. Measures
 * end-to-end latency, fps, drops, frames lost (published but with no result after a grace
 * period) and the calibrated accuracy drop of the plans the frames actually used.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Profile } from "../planner/profile.js";
import { type PlanSpec, planId } from "../planner/plan-id.js";
import { type BandwidthTrace, traceFromSamples } from "../planner/trace.js";
import type { CollapsePolicy } from "../operators/replan.js";
import { type LinkEmulatorHandle, startLinkEmulator } from "../services/link-emulator.js";
import { type Logger, silentLogger } from "../services/log.js";
import { type AdaptiveEdgeHandle, type PlanSwitch, startAdaptiveEdge } from "./adaptive-edge.js";
import { type EdgeHandle, type EdgeSummary, startEdge } from "./edge.js";
import { ResultWindow, followResults } from "./results.js";
import { quantile } from "./timing.js";

/** Which planner drives the edge. */
export type ScenarioMode = { readonly kind: "adaptive" } | { readonly kind: "oracle" } | { readonly kind: "static"; readonly plan: PlanSpec };

/** Options for {@link runScenario}. */
export interface ScenarioOptions {
  /** A label for tables ("adaptive", "static p50", ...). */
  readonly label: string;
  readonly mode: ScenarioMode;
  /** The nats-server's port on 127.0.0.1 (the link emulator forwards to it) and its URL for direct connections. */
  readonly natsPort: number;
  readonly natsUrl: string;
  /** The uplink trace; played time-scaled so that one period lasts `durationMs`. */
  readonly trace: BandwidthTrace;
  /** How long frames are captured, ms. */
  readonly durationMs: number;
  /** One-way link delay, ms. Default 20. */
  readonly delayMs?: number;
  readonly camera: string;
  readonly model: string;
  readonly source: string;
  readonly profile: Profile;
  /** Edge slowdown k. Default 8. */
  readonly slowdown?: number;
  /** Accuracy budget. Default 0.01. */
  readonly maxAccuracyDrop?: number;
  /** Link-collapse fallback. Default "edge-only". */
  readonly collapse?: CollapsePolicy;
  /** How long to wait for the last results after the edge stops, ms. Default 30000. */
  readonly graceMs?: number;
  /** Ends the capture early (Ctrl-C); the run still drains and reports. */
  readonly signal?: AbortSignal;
  /** Called every second with a status line's fields. */
  readonly onTick?: (s: ScenarioTick) => void;
  readonly logger?: Logger;
}

/** Live status, once a second. */
export interface ScenarioTick {
  readonly label: string;
  readonly elapsedS: number;
  readonly trueBytesPerSec: number;
  readonly estimateBytesPerSec: number | undefined;
  readonly plan: string;
  readonly fps: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly dropped: number;
}

/** What a run measured. */
export interface ScenarioMetrics {
  readonly label: string;
  /** Plan ids used, in order of first use. */
  readonly plans: readonly string[];
  readonly published: number;
  readonly results: number;
  readonly meanMs: number;
  readonly p95Ms: number;
  /** Results per second of capture time. */
  readonly fps: number;
  readonly dropped: number;
  /** Published frames with no result after the grace period. */
  readonly lost: number;
  /** Mean calibrated accuracy drop of the plans the results used (profile values), fraction. */
  readonly accuracyDrop: number;
  readonly switches: readonly PlanSwitch[];
  /** Mean |estimate − true| / true over the run's seconds (adaptive only). */
  readonly estimateError?: number;
  readonly probeBytes?: number;
  /** (seconds since start, end-to-end ms) per result, for plots. */
  readonly latencySeries: ReadonlyArray<readonly [number, number]>;
  readonly edge: EdgeSummary;
}

/** The trace stretched or squeezed so that one period lasts `durationMs`, looping. */
export function scaleTrace(trace: BandwidthTrace, durationMs: number): BandwidthTrace {
  const k = durationMs / trace.durationMs;
  return traceFromSamples(trace.samples.map((s) => ({ atMs: s.atMs * k, bytesPerSec: s.bytesPerSec })), { durationMs, loop: true });
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((r) => {
    const t = setTimeout(r, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      r();
    }, { once: true });
  });

/** Runs one scenario; see the file comment. */
export async function runScenario(o: ScenarioOptions): Promise<ScenarioMetrics> {
  const logger = o.logger ?? silentLogger;
  const trace = scaleTrace(o.trace, o.durationMs);
  const link: LinkEmulatorHandle = await startLinkEmulator({ listen: { host: "127.0.0.1", port: 0 }, upstream: { host: "127.0.0.1", port: o.natsPort }, rate: trace, delayMs: o.delayMs ?? 20, logger });
  const linkStart = Date.now();
  const trueRate = (now: number): number => trace.rateAt(now - linkStart);
  const direct: NatsConnection = await connect({ servers: o.natsUrl, name: `jalad-scenario-${o.camera}` });
  const results = new Map<number, { e2e: number; plan: string; at: number }>();
  const recent = new ResultWindow(5000);
  const follow = await followResults(direct, { camera: o.camera, onResult: (r) => {
    results.set(r.seq, { e2e: r.latency.endToEndMs, plan: r.plan, at: Date.now() });
    recent.add(r);
  } });
  const common = {
    camera: o.camera, source: o.source, model: o.model, natsUrl: `nats://127.0.0.1:${link.port}`, loop: true, queue: 1, maxInFlight: 1, sendQueue: 1, policy: "drop-oldest" as const,
    slowdown: o.slowdown ?? 8, logger, reconnect: { maxDelayMs: 2000 }, ackTimeoutMs: 30_000,
  };
  let adaptive: AdaptiveEdgeHandle | undefined;
  let edge: EdgeHandle;
  if (o.mode.kind === "static") edge = await startEdge({ ...common, plan: o.mode.plan });
  else {
    adaptive = await startAdaptiveEdge({ ...common, profile: o.profile, maxAccuracyDrop: o.maxAccuracyDrop ?? 0.01, collapse: o.collapse ?? "edge-only", holdMs: Math.min(2000, o.durationMs / 40), trueRate, ...(o.mode.kind === "oracle" ? { oracle: trueRate } : {}) });
    edge = adaptive.edge;
  }
  const started = Date.now();
  const errors: number[] = [];
  let lastDropped = 0;
  const tick = setInterval(() => {
    const now = Date.now();
    const w = recent.summary(now);
    const truth = trueRate(now);
    const est = adaptive?.estimate();
    if (est !== undefined && truth > 0) errors.push(Math.abs(est - truth) / truth);
    o.onTick?.({ label: o.label, elapsedS: (now - started) / 1000, trueBytesPerSec: truth, estimateBytesPerSec: est, plan: planId(edge.plan()), fps: w.fps, p50Ms: w.p50, p95Ms: w.p95, dropped: lastDropped });
  }, 1000);
  const telemetry = direct.subscribe(`jalad.telemetry.${o.camera}`, { callback: (_e, m) => {
    try {
      const t = m.json<{ kind?: string; dropped?: number }>();
      if (t.kind === "edge") lastDropped = t.dropped ?? lastDropped;
    } catch {
      // not JSON
    }
  } });
  await sleep(o.durationMs, o.signal);
  const capturedMs = Date.now() - started;
  const summary = await (adaptive?.stop() ?? edge.stop());
  const expected = summary.nextSeq - summary.firstSeq;
  const graceEnd = Date.now() + (o.graceMs ?? 30_000);
  while (results.size < expected && Date.now() < graceEnd && o.signal?.aborted !== true) await sleep(250);
  clearInterval(tick);
  telemetry.unsubscribe();
  await follow.stop();
  await direct.drain();
  await link.close();
  const rs = [...results.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
  const e2e = rs.map((r) => r.e2e);
  const drops = new Map<string, number>(o.profile.encodings.map((e) => [planId({ cut: e.cut, codec: e.codec, bits: e.bits }), e.accuracyDrop]));
  const plansUsed = [...new Set(rs.map((r) => r.plan))];
  return {
    label: o.label,
    plans: plansUsed,
    published: summary.published,
    results: rs.length,
    meanMs: e2e.length === 0 ? NaN : e2e.reduce((a, b) => a + b, 0) / e2e.length,
    p95Ms: quantile(e2e, 0.95),
    fps: rs.length / (capturedMs / 1000),
    dropped: summary.dropped,
    lost: Math.max(0, summary.published - rs.length),
    accuracyDrop: rs.length === 0 ? 0 : rs.reduce((a, r) => a + (drops.get(r.plan) ?? 0), 0) / rs.length,
    switches: adaptive?.switches ?? [],
    ...(errors.length > 0 ? { estimateError: errors.reduce((a, b) => a + b, 0) / errors.length } : {}),
    ...(adaptive !== undefined ? { probeBytes: adaptive.probeBytes() } : {}),
    latencySeries: rs.map((r) => [(r.at - started) / 1000, r.e2e] as const),
    edge: summary,
  };
}
