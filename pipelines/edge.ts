/**
 * The edge pipeline (`jalad edge`): frame source → bounded queue (drop-oldest or block) →
 * preprocess and front segment on a worker thread (with edge-device emulation) → encode with
 * the frame's plan → publish to `jalad.features.<camera>` with ack and retries. Edge-only plans
 * publish the result itself to `jalad.results.<camera>`. Plans switch at frame boundaries
 * ({@link EdgeHandle.setPlan}); every frame carries the id of the plan that produced it.
 * Telemetry (drops, rates, stage latencies, event-loop delay) goes to `jalad.telemetry.<camera>`.
 */
import { readFileSync } from "node:fs";
import { type IntervalHistogram, monitorEventLoopDelay } from "node:perf_hooks";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { EMPTY, Subject, from, takeUntil, tap } from "rxjs";
import { type PlanSpec, type PlanTransport, planId, transportOf } from "../planner/plan-id.js";
import { taskAdapter } from "../tasks/adapter.js";
import { type QueuePolicy, boundedStage } from "../operators/bounded-stage.js";
import { type ReconnectOptions, type SourceFrame, SourceGate, frameSource } from "../operators/frame-source.js";
import { publishReliably, type Published } from "../operators/publish-features.js";
import { type Logger, jsonLogger } from "../services/log.js";
import { SeqStore } from "../services/nats/last-seq.js";
import { ModelStore } from "../services/nats/model-store.js";
import { PayloadStore } from "../services/nats/payload-store.js";
import { CAMERA_ID, type TopologyOptions, ensureTopology, headerNames, subjects } from "../services/nats/topology.js";
import { InferencePool } from "../services/onnxruntime/pool.js";
import { ModelRuntime } from "./model-runtime.js";
import { encodeBody, encodingSpecOf, resequence } from "./plan-codec.js";
import { median, quantile } from "./timing.js";

/** Thrown for edge configuration that cannot run (bad camera id, plan not valid for the model). */
export class EdgeConfigError extends Error {
  override readonly name = "EdgeConfigError";
}

/** Options for {@link startEdge}. */
export interface EdgeOptions {
  /** Camera id, `[A-Za-z0-9_-]{1,64}`. */
  readonly camera: string;
  /** `rtsp://…`, a video file, an image folder or `testsrc`. */
  readonly source: string;
  /** Model file path. */
  readonly model: string;
  /** Input-shape spec for dynamic inputs. Default: the catalog's, else the declared dims with batch 1. */
  readonly inputShape?: string;
  /** The plan to start with. */
  readonly plan: PlanSpec;
  /** NATS server URL. */
  readonly natsUrl: string;
  /** Pace frames at this rate, frames/s. Default: the source's own rate. */
  readonly fps?: number;
  /** Loop file sources. Default false. */
  readonly loop?: boolean;
  /** Stop once this many frames are published and acknowledged. Default: run until stopped. */
  readonly frames?: number;
  /** Edge-device emulation: compute takes k× its measured time. Default 1. */
  readonly slowdown?: number;
  /** Frames allowed to wait before the front segment. Default 4. */
  readonly queue?: number;
  /** What a full queue does. Default "drop-oldest". */
  readonly policy?: QueuePolicy;
  /** Publishes awaiting their ack at once. Default 4. */
  readonly maxInFlight?: number;
  /** Encoded frames allowed to wait for a publish slot (then the front segment pauses). Default 2; 1 for the lowest latency. */
  readonly sendQueue?: number;
  /** onnxruntime intra-op threads for the front segment. Default 1. */
  readonly threads?: number;
  /** JetStream ack timeout per attempt, ms. Default 5000. */
  readonly ackTimeoutMs?: number;
  /** Telemetry period, ms. Default 1000. */
  readonly telemetryIntervalMs?: number;
  /** Source reconnect policy. */
  readonly reconnect?: ReconnectOptions;
  readonly topology?: TopologyOptions;
  readonly logger?: Logger;
  /** Called with every telemetry record. */
  readonly onTelemetry?: (t: EdgeTelemetry) => void;
  /** Called after each frame is acknowledged. */
  readonly onPublished?: (p: PublishedFrame) => void;
}

