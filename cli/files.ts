/** Reading the CLI's input files: every failure is one CliError line naming the flag and path. */
import { readFileSync } from "node:fs";
import { PlannerError } from "../planner/errors.js";
import { type Profile, parseProfile } from "../planner/profile.js";
import { CliError, ExitCode } from "./errors.js";

/** Reads and parses a JSON file; `what` (e.g. "--profile") prefixes the error. */
export function readJsonFile(path: string, what = ""): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as unknown;
  } catch (e) {
    throw new CliError(`${what === "" ? "" : `${what} `}${path}: ${((e as Error).message.split("\n")[0] ?? "").slice(0, 200)}`);
  }
}

/** Reads a JSON file that must hold an object. */
export function readJsonObject(path: string, what = ""): Record<string, unknown> {
  const v = readJsonFile(path, what);
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new CliError(`${what === "" ? "" : `${what} `}${path}: not a JSON object`);
  return v as Record<string, unknown>;
}

/** Reads a file's bytes. */
export function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new CliError(`cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  }
}

/** Reads and validates a profile file; schema errors name the path and the field. */
export function readProfile(path: string, what = ""): Profile {
  try {
    return parseProfile(readJsonFile(path, what));
  } catch (e) {
    if (e instanceof PlannerError) throw new CliError(`${path}: ${e.message}`, ExitCode.Usage, { cause: e });
    throw e;
  }
}
