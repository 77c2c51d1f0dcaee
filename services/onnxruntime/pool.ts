/**
 * The inference pool: onnxruntime sessions on `worker_threads`, because `session.run` blocks the
 * event loop for the whole inference (measured: zero timer ticks during a 300 ms run). Frame
 * reading, NATS heartbeats and timers keep running on the main thread while workers infer.
 * Sessions are loaded by key (a model or segment hash) in every worker; runs go to the least
 * busy worker.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { FrameMeta } from "../../codec/wire-format.js";
import type { PoolReply, PoolRequest, RunStages, WireTensor } from "./pool-worker.js";

export type { RunStages, WireTensor } from "./pool-worker.js";

/**
 * Thrown when a worker fails to load or run a model, or the pool is closed. `causeName` and
 * `causeCode` carry the worker-side error's class name and code (e.g. "CodecError",
 * "CRC_MISMATCH" when a message to decode was corrupt).
 */
export class InferencePoolError extends Error {
  override readonly name = "InferencePoolError";
  constructor(message: string, readonly causeName?: string, readonly causeCode?: string) {
    super(message);
  }
}

/** What a run returns: outputs (unless encoded), inference time and the times of the extra stages, ms. */
export interface RunResult {
  readonly outputs: Record<string, WireTensor>;
  readonly ms: number;
  readonly encoded?: Uint8Array;
  readonly encodeMs?: number;
  readonly decodeMs?: number;
  readonly preprocessMs?: number;
  /** The decoded message's metadata (runs with `decode`). */
  readonly meta?: FrameMeta;
}

/** Options for {@link InferencePool.create}. */
export interface InferencePoolOptions {
  /** Worker threads. Default 1. */
  readonly workers?: number;
  /** onnxruntime intra-op threads per worker. Default 1. */
  readonly threadsPerWorker?: number;
}

/** The compiled worker script (tests run TypeScript sources, so point them at dist/). */
function workerUrl(): URL {
  const here = new URL("./pool-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL("../../dist/services/onnxruntime/pool-worker.js", import.meta.url);
}

interface Slot {
  readonly worker: Worker;
  busy: number;
  readonly pending: Map<number, { resolve: (r: PoolReply) => void; reject: (e: Error) => void }>;
}

/** A pool of inference workers. Close it when done. */
export class InferencePool {
  private nextId = 1;
  private closed = false;

  private constructor(private readonly slots: Slot[]) {}

  /** Starts the workers. */
  static create(options: InferencePoolOptions = {}): InferencePool {
    const n = Math.max(1, options.workers ?? 1);
    const slots: Slot[] = [];
    for (let i = 0; i < n; i++) {
      const worker = new Worker(workerUrl(), { workerData: { threads: options.threadsPerWorker ?? 1 } });
      const slot: Slot = { worker, busy: 0, pending: new Map() };
      worker.on("message", (r: PoolReply) => {
        const p = slot.pending.get(r.id);
        slot.pending.delete(r.id);
        p?.resolve(r);
      });
      worker.on("error", (e) => {
        for (const p of slot.pending.values()) p.reject(new InferencePoolError(`inference worker failed: ${e.message}`));
        slot.pending.clear();
      });
      slots.push(slot);
    }
    return new InferencePool(slots);
  }

  private send(slot: Slot, req: Omit<PoolRequest, "id">, transfer: ArrayBuffer[] = []): Promise<PoolReply> {
    if (this.closed) return Promise.reject(new InferencePoolError("the inference pool is closed"));
    const id = this.nextId++;
    slot.busy++;
    return new Promise<PoolReply>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ ...req, id }, transfer);
    }).finally(() => slot.busy--);
  }

  /** Loads `model` under `key` in every worker (a no-op where it is loaded). */
  async load(key: string, model: Uint8Array): Promise<void> {
    const replies = await Promise.all(this.slots.map((s) => this.send(s, { op: "load", key, model } as Omit<PoolRequest, "id">)));
    const bad = replies.find((r) => !r.ok);
    if (bad !== undefined && !bad.ok) throw new InferencePoolError(`cannot load ${key}: ${bad.error}`);
  }

  /**
   * Runs the session `key` on the least busy worker, with optional preprocessing, decoding and
   * encoding on that thread (see {@link RunStages}). Feed buffers are copied, outputs transferred back.
   */
  async run(key: string, feeds: Readonly<Record<string, WireTensor>>, stages: RunStages = {}): Promise<RunResult> {
    const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    const r = await this.send(slot, { op: "run", key, feeds, ...stages } as Omit<PoolRequest, "id">);
    if (!r.ok) throw new InferencePoolError(`inference on ${key} failed: ${r.error}`, r.errorName, r.errorCode);
    return { ...r, outputs: r.outputs ?? {}, ms: r.ms ?? 0 };
  }

  /** Releases `key` in every worker. */
  async unload(key: string): Promise<void> {
    await Promise.all(this.slots.map((s) => this.send(s, { op: "unload", key })));
  }

  /** Stops the workers; pending runs reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    for (const s of this.slots) for (const p of s.pending.values()) p.reject(new InferencePoolError("the inference pool is closed"));
  }
}
