/**
 * A private nats-server with JetStream for tests and `jalad demo`: bound to 127.0.0.1 on an
 * ephemeral port (-p -1), with a temporary store directory, stopped and cleaned up on dispose.
 * Never relies on a system instance on 4222. Binary: `JALAD_NATS_SERVER`, else `nats-server`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Thrown when nats-server is missing or does not come up. */
export class NatsServerError extends Error {
  override readonly name = "NatsServerError";
}

/** A running server; `await using` (or `stop()`) stops it and removes its store. */
export interface NatsServerHandle extends AsyncDisposable {
  /** `nats://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** The server's version, e.g. "2.9.10". */
  readonly version: string;
  readonly storeDir: string;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes the store directory. */
  stop(): Promise<void>;
}

/** Options for {@link startNatsServer}. */
export interface NatsServerOptions {
  /** How long to wait for "Listening for client connections", ms. Default 10000. */
  readonly timeoutMs?: number;
  /** Extra nats-server arguments. */
  readonly args?: readonly string[];
}

/** Stops a child process: SIGTERM, then SIGKILL after 5 s; resolves once it has exited. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Starts nats-server -js on 127.0.0.1 with an ephemeral port and a temporary store. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerHandle> {
  const storeDir = mkdtempSync(join(tmpdir(), "jalad-nats-"));
  const bin = process.env.JALAD_NATS_SERVER ?? "nats-server";
  const child = spawn(bin, ["-js", "-a", "127.0.0.1", "-p", "-1", "--store_dir", storeDir, ...(options.args ?? [])], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  try {
    const { port, version } = await new Promise<{ port: number; version: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new NatsServerError(`nats-server did not start within ${options.timeoutMs ?? 10000} ms: ${log.slice(-500)}`)), options.timeoutMs ?? 10000);
      child.once("error", (e) => {
        clearTimeout(timer);
        reject(new NatsServerError(`cannot run ${bin}: ${e.message} (install nats-server, e.g. scripts/setup.sh, or set JALAD_NATS_SERVER)`));
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new NatsServerError(`nats-server exited with ${code}: ${log.slice(-500)}`));
      });
      child.stderr?.on("data", (d: Buffer) => {
        log = (log + d.toString()).slice(-20000);
        const m = /Listening for client connections on [^\s]*:(\d+)/.exec(log);
        if (m !== null) {
          clearTimeout(timer);
          resolve({ port: Number(m[1]), version: /Version:\s+(\S+)/.exec(log)?.[1] ?? "unknown" });
        }
      });
    });
    child.removeAllListeners("exit");
    const stop = async (): Promise<void> => {
      await stopChild(child);
      rmSync(storeDir, { recursive: true, force: true });
    };
    return { url: `nats://127.0.0.1:${port}`, port, version, storeDir, stop, [Symbol.asyncDispose]: stop };
  } catch (e) {
    await stopChild(child);
    rmSync(storeDir, { recursive: true, force: true });
    throw e;
  }
}
