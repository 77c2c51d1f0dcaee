/** `jalad results`: read a camera's results as JSON lines or a live summary. */
import type { Command } from "commander";
import { connect } from "@nats-io/transport-node";
import { ResultWindow, followResults } from "../../pipelines/results.js";
import { CAMERA_ID, subjects } from "../../services/nats/topology.js";
import { CliError } from "../errors.js";
import { natsUrlOf, onShutdownSignal, parseCount } from "../options.js";

/** Registers `jalad results`. */
export function registerResultsCommand(program: Command): void {
  program.command("results")
    .description("print a camera's results (JSON lines) or a live one-line-per-second summary")
    .requiredOption("--camera <id>", "camera id")
    .option("--from-start", "replay every stored result first")
    .option("--json", "print each result as one JSON line")
    .option("--count <n>", "exit after n results", parseCount("--count", 1))
    .option("--nats <url>", "NATS server (default: $NATS_URL, else nats://127.0.0.1:4222)")
    .action(async (f: { camera: string; fromStart?: boolean; json?: boolean; count?: number; nats?: string }) => {
      if (!CAMERA_ID.test(f.camera)) throw new CliError(`--camera ${JSON.stringify(f.camera)} must match [A-Za-z0-9_-]{1,64}`);
      const nc = await connect({ servers: natsUrlOf(f.nats), name: "jalad-results" });
      const win = new ResultWindow(5000);
      let dropped = 0;
      const tsub = nc.subscribe(subjects.telemetry(f.camera), {
        callback: (_e, m) => {
          try {
            dropped = Math.max(dropped, Number((m.json<{ dropped?: number }>()).dropped ?? 0));
          } catch {
            // not telemetry JSON
          }
        },
      });
      const stopper: { stop?: () => Promise<void> } = {};
      const follow = await followResults(nc, {
        camera: f.camera, fromStart: f.fromStart === true,
        onResult: (r) => {
          win.add(r);
          if (f.json === true) process.stdout.write(`${JSON.stringify(r)}\n`);
          if (f.count !== undefined && win.total >= f.count) void stopper.stop?.();
        },
      });
      stopper.stop = () => follow.stop();
      const tick = f.json === true ? undefined : setInterval(() => {
        const s = win.summary();
        process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${f.camera}: ${s.fps.toFixed(1)} fps, e2e p50 ${s.p50.toFixed(0)} ms p95 ${s.p95.toFixed(0)} ms, ${win.total} results, ${dropped} dropped\n`);
      }, 1000);
      const off = onShutdownSignal(() => follow.stop());
      await follow.done;
      off();
      if (tick !== undefined) clearInterval(tick);
      tsub.unsubscribe();
      await nc.drain();
    });
}
