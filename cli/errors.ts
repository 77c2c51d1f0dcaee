/**
 * How the CLI ends: typed errors become one line on stderr and an exit status; nothing else
 * prints a stack trace unless JALAD_DEBUG is set.
 */
import { CodecError } from "../codec/errors.js";
import { ModelError } from "../model/errors.js";

/** Exit statuses of the `jalad` command. */
export const ExitCode = {
  Ok: 0,
  /** An unexpected internal failure (a bug): reported with a stack when JALAD_DEBUG=1. */
  Internal: 1,
  /** Bad arguments, unknown ids, bad or unreadable files. */
  Usage: 2,
  /** A plan was asked for that no candidate satisfies (planner issues). */
  Infeasible: 3,
} as const;

/** An error the CLI reports as one line with a chosen exit status. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(message: string, readonly exitCode: number = ExitCode.Usage, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Maps any thrown value to the line to print and the exit status. */
export function describeFailure(e: unknown): { line: string; exitCode: number } {
  if (e instanceof CliError) return { line: e.message, exitCode: e.exitCode };
  if (e instanceof ModelError || e instanceof CodecError) return { line: `${e.code}: ${e.message}`, exitCode: ExitCode.Usage };
  const msg = e instanceof Error ? e.message : String(e);
  return { line: `internal error: ${msg.split("\n")[0] ?? ""} (set JALAD_DEBUG=1 for a stack trace)`, exitCode: ExitCode.Internal };
}
