/**
 * The typed error of every frame source (ffmpeg processes, image folders, the `frameSource`
 * operator). One class, a code naming what went wrong, and where ffmpeg ran, its stderr tail.
 */

/** Every code a {@link FrameSourceError} can carry, with when it is thrown. */
export const FrameSourceErrorCode = {
  /** Thrown when the options are invalid (size, rate, delays, counts). */
  BadOptions: "BAD_OPTIONS",
  /** Thrown when a file or folder source does not exist. */
  NotFound: "NOT_FOUND",
  /** Thrown when a folder source holds no images. */
  NoImages: "NO_IMAGES",
  /** Thrown when the ffmpeg binary cannot be started (missing, not executable). */
  SpawnFailed: "SPAWN_FAILED",
  /** Thrown when ffmpeg exits with a non-zero status or is killed by a signal it was not sent by us. */
  FfmpegFailed: "FFMPEG_FAILED",
  /** Thrown when a source yields no frames at all. */
  NoFrames: "NO_FRAMES",
  /** Thrown when a source reaches its end (ffmpeg exits 0) and ending is a failure for the caller. */
  Ended: "ENDED",
  /** Thrown when no first frame arrives within the connect timeout, or no next frame within the stall timeout. */
  Stalled: "STALLED",
  /** Thrown when the reconnect policy's maxAttempts consecutive attempts all failed; `cause` is the last failure. */
  AttemptsExhausted: "ATTEMPTS_EXHAUSTED",
} as const;

/** Union of the values of {@link FrameSourceErrorCode}. */
export type FrameSourceErrorCode = (typeof FrameSourceErrorCode)[keyof typeof FrameSourceErrorCode];

/** Extra details of a {@link FrameSourceError}. */
export interface FrameSourceErrorDetails {
  /** The error that led to this one (for ATTEMPTS_EXHAUSTED: the last attempt's error). */
  readonly cause?: unknown;
  /** The last lines ffmpeg wrote on stderr, when ffmpeg ran. Default "". */
  readonly stderrTail?: string;
  /** Connection attempts made, for ATTEMPTS_EXHAUSTED. */
  readonly attempts?: number;
}

/** Thrown (or sent down the stream) when a frame source cannot deliver frames; see {@link FrameSourceErrorCode}. */
export class FrameSourceError extends Error {
  override readonly name = "FrameSourceError";
  /** What went wrong. */
  readonly code: FrameSourceErrorCode;
  /** ffmpeg's stderr tail ("" when ffmpeg did not run or said nothing). */
  readonly stderrTail: string;
  /** Connection attempts made (ATTEMPTS_EXHAUSTED only). */
  readonly attempts: number | undefined;

  constructor(code: FrameSourceErrorCode, message: string, details: FrameSourceErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.stderrTail = details.stderrTail ?? "";
    this.attempts = details.attempts;
  }
}

/** The last non-empty line of an stderr tail, for one-line messages ("" if none). */
export function lastLine(text: string): string {
  const lines = text.trim().split("\n");
  return (lines[lines.length - 1] ?? "").trim();
}
