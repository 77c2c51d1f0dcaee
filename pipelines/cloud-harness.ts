/**
 * The cloud side for `jalad demo` and `jalad experiment`: a private nats-server (unless a URL is
 * given), N workers in this process (each with its own inference thread), and a warm-up that
 * stores the model and has every worker derive its segments before anything is timed.
 */
import { type NatsServerHandle, startNatsServer } from "../services/nats-server.js";
import { type Logger, silentLogger } from "../services/log.js";
import { startEdge } from "./edge.js";
import { type WorkerHandle, startWorker } from "./worker.js";

/** A running cloud. */
export interface CloudHarness {
  readonly natsUrl: string;
  /** Port of the server on 127.0.0.1 (what a link emulator forwards to). */
  readonly natsPort: number;
  readonly workers: readonly WorkerHandle[];
  /** Stops the workers, then the server if this harness started it. */
  stop(): Promise<void>;
}

/** Options for {@link startCloud}. */
export interface CloudOptions {
  /** Use this server (must be on 127.0.0.1 for link emulation). Default: start one. */
  readonly natsUrl?: string;
  /** Workers. Default 2. */
  readonly workers?: number;
  readonly logger?: Logger;
}

/** Starts the cloud side. */
export async function startCloud(o: CloudOptions = {}): Promise<CloudHarness> {
  let server: NatsServerHandle | undefined;
  let url = o.natsUrl;
  if (url === undefined) {
    server = await startNatsServer();
    url = server.url;
  }
  const port = Number(new URL(url.replace(/^nats:/, "http:")).port || 4222);
  const workers: WorkerHandle[] = [];
  try {
    for (let i = 0; i < (o.workers ?? 2); i++) workers.push(await startWorker({ natsUrl: url, concurrency: 1, logger: o.logger ?? silentLogger, name: `worker-${i + 1}` }));
  } catch (e) {
    await Promise.all(workers.map((w) => w.stop()));
    await server?.stop();
    throw e;
  }
  return {
    natsUrl: url,
    natsPort: port,
    workers,
    async stop() {
      await Promise.all(workers.map((w) => w.stop()));
      await server?.stop();
    },
  };
}

/** Stores the model and makes every worker load it: a few frames of a cut-0 plan on an unshaped connection. */
export async function warmUp(cloud: CloudHarness, model: string, source: string, logger: Logger = silentLogger): Promise<void> {
  const edge = await startEdge({ camera: "warmup", source, model, plan: { cut: 0, codec: "png", bits: null }, natsUrl: cloud.natsUrl, frames: 2 * cloud.workers.length, maxInFlight: cloud.workers.length * 2, queue: 8, policy: "block", fps: 50, logger });
  await edge.done;
  const end = Date.now() + 120_000;
  while (cloud.workers.reduce((a, w) => a + w.stats.processed, 0) < 2 * cloud.workers.length && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
}
