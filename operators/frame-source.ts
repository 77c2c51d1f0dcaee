/**
 * `frameSource`: the first stage of the edge pipeline. Frames from an RTSP camera (over TCP),
 * a video file (at its own rate or at `fps`, optionally looping), an image folder or an ffmpeg
 * `testsrc`, as RGB at a fixed size, stamped with a sequence number that keeps counting across
 * reconnects and the capture time. When the source ends or fails it reconnects with exponential
 * backoff and jitter, logging every attempt; it never stops silently: it either goes on, completes
 * after logging (`maxFrames`, `endOnEof`), or errors with a {@link FrameSourceError}.
 */
import { join } from "node:path";
import {
  EMPTY,
  type MonoTypeOperatorFunction,
  Observable,
  type SchedulerLike,
  asyncScheduler,
  concat,
  concatMap,
  defer,
  finalize,
  from,
  identity,
  ignoreElements,
  map,
  repeat,
  retry,
  take,
  throwError,
  timeout,
  timer,
} from "rxjs";
import { type FfmpegFrames, startFfmpegFrames } from "../services/ffmpeg-process.js";
import { type RgbFrame, ffmpegBinary, ffmpegSourceArgs, listImages, sourceKind } from "../services/ffmpeg.js";
import { FrameSourceError, lastLine } from "../services/frame-source-error.js";
import { readRgbResized } from "../services/image.js";
import { type Logger, jsonLogger } from "../services/log.js";
import { type BackoffPolicy, DEFAULT_BACKOFF, backoffDelay, backoffPolicyProblem } from "./backoff.js";

export { FrameSourceError, FrameSourceErrorCode } from "../services/frame-source-error.js";

/**
 * One frame from {@link frameSource}: an {@link RgbFrame} whose `seq` starts at `startSeq` and
 * keeps counting across reconnects, and whose `capturedAt` is the scheduler's clock when the
 * frame's last byte arrived.
 */
export type SourceFrame = RgbFrame;

/** Reconnect policy of {@link frameSource}: exponential backoff with jitter. */
export interface ReconnectOptions {
  /** Delay before the first reconnect, ms. Default 500. */
  readonly initialDelayMs?: number;
  /** Ceiling on every delay, ms. Default 10000. */
  readonly maxDelayMs?: number;
  /** Growth of the delay per consecutive failure. Default 2. */
  readonly factor?: number;
  /** Relative jitter in [0, 1]: each delay is drawn from base·[1 − jitter, 1 + jitter], then capped. Default 0.2. */
  readonly jitter?: number;
  /**
   * Consecutive failed attempts (a connection that errors or ends; a frame resets the count)
   * after which the stream errors with ATTEMPTS_EXHAUSTED. Default Infinity (never give up).
   */
  readonly maxAttempts?: number;
  /** Uniform random source on [0, 1) for the jitter. Default Math.random. */
  readonly random?: () => number;
}

/** Options of {@link frameSource}. */
export interface FrameSourceOptions {
  /**
   * `rtsp://…` (read over TCP), another ffmpeg URL, a video file, a folder of images (sorted by
   * name) or `testsrc`/`testsrc2` (ffmpeg lavfi; `testsrc2=<lavfi options>` passes options through).
   */
  readonly source: string;
  /** Frame width, px (frames are scaled to exactly width×height). */
  readonly width: number;
  /** Frame height, px. */
  readonly height: number;
  /**
   * Output rate, frames/s. Default: files play at their own rate (ffmpeg `-re`), RTSP and URLs
   * at the camera's rate, testsrc at 25, folders at 10.
   */
  readonly fps?: number;
  /** Files and folders: start again at the end, forever (`-stream_loop -1`). Default false. */
  readonly loop?: boolean;
  /** Complete after this many frames. Default: unlimited. */
  readonly maxFrames?: number;
  /** Sequence number of the first frame. Default 0. */
  readonly startSeq?: number;
  /**
   * When the source ends (ffmpeg exits 0, the folder is done): true completes the stream after
   * logging; false (the default) treats the end as a failure and reconnects per `reconnect`,
   * since a camera that ends is a failure for a live system.
   */
  readonly endOnEof?: boolean;
  /** Reconnect policy. Defaults: 500 ms, ×2, ceiling 10 s, jitter 0.2, unlimited attempts. */
  readonly reconnect?: ReconnectOptions;
  /** How long a connection may take to deliver its first frame, ms. Default 20000. */
  readonly connectTimeoutMs?: number;
  /** How long a connection may go without a frame once frames flow, ms (at least 3 frame intervals). Default 10000. */
  readonly stallTimeoutMs?: number;
  /** On unsubscribe or failure, how long ffmpeg gets after SIGTERM before SIGKILL, ms. Default 2000. */
  readonly killGraceMs?: number;
  /** Extra ffmpeg input options placed before `-i` (e.g. `-analyzeduration 0 -probesize 32` for faster RTSP start). Default none. */
  readonly inputArgs?: readonly string[];
  /** Flow control (pause/resume), for the edge's "block" policy. Default: none (frames always flow). */
  readonly gate?: SourceGate;
  /** Receives the events source-connect, source-first-frame, source-ended, source-failed, source-gave-up, source-stopped. Default: JSON lines on stderr. */
  readonly logger?: Logger;
}

