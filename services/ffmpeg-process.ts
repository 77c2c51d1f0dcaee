/**
 * One ffmpeg process whose stdout is a stream of fixed-size raw frames (rawvideo rgb24):
 * spawning, cutting stdout into frames, keeping a stderr tail, and stopping it for sure
 * (SIGTERM, then SIGKILL after a grace period). Framework-neutral: callbacks and a promise;
 * the `frameSource` operator wraps it in an Observable.
 */
import { spawn, type ChildProcess } from "node:child_process";

/**
 * Cuts a byte stream into frames of exactly `frameBytes` bytes. Every byte is copied once,
 * into a fresh frame buffer that is handed out and never touched again.
 */
export class FrameChunker {
  private frame: Uint8Array;
  private filled = 0;

  /** @param frameBytes bytes per frame (width·height·3 for rgb24); a positive integer. */
  constructor(readonly frameBytes: number) {
    if (!Number.isSafeInteger(frameBytes) || frameBytes <= 0) throw new RangeError(`frameBytes must be a positive integer, got ${frameBytes}`);
    this.frame = new Uint8Array(frameBytes);
  }

  /** Bytes already held towards the next frame (0 ≤ pendingBytes < frameBytes). */
  get pendingBytes(): number {
    return this.filled;
  }

  /** Appends a chunk; returns the frames it completed, oldest first (often none). */
  push(chunk: Uint8Array): Uint8Array[] {
    const done: Uint8Array[] = [];
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(this.frameBytes - this.filled, chunk.length - at);
      this.frame.set(chunk.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled === this.frameBytes) {
        done.push(this.frame);
        this.frame = new Uint8Array(this.frameBytes);
        this.filled = 0;
      }
    }
    return done;
  }
}

/** Options for {@link startFfmpegFrames}. */
export interface FfmpegFramesOptions {
  /** The ffmpeg binary (see `ffmpegBinary()` in services/ffmpeg.ts). */
  readonly binary: string;
  /** Arguments after the binary; stdout must carry raw frames of `frameBytes` bytes. */
  readonly args: readonly string[];
  /** Bytes per frame (width·height·3 for rgb24). */
  readonly frameBytes: number;
  /** How long {@link FfmpegFrames.stop} waits after SIGTERM before SIGKILL, ms. Default 2000. */
  readonly killGraceMs?: number;
  /** Characters of stderr kept for errors and logs. Default 4000. */
  readonly stderrTailChars?: number;
}

/** How an ffmpeg process ended. */
export interface FfmpegExit {
  /** Exit status, or null when killed by a signal or never started. */
  readonly code: number | null;
  /** The signal that ended it, or null. */
  readonly signal: NodeJS.Signals | null;
  /** Whole frames delivered. */
  readonly frames: number;
  /** Bytes of an incomplete last frame (dropped). */
  readonly partialBytes: number;
  /** The last `stderrTailChars` characters of stderr. */
  readonly stderrTail: string;
  /** True when it ended because {@link FfmpegFrames.stop} was called. */
  readonly stopped: boolean;
  /** Set when the binary could not be started (ENOENT, EACCES, ...). */
  readonly spawnError?: Error;
}

/** A running ffmpeg; see {@link startFfmpegFrames}. */
export interface FfmpegFrames {
  /** The process id (undefined when the spawn failed). */
  readonly pid: number | undefined;
  /** Resolves once the process is gone and stdout is drained (after the last frame). Never rejects. */
  readonly exited: Promise<FfmpegExit>;
  /** The stderr tail so far. */
  stderrTail(): string;
  /** Stops delivering frames and stops the process: SIGTERM, SIGKILL after the grace period. Idempotent; resolves when it is gone. */
  stop(): Promise<void>;
  /** Stops reading stdout (ffmpeg blocks once the pipe is full); frames already read still arrive. */
  pause(): void;
  /** Reads stdout again. */
  resume(): void;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Last resort against orphans: SIGKILL every ffmpeg still running when this Node process exits. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of live) child.kill("SIGKILL");
  });
}

/**
 * Spawns ffmpeg and calls `onFrame` with every whole frame of its stdout, in order.
 * Frames stop the moment {@link FfmpegFrames.stop} is called.
 */
export function startFfmpegFrames(options: FfmpegFramesOptions, onFrame: (frame: Uint8Array) => void): FfmpegFrames {
  const tailChars = options.stderrTailChars ?? 4000;
  const graceMs = options.killGraceMs ?? 2000;
  const chunker = new FrameChunker(options.frameBytes);
  installExitHook();
  const child = spawn(options.binary, [...options.args], { stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  let stderr = "";
  let frames = 0;
  let stopping = false;
  let spawnError: Error | undefined;
  child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-tailChars)));
  child.stdout.on("data", (chunk: Buffer) => {
    if (stopping) return;
    for (const frame of chunker.push(chunk)) {
      if (stopping) return;
      frames++;
      onFrame(frame);
    }
  });
  const exited = new Promise<FfmpegExit>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null): void => {
      live.delete(child);
      resolve({ code, signal, frames, partialBytes: chunker.pendingBytes, stderrTail: stderr, stopped: stopping, ...(spawnError === undefined ? {} : { spawnError }) });
    };
    child.on("error", (e) => {
      // Only a failed spawn matters here (a failed kill of a running process is not an exit).
      if (child.pid !== undefined) return;
      spawnError = e;
      done(null, null); // "close" may or may not follow; resolving twice is harmless
    });
    child.once("close", done);
  });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping = true;
    stopped ??= (async () => {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
      }
      await exited;
    })();
    return stopped;
  };
  return { pid: child.pid, exited, stderrTail: () => stderr, stop, pause: () => child.stdout.pause(), resume: () => child.stdout.resume() };
}
