/**
 * A private RTSP server for tests: scripts/rtsp-server.py (gst-rtsp-server) on 127.0.0.1, on an
 * ephemeral port, serving a live test pattern (or a file) as RTP/JPEG. `restart()` brings it back
 * on the same port, to play a camera that disappears and comes back.
 * Python: `JALAD_PYTHON`, else /usr/bin/python3 (where Debian's python3-gi lives), else python3.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { stopChild } from "../../services/nats-server.js";

/** Options of {@link startRtspServer}. */
export interface RtspServerOptions {
  /** Frame width, px. Default 160. */
  readonly width?: number;
  /** Frame height, px. Default 120. */
  readonly height?: number;
  /** Frame rate, frames/s. Default 10 (with `file`: the file's own rate). */
  readonly fps?: number;
  /** Mount path (without the leading slash). Default "test". */
  readonly path?: string;
  /** Port; 0 picks a free one. Default 0. */
  readonly port?: number;
  /** Serve this video file instead of the test pattern. */
  readonly file?: string;
  /** How long to wait for the server's READY line, ms. Default 10000. */
  readonly timeoutMs?: number;
}

/** A running RTSP server; `await using` (or `stop()`) stops it. */
export interface RtspServerHandle extends AsyncDisposable {
  /** `rtsp://127.0.0.1:<port>/<path>`. */
  readonly url: string;
  /** The TCP port, the same across restarts. */
  readonly port: number;
  /** True while the server process runs. */
  readonly running: boolean;
  /** Stops the server (SIGTERM, SIGKILL after 5 s); connected clients lose their stream. Idempotent. */
  stop(): Promise<void>;
  /** Stops the server if it runs, then starts it again on the same port. */
  restart(): Promise<void>;
}


const SCRIPT = join(import.meta.dirname, "../../scripts/rtsp-server.py");

function python(): string {
  return process.env.JALAD_PYTHON ?? (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
}


/** Spawns the server and waits for `READY port=<n> url=<url>`. */
async function launch(o: RtspServerOptions, port: number): Promise<{ child: ChildProcess; port: number; url: string }> {
  const args = [SCRIPT, "--host", "127.0.0.1", "--port", String(port), "--path", o.path ?? "test", "--width", String(o.width ?? 160), "--height", String(o.height ?? 120)];
  if (o.fps !== undefined || o.file === undefined) args.push("--fps", String(o.fps ?? 10));
  if (o.file !== undefined) args.push("--file", o.file);
  const child = spawn(python(), args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const timeoutMs = o.timeoutMs ?? 10_000;
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`rtsp-server did not start within ${timeoutMs} ms: ${err.slice(-500)}`)), timeoutMs);
      child.once("error", (e) => {
        clearTimeout(timer);
        reject(new Error(`cannot run ${python()} ${SCRIPT}: ${e.message}`));
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`rtsp-server exited with ${code} (needs python3-gi, gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-good: scripts/setup.sh): ${err.slice(-500)}`));
      });
      child.stderr?.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-5000)));
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /READY port=(\d+) url=(\S+)/.exec(out);
        if (m !== null) {
          clearTimeout(timer);
          child.removeAllListeners("exit");
          resolve({ child, port: Number(m[1]), url: m[2] as string });
        }
      });
    });
  } catch (e) {
    await stopChild(child);
    throw e;
  }
}

/** Starts scripts/rtsp-server.py on 127.0.0.1 (ephemeral port unless `port` is given). */
export async function startRtspServer(options: RtspServerOptions = {}): Promise<RtspServerHandle> {
  const first = await launch(options, options.port ?? 0);
  let child: ChildProcess | undefined = first.child;
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (c !== undefined) await stopChild(c);
  };
  const restart = async (): Promise<void> => {
    await stop();
    // The port was just released; retry briefly in case the kernel has not let go of it yet.
    for (let tries = 1; ; tries++) {
      try {
        child = (await launch(options, first.port)).child;
        return;
      } catch (e) {
        if (tries >= 5) throw e;
        await new Promise((r) => setTimeout(r, 200 * tries));
      }
    }
  };
  return {
    url: first.url,
    port: first.port,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    stop,
    restart,
    [Symbol.asyncDispose]: stop,
  };
}