/** A frame the edge published. */
export interface PublishedFrame {
  readonly seq: number;
  /** The frame's index at the source (capture order). */
  readonly frameIndex: number;
  readonly plan: string;
  readonly capturedAt: number;
  readonly bytes: number;
  readonly edgeMs: number;
  readonly encodeMs: number;
  readonly ackMs: number;
  /** When the ack arrived, epoch ms. */
  readonly ackedAt: number;
  readonly viaObjectStore: boolean;
}

/** One telemetry record (also published as JSON on `jalad.telemetry.<camera>`). */
export interface EdgeTelemetry {
  readonly kind: "edge";
  readonly camera: string;
  /** Epoch ms. */
  readonly at: number;
  readonly plan: string;
  readonly slowdown: number;
  readonly captured: number;
  readonly published: number;
  /** Frames dropped by the queue policy, in total. */
  readonly dropped: number;
  /** Source frame indexes dropped since the last record (at most 100 listed). */
  readonly droppedFrames: readonly number[];
  /** Published frames per second over the last period. */
  readonly fps: number;
  /** Bytes per second acknowledged over the last period. */
  readonly ackedBytesPerSec: number;
  readonly queued: number;
  readonly inFlight: number;
  /** Over the last period, ms. */
  readonly edgeMsP50: number;
  readonly ackMsP50: number;
  readonly ackMsP95: number;
  /** Event-loop delay over the last period, ms. */
  readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

/** What a finished edge reports. */
export interface EdgeSummary {
  readonly camera: string;
  readonly modelSha256: string;
  readonly plans: readonly string[];
  readonly firstSeq: number;
  /** Next seq (one past the last published). */
  readonly nextSeq: number;
  readonly captured: number;
  readonly published: number;
  readonly dropped: number;
  /** Frames captured but not processed because the edge stopped (--frames reached). */
  readonly unprocessed: number;
  /** Seqs re-assigned because a previous run had used them. */
  readonly collisions: number;
  readonly durationMs: number;
  readonly fps: number;
  readonly edgeMs: { readonly p50: number; readonly p95: number };
  readonly encodeMs: { readonly p50: number };
  readonly ackMs: { readonly p50: number; readonly p95: number };
  readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly slowdown: number;
}

/** A running edge. */
export interface EdgeHandle {
  /** Resolves when the edge stops (frames reached, stopped, or failed). */
  readonly done: Promise<EdgeSummary>;
  readonly runtime: ModelRuntime;
  /** The plan new frames use. */
  plan(): PlanSpec;
  /** Loads the plan's front segment, then switches at the next frame boundary. */
  setPlan(p: PlanSpec): Promise<void>;
  /** Publishes awaiting their ack now. */
  inFlight(): number;
  /** Link collapse with the "drop" fallback: while on, frames are dropped before the front segment, and counted. */
  setDropping(on: boolean): void;
  /** Stops capturing, finishes in-flight frames, closes. */
  stop(): Promise<EdgeSummary>;
  readonly nc: NatsConnection;
}

interface ActivePlan {
  readonly spec: PlanSpec;
  readonly id: string;
  readonly transport: PlanTransport;
}

interface Computed {
  readonly frame: SourceFrame;
  readonly plan: ActivePlan;
  readonly seq: number;
  /** The message body (features or image), or empty for results. */
  readonly body: Uint8Array;
  readonly content: string;
  /** Edge-only plans: the result to publish (seq and end-to-end time set at publish). */
  readonly result?: { seq: number; latency: { endToEndMs: number } } & Record<string, unknown>;
  /** Emulated edge compute (measured × slowdown), ms. */
  readonly edgeMs: number;
  readonly encodeMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function loopDelay(h: IntervalHistogram): { p50: number; p99: number; max: number } {
  const ms = (ns: number): number => (Number.isFinite(ns) ? Math.round(ns / 1e4) / 100 : 0);
  return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) };
}

