/** Argument parsers shared by commands: each throws a one-line CliError naming the bad value. */
import { CliError } from "./errors.js";

/** Parses a non-negative integer option value. */
export function parseCount(flag: string, min = 0): (v: string) => number {
  return (v: string) => {
    if (!/^\d+$/.test(v.trim())) throw new CliError(`${flag} expects an integer ≥ ${min}, got "${v}"`);
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new CliError(`${flag} expects an integer ≥ ${min}, got "${v}"`);
    return n;
  };
}
