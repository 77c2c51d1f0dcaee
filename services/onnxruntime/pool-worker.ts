/**
 * Worker-thread side of the inference pool: holds onnxruntime sessions by key and runs them,
 * so `session.run` blocks this thread, not the main event loop.
 */
import { parentPort, workerData } from "node:worker_threads";
import ort from "onnxruntime-node";
import { type EncodingSpec, decodeFeatures, encodeFeatures } from "../../codec/features.js";
import type { FrameMeta } from "../../codec/wire-format.js";
import { type NormalizeSpec, rgbToTensor } from "../../model/preprocess.js";

/** A tensor crossing the thread boundary. */
export interface WireTensor {
  readonly type: ort.Tensor.Type;
  readonly dims: readonly number[];
  readonly data: ort.Tensor.DataType;
}

/**
 * Work a run may do around the inference, on the worker thread, so the main thread's event loop
 * never carries per-frame compute: image preprocessing and feature decoding before, feature
 * encoding after.
 */
export interface RunStages {
  /** Build the feed `inputName` from RGB pixels. */
  readonly preprocess?: { readonly inputName: string; readonly rgb: Uint8Array; readonly width: number; readonly height: number; readonly normalize: NormalizeSpec };
  /** Decode a feature message into feeds (its tensors by name). */
  readonly decode?: Uint8Array;
  /** Encode the outputs `names` (in order) into a feature message; the outputs are then not returned. */
  readonly encode?: { readonly meta: FrameMeta; readonly spec: EncodingSpec; readonly names: readonly string[] };
}

/** Messages the pool sends to a worker. */
export type PoolRequest =
  | { readonly id: number; readonly op: "load"; readonly key: string; readonly model: Uint8Array }
  | ({ readonly id: number; readonly op: "run"; readonly key: string; readonly feeds: Readonly<Record<string, WireTensor>> } & RunStages)
  | { readonly id: number; readonly op: "unload"; readonly key: string };

/** Replies: the outputs (for run) with stage timings in ms, or an error with its class name and code. */
export type PoolReply =
  | { readonly id: number; readonly ok: true; readonly outputs?: Record<string, WireTensor>; readonly ms?: number; readonly encoded?: Uint8Array; readonly encodeMs?: number; readonly decodeMs?: number; readonly preprocessMs?: number; readonly meta?: FrameMeta }
  | { readonly id: number; readonly ok: false; readonly error: string; readonly errorName?: string; readonly errorCode?: string };

const threads = (workerData as { threads?: number } | undefined)?.threads ?? 1;
const sessions = new Map<string, ort.InferenceSession>();
const port = parentPort;

async function handle(m: PoolRequest): Promise<PoolReply> {
  if (m.op === "load") {
    if (!sessions.has(m.key)) sessions.set(m.key, await ort.InferenceSession.create(m.model, { intraOpNumThreads: threads, interOpNumThreads: 1, logSeverityLevel: 3 }));
    return { id: m.id, ok: true };
  }
  if (m.op === "unload") {
    await sessions.get(m.key)?.release();
    sessions.delete(m.key);
    return { id: m.id, ok: true };
  }
  const s = sessions.get(m.key);
  if (s === undefined) return { id: m.id, ok: false, error: `no session loaded for key ${m.key}` };
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(m.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
  let tp = performance.now();
  let preprocessMs: number | undefined;
  if (m.preprocess !== undefined) {
    const p = m.preprocess;
    feeds[p.inputName] = new ort.Tensor("float32", rgbToTensor(p.rgb, p.width, p.height, p.normalize), [1, 3, p.height, p.width]);
    preprocessMs = performance.now() - tp;
  }
  let decodeMs: number | undefined;
  let meta: FrameMeta | undefined;
  if (m.decode !== undefined) {
    tp = performance.now();
    const d = decodeFeatures(m.decode);
    for (const t of d.tensors) feeds[t.name] = new ort.Tensor("float32", t.data, t.dims);
    meta = d.meta;
    decodeMs = performance.now() - tp;
    const want = s.inputNames.join(",");
    const got = d.tensors.map((t) => t.name).join(",");
    if (want !== got) return { id: m.id, ok: false, error: `the message carries tensors [${got}], the segment reads [${want}]`, errorName: "TensorMismatch" };
  }
  const t0 = performance.now();
  const out = await s.run(feeds);
  const ms = performance.now() - t0;
  const base = { ms, ...(preprocessMs !== undefined ? { preprocessMs } : {}), ...(decodeMs !== undefined ? { decodeMs, meta } : {}) };
  if (m.encode !== undefined) {
    tp = performance.now();
    const tensors = m.encode.names.map((n) => {
      const t = out[n];
      if (t === undefined || t.type !== "float32") throw new TypeError(`output ${n} is ${t?.type ?? "missing"}; the codec carries float32 tensors only (choose another cut)`);
      return { name: n, dims: t.dims, data: t.data as Float32Array };
    });
    const encoded = encodeFeatures(m.encode.meta, tensors, m.encode.spec);
    return { id: m.id, ok: true, ...base, encoded, encodeMs: performance.now() - tp };
  }
  const outputs: Record<string, WireTensor> = {};
  for (const [name, t] of Object.entries(out)) outputs[name] = { type: t.type, dims: t.dims, data: t.data };
  return { id: m.id, ok: true, ...base, outputs };
}

port?.on("message", (m: PoolRequest) => {
  handle(m).then(
    (reply) => {
      const buffers = reply.ok ? [...Object.values(reply.outputs ?? {}).map((t) => (t.data as Float32Array).buffer), reply.encoded?.buffer] : [];
      const transfer = buffers.filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
      port.postMessage(reply, transfer);
    },
    (e: unknown) => port.postMessage({ id: m.id, ok: false, error: e instanceof Error ? (e.message.split("\n")[0] ?? e.message) : String(e), ...(e instanceof Error ? { errorName: e.name } : {}), ...(typeof (e as { code?: unknown }).code === "string" ? { errorCode: (e as { code: string }).code } : {}) } satisfies PoolReply),
  );
});
