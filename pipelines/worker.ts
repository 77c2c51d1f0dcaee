/**
 * The cloud worker (`jalad worker`): joins the durable pull consumer `workers` on
 * `JALAD_FEATURES` (N processes share it), and for each message decodes and validates it,
 * fetches the model by hash from `jalad_models` the first time it sees it, derives the back
 * segment of the message's plan (LRU-cached sessions on worker threads), runs it, post-processes
 * with the task adapter, publishes the result to `jalad.results.<camera>` (msg id camera:seq, so
 * the stream holds one result per frame even after redelivery), then acks. Malformed,
 * unknown-plan and wrong-model messages are terminated with an error record on
 * `jalad.errors.<camera>`; nothing stops the worker. `stop()` (SIGTERM/SIGINT in the CLI) stops
 * pulling, finishes in-flight work and drains.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type JsMsg, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { PlannerError } from "../planner/errors.js";
import { type PlanSpec, parsePlanId, transportOf } from "../planner/plan-id.js";
import { taskAdapter } from "../tasks/adapter.js";
import { publishReliably } from "../operators/publish-features.js";
import { type Logger, jsonLogger } from "../services/log.js";
import { ModelStore, ModelStoreError } from "../services/nats/model-store.js";
import { PayloadStore, PayloadStoreError } from "../services/nats/payload-store.js";
import { CAMERA_ID, type TopologyOptions, ensureTopology, headerNames, names, subjects, topologyDefaults } from "../services/nats/topology.js";
import { InferencePool, InferencePoolError, type RunResult } from "../services/onnxruntime/pool.js";
import { ModelRuntime, ModelRuntimeError, parseManifest } from "./model-runtime.js";
import { PlanCodecError, decodeImageBody } from "./plan-codec.js";

/** Error record codes on `jalad.errors.<camera>`. */
export const WorkerErrorCode = {
  /** Headers missing or invalid, body not a valid message (CRC, lengths, fields). */
  Malformed: "MALFORMED",
  /** The plan id is not a plan, or the body does not match it (cut, tensors). */
  UnknownPlan: "UNKNOWN_PLAN",
  /** The model hash is not in `jalad_models`, does not verify, or its manifest is bad. */
  WrongModel: "WRONG_MODEL",
  /** The body was offloaded to `jalad_payloads` and is gone. */
  PayloadMissing: "PAYLOAD_MISSING",
  /** Processing failed on every delivery. */
  GaveUp: "GAVE_UP",
} as const;

/** Options for {@link startWorker}. */
export interface WorkerOptions {
  readonly natsUrl: string;
  /** Messages processed at once (= inference threads). Default 1. */
  readonly concurrency?: number;
  /** onnxruntime intra-op threads per inference thread. Default 1. */
  readonly threads?: number;
  /** Back segments kept loaded. Default 8. */
  readonly cacheSize?: number;
  readonly topology?: TopologyOptions;
  readonly logger?: Logger;
  /** A name for logs. Default `worker-<pid>`. */
  readonly name?: string;
  /** Called after each result is published. */
  readonly onResult?: (r: FrameResult) => void;
}

/** The result of one frame, as published. */
export interface FrameResult {
  readonly camera: string;
  readonly seq: number;
  /** The frame's index at its source (header Jalad-Frame), when the edge sent it. */
  readonly frame?: number;
  readonly plan: string;
  readonly capturedAt: number;
  readonly outputs: unknown;
  readonly latency: { edgeMs: number; encodeMs: number; transferMs: number; queueMs: number; decodeMs: number; cloudMs: number; endToEndMs: number };
}

/** Counters of a worker. */
export interface WorkerStats {
  processed: number;
  errors: Record<string, number>;
  redelivered: number;
}

/** A running worker. */
export interface WorkerHandle {
  readonly stats: WorkerStats;
  /** Resolves when the worker has stopped. */
  readonly done: Promise<void>;
  /** Stops pulling, finishes in-flight messages, drains the connection. */
  stop(): Promise<void>;
}

class Rejected extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

