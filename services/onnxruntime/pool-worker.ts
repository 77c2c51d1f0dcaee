/**
 * Worker-thread side of the inference pool: holds onnxruntime sessions by key and runs them,
 * so `session.run` blocks this thread, not the main event loop.
 */
import { parentPort, workerData } from "node:worker_threads";
import ort from "onnxruntime-node";

/** A tensor crossing the thread boundary. */
export interface WireTensor {
  readonly type: ort.Tensor.Type;
  readonly dims: readonly number[];
  readonly data: ort.Tensor.DataType;
}

/** Messages the pool sends to a worker. */
export type PoolRequest =
  | { readonly id: number; readonly op: "load"; readonly key: string; readonly model: Uint8Array }
  | { readonly id: number; readonly op: "run"; readonly key: string; readonly feeds: Readonly<Record<string, WireTensor>> }
  | { readonly id: number; readonly op: "unload"; readonly key: string };

/** Replies: the outputs (for run), or an error message. */
export type PoolReply = { readonly id: number; readonly ok: true; readonly outputs?: Record<string, WireTensor>; readonly ms?: number } | { readonly id: number; readonly ok: false; readonly error: string };

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
  const t0 = performance.now();
  const out = await s.run(feeds);
  const ms = performance.now() - t0;
  const outputs: Record<string, WireTensor> = {};
  for (const [name, t] of Object.entries(out)) outputs[name] = { type: t.type, dims: t.dims, data: t.data };
  return { id: m.id, ok: true, outputs, ms };
}

port?.on("message", (m: PoolRequest) => {
  handle(m).then(
    (reply) => {
      const transfer = reply.ok && reply.outputs ? Object.values(reply.outputs).map((t) => (t.data as Float32Array).buffer).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer) : [];
      port.postMessage(reply, transfer);
    },
    (e: unknown) => port.postMessage({ id: m.id, ok: false, error: e instanceof Error ? (e.message.split("\n")[0] ?? e.message) : String(e) } satisfies PoolReply),
  );
});