/** Checks that a plan can run on the model. */
function activePlan(runtime: ModelRuntime, spec: PlanSpec): ActivePlan {
  const transport = transportOf(spec);
  runtime.cut(spec.cut);
  const last = runtime.lastCut;
  if (transport.kind === "result" && spec.cut !== last) throw new EdgeConfigError(`plan ${planId(spec)}: results are sent at the last cut (${last}) only`);
  if (spec.cut === last && transport.kind !== "result") throw new EdgeConfigError(`plan ${planId(spec)}: the last cut (${last}) runs the whole model on the edge and sends results (codec "result")`);
  return { spec, id: planId(spec), transport };
}

/** Starts an edge; see the file comment. */
export async function startEdge(o: EdgeOptions): Promise<EdgeHandle> {
  if (!CAMERA_ID.test(o.camera)) throw new EdgeConfigError(`camera id ${JSON.stringify(o.camera)} must match [A-Za-z0-9_-]{1,64}`);
  const logger = o.logger ?? jsonLogger("edge");
  const slowdown = o.slowdown ?? 1;
  if (!(slowdown >= 1)) throw new EdgeConfigError(`edge slowdown must be ≥ 1, got ${slowdown}`);
  const bytes = new Uint8Array(readFileSync(o.model));
  const runtime = await ModelRuntime.open(o.model, bytes, o.inputShape);
  let current = activePlan(runtime, o.plan);
  const nc = await connect({ servers: o.natsUrl, name: `jalad-edge-${o.camera}`, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
  const pool = InferencePool.create({ workers: 1, threadsPerWorker: o.threads ?? 1 });
  const loaded = new Set<string>();
  const ensureFront = async (p: ActivePlan): Promise<void> => {
    if (p.transport.kind === "image") return;
    const key = runtime.key(p.spec.cut, "front");
    if (loaded.has(key)) return;
    await pool.load(key, runtime.segments(p.spec.cut).front);
    loaded.add(key);
  };
  try {
    await ensureTopology(nc, o.topology);
    const stored = await (await ModelStore.open(nc)).put(bytes, { name: runtime.manifest.name, manifest: JSON.stringify(runtime.manifest) });
    logger.log("info", "model-stored", { model: runtime.manifest.name, sha256: runtime.sha256, uploaded: stored.uploaded });
    await ensureFront(current);
  } catch (e) {
    await pool.close();
    await nc.close();
    throw e;
  }
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const payloads = await PayloadStore.open(nc);
  const seqs = await SeqStore.open(nc, jsm, o.camera);
  const firstSeq = await seqs.nextSeq();
  let nextSeq = firstSeq;
  const maxPayload = Math.max(1024, nc.info?.max_payload ?? 1024 * 1024) - 8192;
  const { width, height, name: inputName } = runtime.manifest.input;
  const adapter = taskAdapter(runtime.manifest.task);
  logger.log("info", "edge-start", { camera: o.camera, model: runtime.manifest.name, plan: current.id, firstSeq, slowdown, maxPayload });

  // Counters and windows.
  const t0 = Date.now();
  const plansUsed = new Set<string>([current.id]);
  let captured = 0;
  let published = 0;
  let dropped = 0;
  let collisions = 0;
  let stopping = false;
  let droppedWindow: number[] = [];
  const all = { edge: [] as number[], encode: [] as number[], ack: [] as number[] };
  let win = { edge: [] as number[], ack: [] as number[], published: 0, bytes: 0, at: Date.now() };
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const loopAll = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  loopAll.enable();

  const stop$ = new Subject<void>();
  const gate = new SourceGate();
  const source = frameSource({ source: o.source, width, height, gate, ...(o.fps !== undefined ? { fps: o.fps } : {}), loop: o.loop ?? false, ...(o.reconnect ? { reconnect: o.reconnect } : {}), logger });

  // Stage 1: preprocess, front segment and encoding on the inference thread. Seqs are assigned
  // here, in frame order (one frame at a time), after the queue's drops: published seqs have no gaps.
  let assigned = 0;
  let unprocessed = 0;
  const computeFrame = async (frame: SourceFrame): Promise<Computed> => {
    const plan = current; // the frame boundary: this frame runs entirely under this plan
    const seq = nextSeq++;
    assigned++;
    const meta = { camera: o.camera, seq, capturedAt: frame.capturedAt, modelSha256: runtime.sha256, cutId: plan.spec.cut, planId: plan.id };
    const t = plan.transport;
    if (t.kind === "image") {
      const te = performance.now();
      const enc = await encodeBody(t, meta, { frame: { width, height, data: frame.rgb } });
      return { frame, plan, seq, body: enc.body, content: enc.content, edgeMs: 0, encodeMs: performance.now() - te };
    }
    const preprocess = { inputName, rgb: frame.rgb, width, height, normalize: runtime.manifest.normalize };
    const encode = t.kind === "result" ? undefined : { meta, spec: encodingSpecOf(t), names: runtime.segments(plan.spec.cut).crossing };
    const r = await pool.run(runtime.key(plan.spec.cut, "front"), {}, { preprocess, ...(encode ? { encode } : {}) });
    const computeMs = (r.preprocessMs ?? 0) + r.ms;
    if (slowdown > 1) await sleep((slowdown - 1) * computeMs);
    if (r.encoded !== undefined) return { frame, plan, seq, body: r.encoded, content: "features", edgeMs: computeMs * slowdown, encodeMs: r.encodeMs ?? 0 };
    const te = performance.now();
    const first = Object.values(r.outputs)[0];
    const outputs = first === undefined ? null : adapter.result(adapter.predict({ data: first.data as Float32Array, dims: first.dims }));
    const encodeMs = performance.now() - te;
    const result = { camera: o.camera, seq, frame: frame.seq, plan: plan.id, capturedAt: frame.capturedAt, outputs, latency: { edgeMs: computeMs * slowdown, encodeMs, transferMs: 0, queueMs: 0, decodeMs: 0, cloudMs: 0, endToEndMs: 0 } };
    return { frame, plan, seq, result, body: new Uint8Array(0), content: "application/json", edgeMs: computeMs * slowdown, encodeMs };
  };
  let dropping = false;
  const compute = boundedStage<SourceFrame, Computed>((frame) => {
    if (dropping) {
      dropped++;
      if (droppedWindow.length < 100) droppedWindow.push(frame.seq);
      return EMPTY;
    }
    if (o.frames !== undefined && assigned >= o.frames) {
      // --frames reached: frames still queued are not processed (counted, reported at stop).
      unprocessed++;
      if (!stopping) {
        stopping = true;
        stop$.next();
      }
      return EMPTY;
    }
    return from(computeFrame(frame));
  }, { capacity: o.queue ?? 4, concurrency: 1, policy: o.policy ?? "drop-oldest", upstream: gate, onDrop: (f) => {
    dropped++;
    if (droppedWindow.length < 100) droppedWindow.push(f.seq);
  } });

  // Stage 2: publish with ack (several in flight); a full stage pauses stage 1.
  const send = boundedStage<Computed, PublishedFrame>(async (c) => {
    let { seq, body } = c;
    for (;;) {
      const headers: Record<string, string> = { [headerNames.capturedAt]: String(c.frame.capturedAt), [headerNames.plan]: c.plan.id, [headerNames.model]: runtime.sha256, [headerNames.edgeMs]: c.edgeMs.toFixed(2), [headerNames.encodeMs]: c.encodeMs.toFixed(2), [headerNames.slowdown]: String(slowdown), [headerNames.content]: c.content, [headerNames.frame]: String(c.frame.seq), [headerNames.sentAt]: String(Date.now()) };
      let subject = subjects.features(o.camera);
      if (c.result !== undefined) {
        subject = subjects.results(o.camera);
        c.result.seq = seq;
        c.result.latency.endToEndMs = Date.now() - c.frame.capturedAt;
        body = new TextEncoder().encode(JSON.stringify(c.result));
      }
      const p: Published = await publishReliably({ subject, camera: o.camera, seq, body, headers }, { js, payloads, maxPayload, ackTimeoutMs: o.ackTimeoutMs ?? 5000, logger });
      if (p.collision) {
        collisions++;
        const again = nextSeq++;
        logger.log("warn", "seq-collision", { seq, next: again, note: "seq used by an earlier run of this camera; re-sequencing" });
        seq = again;
        if (c.content === "features") body = resequence(body, seq);
        continue;
      }
      seqs.record(seq + 1);
      return { seq, frameIndex: c.frame.seq, plan: c.plan.id, capturedAt: c.frame.capturedAt, bytes: p.bytes, edgeMs: c.edgeMs, encodeMs: c.encodeMs, ackMs: p.ackMs, ackedAt: Date.now(), viaObjectStore: p.viaObjectStore };
    }
  }, { capacity: o.sendQueue ?? 2, concurrency: o.maxInFlight ?? 4, policy: "block", upstream: compute });

  const telemetry = (): EdgeTelemetry => {
    const now = Date.now();
    const secs = Math.max(1e-3, (now - win.at) / 1000);
    const t: EdgeTelemetry = {
      kind: "edge", camera: o.camera, at: now, plan: current.id, slowdown, captured, published, dropped, droppedFrames: droppedWindow,
      fps: win.published / secs, ackedBytesPerSec: win.bytes / secs, queued: compute.queued() + send.queued(), inFlight: compute.running() + send.running(),
      edgeMsP50: median(win.edge), ackMsP50: median(win.ack), ackMsP95: quantile(win.ack, 0.95), eventLoopDelayMs: loopDelay(loop),
    };
    loop.reset();
    droppedWindow = [];
    win = { edge: [], ack: [], published: 0, bytes: 0, at: now };
    return t;
  };
  const tick = setInterval(() => {
    const t = telemetry();
    nc.publish(subjects.telemetry(o.camera), JSON.stringify(t));
    o.onTelemetry?.(t);
  }, o.telemetryIntervalMs ?? 1000);

  const done = new Promise<EdgeSummary>((resolve, reject) => {
    const finish = async (error?: unknown): Promise<void> => {
      clearInterval(tick);
      loop.disable();
      loopAll.disable();
      await seqs.flush();
      await pool.close();
      await nc.drain().catch(() => undefined);
      const durationMs = Date.now() - t0;
      const summary: EdgeSummary = {
        camera: o.camera, modelSha256: runtime.sha256, plans: [...plansUsed], firstSeq, nextSeq, captured, published, dropped, unprocessed, collisions, durationMs,
        fps: published / Math.max(1e-3, durationMs / 1000), edgeMs: { p50: median(all.edge), p95: quantile(all.edge, 0.95) }, encodeMs: { p50: median(all.encode) },
        ackMs: { p50: median(all.ack), p95: quantile(all.ack, 0.95) }, eventLoopDelayMs: loopDelay(loopAll), slowdown,
      };
      logger.log(error === undefined ? "info" : "error", "edge-stop", { ...summary, ...(error !== undefined ? { error: (error as Error).message } : {}) });
      if (error === undefined) resolve(summary);
      else reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
    };
    source.pipe(takeUntil(stop$), tap(() => void captured++), compute.operator, send.operator).subscribe({
      next: (p) => {
        published++;
        all.edge.push(p.edgeMs);
        all.encode.push(p.encodeMs);
        all.ack.push(p.ackMs);
        win.edge.push(p.edgeMs);
        win.ack.push(p.ackMs);
        win.published++;
        win.bytes += p.bytes;
        o.onPublished?.(p);
        if (o.frames !== undefined && published >= o.frames && !stopping) {
          stopping = true;
          stop$.next(); // frames still queued before the front segment are dropped by the stop
        }
      },
      error: (e: unknown) => void finish(e),
      complete: () => void finish(),
    });
  });
  return {
    done,
    runtime,
    nc,
    plan: () => current.spec,
    async setPlan(spec) {
      const next = activePlan(runtime, spec);
      await ensureFront(next);
      current = next;
      plansUsed.add(next.id);
      logger.log("info", "plan-switch", { camera: o.camera, plan: next.id, atSeq: nextSeq });
    },
    inFlight: () => send.running(),
    setDropping(on) {
      if (on !== dropping) logger.log("warn", on ? "dropping-start" : "dropping-stop", { camera: o.camera, dropped });
      dropping = on;
    },
    async stop() {
      if (!stopping) {
        stopping = true;
        stop$.next();
      }
      return done;
    },
  };
}