const num = (v: string | undefined): number => (v === undefined || v === "" ? NaN : Number(v));

/** Starts a worker; see the file comment. */
export async function startWorker(o: WorkerOptions): Promise<WorkerHandle> {
  const logger = o.logger ?? jsonLogger("worker");
  const name = o.name ?? `worker-${process.pid}`;
  const concurrency = Math.max(1, o.concurrency ?? 1);
  const topo = topologyDefaults(o.topology);
  const nc: NatsConnection = await connect({ servers: o.natsUrl, name: `jalad-${name}`, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
  await ensureTopology(nc, o.topology);
  const js = jetstream(nc);
  const models = await ModelStore.open(nc);
  const payloads = await PayloadStore.open(nc);
  const pool = InferencePool.create({ workers: concurrency, threadsPerWorker: o.threads ?? 1 });
  const runtimes = new Map<string, Promise<ModelRuntime>>();
  const loaded = new Map<string, true>(); // LRU order: oldest first
  const stats: WorkerStats = { processed: 0, errors: {}, redelivered: 0 };
  const maxPayload = Math.max(1024, nc.info?.max_payload ?? 1024 * 1024) - 8192;

  const runtimeFor = (sha: string): Promise<ModelRuntime> => {
    let r = runtimes.get(sha);
    if (r === undefined) {
      r = (async () => {
        const m = await models.get(sha);
        const manifest = parseManifest(m.metadata.manifest ?? "");
        const rt = await ModelRuntime.create(m.bytes, manifest);
        logger.log("info", "model-loaded", { worker: name, model: manifest.name, sha256: sha, cuts: rt.lastCut + 1 });
        return rt;
      })();
      runtimes.set(sha, r);
      r.catch(() => runtimes.delete(sha));
    }
    return r;
  };

  const ensureBack = async (rt: ModelRuntime, cut: number): Promise<string> => {
    const key = rt.key(cut, "back");
    if (loaded.has(key)) {
      loaded.delete(key);
      loaded.set(key, true);
      return key;
    }
    await pool.load(key, rt.segments(cut).back);
    loaded.set(key, true);
    while (loaded.size > (o.cacheSize ?? 8)) {
      const oldest = loaded.keys().next().value as string;
      loaded.delete(oldest);
      await pool.unload(oldest);
    }
    return key;
  };

  const errorRecord = async (camera: string, seq: number, code: string, message: string, m: JsMsg): Promise<void> => {
    stats.errors[code] = (stats.errors[code] ?? 0) + 1;
    const cam = CAMERA_ID.test(camera) ? camera : "_invalid";
    const rec = { camera, seq: Number.isSafeInteger(seq) ? seq : null, code, message, plan: m.headers?.get(headerNames.plan) ?? null, model: m.headers?.get(headerNames.model) ?? null, subject: m.subject, deliveries: m.info.deliveryCount, streamSeq: m.seq, worker: name, at: Date.now() };
    logger.log("warn", "message-rejected", rec);
    await js.publish(subjects.errors(cam), JSON.stringify(rec), { msgID: `${cam}:${m.seq}:${code}`, timeout: 5000 }).catch((e: unknown) => logger.log("error", "error-record-failed", { error: (e as Error).message }));
  };

  // A terminated message is not redelivered but stays in the work queue; its error record keeps
  // what it was, so it is removed from the stream.
  const jsm = await jetstreamManager(nc);
  const dropFromQueue = async (m: JsMsg): Promise<void> => {
    await jsm.streams.deleteMessage(names.featuresStream, m.info.streamSequence, false).catch(() => undefined);
  };

  const handle = async (m: JsMsg): Promise<void> => {
    const receivedAt = Date.now();
    if (m.info.redelivered) stats.redelivered++;
    const h = m.headers;
    const camera = h?.get(headerNames.camera) ?? "";
    const seq = num(h?.get(headerNames.seq));
    const heartbeat = setInterval(() => m.working(), Math.max(500, topo.ackWaitMs / 3));
    let payloadRef: string | undefined;
    try {
      if (!CAMERA_ID.test(camera) || m.subject !== subjects.features(camera)) throw new Rejected(WorkerErrorCode.Malformed, `header ${headerNames.camera} ${JSON.stringify(camera.slice(0, 80))} does not match subject ${m.subject}`);
      if (!Number.isSafeInteger(seq) || seq < 0) throw new Rejected(WorkerErrorCode.Malformed, `header ${headerNames.seq} must be an integer ≥ 0`);
      const capturedAt = num(h?.get(headerNames.capturedAt));
      if (!Number.isFinite(capturedAt)) throw new Rejected(WorkerErrorCode.Malformed, `header ${headerNames.capturedAt} must be epoch ms`);
      const planText = h?.get(headerNames.plan) ?? "";
      let plan: PlanSpec;
      try {
        plan = parsePlanId(planText);
      } catch (e) {
        throw new Rejected(WorkerErrorCode.UnknownPlan, (e as PlannerError).message);
      }
      const sha = h?.get(headerNames.model) ?? "";
      if (!/^[0-9a-f]{64}$/.test(sha)) throw new Rejected(WorkerErrorCode.WrongModel, `header ${headerNames.model} must be a hex sha256`);
      let rt: ModelRuntime;
      try {
        rt = await runtimeFor(sha);
      } catch (e) {
        if (e instanceof ModelStoreError || e instanceof ModelRuntimeError || (e as { name?: string }).name === "ModelError") throw new Rejected(WorkerErrorCode.WrongModel, (e as Error).message);
        throw e;
      }
      let cutOk = true;
      try {
        rt.cut(plan.cut);
      } catch {
        cutOk = false;
      }
      const t = transportOf(plan);
      if (!cutOk || plan.cut === rt.lastCut || t.kind === "result") throw new Rejected(WorkerErrorCode.UnknownPlan, `plan ${planText} cannot run on model ${rt.manifest.name}: ${cutOk ? "edge-only plans publish results themselves" : `no cut ${plan.cut}`}`);
      payloadRef = h?.get(headerNames.payloadRef) || undefined;
      let body = m.data;
      if (payloadRef !== undefined) {
        try {
          body = await payloads.get(payloadRef);
        } catch (e) {
          if (e instanceof PayloadStoreError) throw new Rejected(WorkerErrorCode.PayloadMissing, e.message);
          throw e;
        }
      }
      const content = h?.get(headerNames.content) ?? "";
      const expected = t.kind === "image" ? `image/${t.format}` : "features";
      if (content !== expected) throw new Rejected(WorkerErrorCode.UnknownPlan, `plan ${planText} sends ${expected}, the message says ${JSON.stringify(content.slice(0, 40))}`);
      const key = await ensureBack(rt, plan.cut);
      let r: RunResult;
      try {
        if (content === "features") r = await pool.run(key, {}, { decode: body });
        else {
          const td = performance.now();
          const rgb = await decodeImageBody(content, body, rt.manifest);
          const imageMs = performance.now() - td;
          const { name: inputName, width, height } = rt.manifest.input;
          const ri = await pool.run(key, {}, { preprocess: { inputName, rgb, width, height, normalize: rt.manifest.normalize } });
          r = { ...ri, decodeMs: imageMs + (ri.preprocessMs ?? 0) };
        }
      } catch (e) {
        if (e instanceof InferencePoolError && e.causeName === "CodecError") throw new Rejected(WorkerErrorCode.Malformed, e.message);
        if (e instanceof InferencePoolError && e.causeName === "TensorMismatch") throw new Rejected(WorkerErrorCode.UnknownPlan, `plan ${planText}: ${e.message}`);
        if (e instanceof PlanCodecError || (e as { name?: string }).name === "ImageError") throw new Rejected(WorkerErrorCode.Malformed, (e as Error).message);
        if (e instanceof InferencePoolError && e.causeName !== "InferencePoolError" && /input|dimension|shape/i.test(e.message)) throw new Rejected(WorkerErrorCode.UnknownPlan, `back segment of plan ${planText} rejected the tensors: ${e.message.slice(0, 300)}`);
        throw e;
      }
      const decodeMs = r.decodeMs ?? 0;
      if (r.meta !== undefined) {
        const d = r.meta;
        if (d.camera !== camera || d.seq !== seq || d.modelSha256 !== sha || d.planId !== planText || d.cutId !== plan.cut) throw new Rejected(WorkerErrorCode.UnknownPlan, `the message body (camera ${d.camera}, seq ${d.seq}, plan ${d.planId}, cut ${d.cutId}) does not match its headers (camera ${camera}, seq ${seq}, plan ${planText})`);
      }
      const first = Object.values(r.outputs)[0];
      const adapter = taskAdapter(rt.manifest.task);
      const outputs = first === undefined ? null : adapter.result(adapter.predict({ data: first.data as Float32Array, dims: first.dims }));
      const streamAt = m.info.timestampNanos / 1e6;
      const sentAt = num(h?.get(headerNames.sentAt));
      const result: FrameResult = {
        camera, seq, ...(Number.isSafeInteger(num(h?.get(headerNames.frame))) ? { frame: num(h?.get(headerNames.frame)) } : {}), plan: planText, capturedAt, outputs,
        latency: { edgeMs: num(h?.get(headerNames.edgeMs)) || 0, encodeMs: num(h?.get(headerNames.encodeMs)) || 0, transferMs: Number.isFinite(sentAt) ? Math.max(0, streamAt - sentAt) : 0, queueMs: Math.max(0, receivedAt - streamAt), decodeMs, cloudMs: r.ms, endToEndMs: 0 },
      };
      result.latency.endToEndMs = Date.now() - capturedAt;
      await publishReliably({ subject: subjects.results(camera), camera, seq, body: new TextEncoder().encode(JSON.stringify(result)), headers: { [headerNames.plan]: planText, [headerNames.capturedAt]: String(capturedAt), [headerNames.model]: sha, [headerNames.content]: "application/json" } }, { js, maxPayload, maxAttempts: 5, logger });
      await m.ackAck().catch(() => m.ack());
      stats.processed++;
      o.onResult?.(result);
      if (payloadRef !== undefined) await payloads.delete(payloadRef);
    } catch (e) {
      if (e instanceof Rejected) {
        await errorRecord(camera, seq, e.code, e.message, m);
        m.term(e.message.slice(0, 200));
        await dropFromQueue(m);
        if (payloadRef !== undefined) await payloads.delete(payloadRef);
      } else if (m.info.deliveryCount >= topo.maxDeliver) {
        await errorRecord(camera, seq, WorkerErrorCode.GaveUp, `failed on all ${topo.maxDeliver} deliveries, last: ${(e as Error).message}`, m);
        m.term("gave up");
        await dropFromQueue(m);
      } else {
        logger.log("error", "process-failed", { worker: name, camera, seq, deliveries: m.info.deliveryCount, error: (e as Error).message });
        m.nak(1000);
      }
    } finally {
      clearInterval(heartbeat);
    }
  };

  const consumer = await js.consumers.get(names.featuresStream, names.workersConsumer);
  const messages = await consumer.consume({ max_messages: concurrency });
  let stopping = false;
  const inFlight = new Set<Promise<void>>();
  let freeSlot: (() => void) | undefined;
  logger.log("info", "worker-start", { worker: name, concurrency });
  const done = (async () => {
    for await (const m of messages) {
      if (stopping) {
        m.nak();
        continue;
      }
      const p = handle(m).catch((e: unknown) => logger.log("error", "handler-crashed", { error: (e as Error).message }));
      inFlight.add(p);
      void p.finally(() => {
        inFlight.delete(p);
        freeSlot?.();
      });
      while (inFlight.size >= concurrency) await new Promise<void>((r) => (freeSlot = r));
    }
    await Promise.all(inFlight);
    await pool.close();
    await nc.drain().catch(() => undefined);
    logger.log("info", "worker-stop", { worker: name, ...stats });
  })();

  return {
    stats,
    done,
    async stop() {
      if (!stopping) {
        stopping = true;
        await messages.close();
      }
      await done;
    },
  };
}
