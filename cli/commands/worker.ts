/** `jalad worker`: a cloud worker; start more of them to share the load. */
import type { Command } from "commander";
import { startWorker } from "../../pipelines/worker.js";
import { jsonLogger } from "../../services/log.js";
import { natsUrlOf, onShutdownSignal, parseCount } from "../options.js";

/** Registers `jalad worker`. */
export function registerWorkerCommand(program: Command): void {
  program.command("worker")
    .description("finish the model on feature messages from JetStream and publish results (no model configuration needed)")
    .option("--concurrency <n>", "messages processed at once (inference threads)", parseCount("--concurrency", 1), 1)
    .option("--threads <n>", "onnxruntime threads per inference thread", parseCount("--threads", 1), 1)
    .option("--cache-size <n>", "back segments kept loaded", parseCount("--cache-size", 1), 8)
    .option("--ack-wait <ms>", "redeliver a message not acked (or extended) within this time, ms (applies when the consumer is created)", parseCount("--ack-wait", 1000), 10000)
    .option("--nats <url>", "NATS server (default: $NATS_URL, else nats://127.0.0.1:4222)")
    .action(async (f: { concurrency: number; threads: number; cacheSize: number; ackWait: number; nats?: string }) => {
      const w = await startWorker({ natsUrl: natsUrlOf(f.nats), concurrency: f.concurrency, threads: f.threads, cacheSize: f.cacheSize, topology: { ackWaitMs: f.ackWait }, logger: jsonLogger("worker") });
      const off = onShutdownSignal(() => w.stop());
      await w.done;
      off();
      process.stdout.write(`worker: ${w.stats.processed} frames processed, ${Object.values(w.stats.errors).reduce((a, b) => a + b, 0)} rejected, ${w.stats.redelivered} redelivered\n`);
    });
}