/**
 * Flow control for a frame source (the edge's "block" queue policy): while closed, ffmpeg's
 * stdout is not read (ffmpeg blocks on the full pipe; RTSP over TCP backs up towards the camera)
 * and folders read no further images. A gate closed longer than `stallTimeoutMs` looks like a
 * stalled source and is reconnected, which is logged.
 */
export class SourceGate {
  private closed = false;
  private readonly listeners = new Set<(open: boolean) => void>();
  private waiters: (() => void)[] = [];

  /** Stops the flow. */
  pause(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.listeners) l(false);
  }

  /** Lets frames flow again. */
  resume(): void {
    if (!this.closed) return;
    this.closed = false;
    for (const l of this.listeners) l(true);
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  /** Whether frames may flow. */
  get isOpen(): boolean {
    return !this.closed;
  }

  /** Resolves when the gate is open. */
  whenOpen(): Promise<void> {
    return this.closed ? new Promise((r) => this.waiters.push(r)) : Promise.resolve();
  }

  /** Calls `l` on every change; returns the unsubscribe. */
  onChange(l: (open: boolean) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

/** Rate of folder sources when no `fps` is given, frames/s. */
const FOLDER_FPS = 10;

interface Resolved {
  readonly source: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number | undefined;
  readonly loop: boolean;
  readonly maxFrames: number | undefined;
  readonly startSeq: number;
  readonly endOnEof: boolean;
  readonly policy: BackoffPolicy;
  readonly maxAttempts: number;
  readonly random: () => number;
  readonly connectTimeoutMs: number;
  readonly stallTimeoutMs: number;
  readonly killGraceMs: number;
  readonly inputArgs: readonly string[];
  readonly logger: Logger;
  readonly gate: SourceGate | undefined;
}

function resolveOptions(o: FrameSourceOptions): Resolved {
  const r = o.reconnect ?? {};
  const policy: BackoffPolicy = {
    initialDelayMs: r.initialDelayMs ?? DEFAULT_BACKOFF.initialDelayMs,
    maxDelayMs: r.maxDelayMs ?? DEFAULT_BACKOFF.maxDelayMs,
    factor: r.factor ?? DEFAULT_BACKOFF.factor,
    jitter: r.jitter ?? DEFAULT_BACKOFF.jitter,
  };
  const bad = (what: string): never => {
    throw new FrameSourceError("BAD_OPTIONS", `frameSource: ${what}`);
  };
  if (typeof o.source !== "string" || o.source === "") bad("source must be a non-empty string");
  for (const [k, v] of [["width", o.width], ["height", o.height]] as const) if (!(Number.isInteger(v) && v > 0 && v <= 16384)) bad(`${k} must be an integer in 1..16384, got ${v}`);
  if (o.fps !== undefined && !(Number.isFinite(o.fps) && o.fps > 0)) bad(`fps must be > 0, got ${o.fps}`);
  if (o.maxFrames !== undefined && !(Number.isSafeInteger(o.maxFrames) && o.maxFrames >= 0)) bad(`maxFrames must be an integer ≥ 0, got ${o.maxFrames}`);
  if (o.startSeq !== undefined && !(Number.isSafeInteger(o.startSeq) && o.startSeq >= 0)) bad(`startSeq must be an integer ≥ 0, got ${o.startSeq}`);
  const maxAttempts = r.maxAttempts ?? Infinity;
  if (!(maxAttempts === Infinity || (Number.isSafeInteger(maxAttempts) && maxAttempts >= 1))) bad(`reconnect.maxAttempts must be an integer ≥ 1 or Infinity, got ${maxAttempts}`);
  const problem = backoffPolicyProblem(policy);
  if (problem !== undefined) bad(`reconnect.${problem}`);
  for (const [k, v] of [["connectTimeoutMs", o.connectTimeoutMs], ["stallTimeoutMs", o.stallTimeoutMs]] as const) if (v !== undefined && !(Number.isFinite(v) && v > 0)) bad(`${k} must be > 0, got ${v}`);
  if (o.killGraceMs !== undefined && !(Number.isFinite(o.killGraceMs) && o.killGraceMs >= 0)) bad(`killGraceMs must be ≥ 0, got ${o.killGraceMs}`);
  return {
    source: o.source,
    width: o.width,
    height: o.height,
    fps: o.fps,
    loop: o.loop ?? false,
    maxFrames: o.maxFrames,
    startSeq: o.startSeq ?? 0,
    endOnEof: o.endOnEof ?? false,
    policy,
    maxAttempts,
    random: r.random ?? Math.random,
    connectTimeoutMs: o.connectTimeoutMs ?? 20_000,
    stallTimeoutMs: o.stallTimeoutMs ?? 10_000,
    killGraceMs: o.killGraceMs ?? 2000,
    inputArgs: o.inputArgs ?? [],
    gate: o.gate,
    logger: o.logger ?? jsonLogger("frame-source"),
  };
}

/** A frame before stamping. */
interface RawFrame {
  readonly rgb: Uint8Array;
  readonly origin: string;
}

/** What one connection attempt has done so far. */
interface Attempt {
  readonly n: number;
  readonly startedAt: number;
  frames: number;
  proc?: FfmpegFrames;
  partialBytes?: number;
}

/** One ffmpeg process as an Observable: frames, then complete (exit 0) or a FrameSourceError; unsubscribe stops it. */
function ffmpegConnection(o: Resolved, attempt: Attempt): Observable<RawFrame> {
  return new Observable<RawFrame>((subscriber) => {
    const args = ffmpegSourceArgs({ source: o.source, width: o.width, height: o.height, fps: o.fps, loop: o.loop, inputArgs: o.inputArgs });
    const proc = startFfmpegFrames({ binary: ffmpegBinary(), args, frameBytes: o.width * o.height * 3, killGraceMs: o.killGraceMs }, (rgb) => subscriber.next({ rgb, origin: o.source }));
    attempt.proc = proc;
    if (o.gate !== undefined && !o.gate.isOpen) proc.pause();
    const offGate = o.gate?.onChange((open) => (open ? proc.resume() : proc.pause()));
    o.logger.log("info", "source-connect", { source: o.source, kind: sourceKind(o.source), attempt: attempt.n, pid: proc.pid ?? null });
    void proc.exited.then((exit) => {
      attempt.partialBytes = exit.partialBytes;
      if (exit.stopped) return;
      const details = { stderrTail: exit.stderrTail };
      if (exit.spawnError !== undefined) {
        subscriber.error(new FrameSourceError("SPAWN_FAILED", `cannot run ${ffmpegBinary()}: ${exit.spawnError.message} (install ffmpeg or set JALAD_FFMPEG)`, { ...details, cause: exit.spawnError }));
      } else if (exit.code === 0) {
        subscriber.complete();
      } else {
        const how = exit.code === null ? `was killed by ${exit.signal ?? "a signal"}` : `exited with ${exit.code}`;
        subscriber.error(new FrameSourceError("FFMPEG_FAILED", `ffmpeg ${how} on ${o.source}: ${lastLine(exit.stderrTail) || "no message"}`, details));
      }
    });
    return () => {
      offGate?.();
      void proc.stop();
    };
  });
}

/** One pass over an image folder (or forever with `loop`), one image per frame interval. */
function folderConnection(o: Resolved, attempt: Attempt, scheduler: SchedulerLike): Observable<RawFrame> {
  return defer(() => {
    o.logger.log("info", "source-connect", { source: o.source, kind: "folder", attempt: attempt.n });
    const files = listImages(o.source);
    if (files.length === 0) throw new FrameSourceError("NO_IMAGES", `${o.source} holds no images`);
    const periodMs = 1000 / (o.fps ?? FOLDER_FPS);
    const pass = from(files).pipe(
      concatMap((f) =>
        concat(
          defer(async () => {
            await o.gate?.whenOpen();
            return readRgbResized(join(o.source, f), o.width, o.height);
          }).pipe(map((img) => ({ rgb: img.data, origin: f }))),
          timer(periodMs, scheduler).pipe(ignoreElements()),
        ),
      ),
    );
    return o.loop ? pass.pipe(repeat()) : pass;
  });
}

/**
 * Frames from a camera, file, folder or testsrc (see {@link FrameSourceOptions}), resilient to
 * the source failing or ending: every (re)connect attempt, end and failure is logged, and
 * reconnects wait per the backoff policy. Errors only with a {@link FrameSourceError}: BAD_OPTIONS
 * at subscribe, ATTEMPTS_EXHAUSTED (cause: the last failure) when `reconnect.maxAttempts`
 * consecutive attempts failed. Unsubscribing stops ffmpeg (SIGTERM, SIGKILL after `killGraceMs`).
 * @param scheduler drives backoff delays, timeouts, folder pacing and `capturedAt`. Default asyncScheduler.
 */
export function frameSource(options: FrameSourceOptions, scheduler: SchedulerLike = asyncScheduler): Observable<SourceFrame> {
  return defer(() => {
    const o = resolveOptions(options);
    const folderPeriodMs = 1000 / (o.fps ?? FOLDER_FPS);
    const intervalMs = o.fps === undefined ? 0 : 1000 / o.fps;
    let seq = o.startSeq;
    let attempts = 0;
    let failures = 0;
    let delivered = 0;
    let current: Attempt = { n: 0, startedAt: scheduler.now(), frames: 0 };
    const tail = (): string => current.proc?.stderrTail() ?? "";

    const connection = defer(() => {
      current = { n: ++attempts, startedAt: scheduler.now(), frames: 0 };
      const attempt = current;
      const isFolder = sourceKind(o.source) === "folder";
      const raw = isFolder ? folderConnection(o, attempt, scheduler) : ffmpegConnection(o, attempt);
      const gap = Math.max(isFolder ? folderPeriodMs : intervalMs, 1) * 3;
      const stalled = (): Observable<never> =>
        throwError(() => {
          const waited = attempt.frames === 0 ? `no first frame within ${Math.max(o.connectTimeoutMs, gap)} ms` : `no frame for ${Math.max(o.stallTimeoutMs, gap)} ms`;
          return new FrameSourceError("STALLED", `${o.source}: ${waited}`, { stderrTail: tail() });
        });
      const ended = defer(() => {
        const fields = { source: o.source, attempt: attempt.n, frames: attempt.frames, partialBytes: attempt.partialBytes ?? 0, stderr: tail() };
        if (!o.endOnEof) return throwError(() => new FrameSourceError("ENDED", `${o.source} ended after ${attempt.frames} frames`, { stderrTail: tail() }));
        o.logger.log("info", "source-ended", { ...fields, reconnect: false });
        return EMPTY;
      });
      return concat(raw.pipe(timeout({ first: Math.max(o.connectTimeoutMs, gap), each: Math.max(o.stallTimeoutMs, gap), with: stalled, scheduler })), ended);
    });

    const onFailure = (err: unknown): Observable<unknown> => {
      failures++;
      const e = err instanceof FrameSourceError ? err : undefined;
      const message = err instanceof Error ? err.message : String(err);
      const fields = { source: o.source, attempt: current.n, failures, frames: current.frames, partialBytes: current.partialBytes ?? 0, code: e?.code ?? "UNKNOWN", error: message, stderr: e?.stderrTail ?? tail() };
      const event = e?.code === "ENDED" ? "source-ended" : "source-failed";
      if (failures >= o.maxAttempts) {
        o.logger.log("warn", event, { ...fields, delayMs: null });
        o.logger.log("error", "source-gave-up", { source: o.source, attempts: failures, error: message });
        return throwError(
          () => new FrameSourceError("ATTEMPTS_EXHAUSTED", `${o.source}: ${failures} attempts in a row failed; last: ${message}`, { cause: err, attempts: failures, stderrTail: fields.stderr }),
        );
      }
      const delayMs = backoffDelay(o.policy, failures, o.random);
      o.logger.log("warn", event, { ...fields, delayMs: Math.round(delayMs) });
      return timer(delayMs, scheduler);
    };

    const limit: MonoTypeOperatorFunction<SourceFrame> = o.maxFrames === undefined ? identity : take(o.maxFrames);
    return connection.pipe(
      map((raw): SourceFrame => {
        failures = 0;
        delivered++;
        if (++current.frames === 1) o.logger.log("info", "source-first-frame", { source: o.source, attempt: current.n, seq, connectMs: scheduler.now() - current.startedAt });
        return { seq: seq++, capturedAt: scheduler.now(), width: o.width, height: o.height, rgb: raw.rgb, origin: raw.origin };
      }),
      retry({ delay: onFailure }),
      limit,
      finalize(() => o.logger.log("info", "source-stopped", { source: o.source, attempts, frames: delivered })),
    );
  });
}
