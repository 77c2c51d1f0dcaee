/**
 * Typed errors of bandwidth traces (`trace.ts`, `trace-builtins.ts`), in the style of
 * `errors.ts`: one class, a stable `code` from an `as const` map, a message that names the
 * line and what is wrong with it.
 */

/** Every code a {@link TraceError} can carry, with when it is thrown. */
export const TraceErrorCode = {
  /** Thrown when a line of a trace file is malformed: wrong column count, not a number, negative or non-finite value, time going backwards (`line` names it, 1-based). */
  BadTrace: "BAD_TRACE",
  /** Thrown when a trace holds no sample, or spans no time. */
  EmptyTrace: "EMPTY_TRACE",
  /** Thrown when the format of a trace file cannot be told from its first sample line (`line` names it). */
  UnknownFormat: "UNKNOWN_TRACE_FORMAT",
  /** Thrown when an argument to a trace function is out of its domain (negative time, percentile outside 0..100, ...). */
  BadArgument: "BAD_ARGUMENT",
} as const;

/** Union of the values of {@link TraceErrorCode}. */
export type TraceErrorCode = (typeof TraceErrorCode)[keyof typeof TraceErrorCode];

/** The one error type thrown by the trace modules. `code` says what kind of problem; the message says where. */
export class TraceError extends Error {
  override readonly name = "TraceError";
  constructor(
    readonly code: TraceErrorCode,
    message: string,
    /** For `BAD_TRACE` and `UNKNOWN_TRACE_FORMAT`: the offending line of the input, 1-based. */
    readonly line?: number,
    options?: { cause?: unknown },
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`, options);
  }
}
