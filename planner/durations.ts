/**
 * Durations as people write them ("20ms", "1.5s", "2m"), to milliseconds. The counterpart of
 * `rates.ts` for time: used for link delays, hold times and intervals given on the command line.
 */
import { PlannerError, PlannerErrorCode } from "./errors.js";

/** Every unit {@link parseDuration} reads, with its length in milliseconds. */
export const DURATION_UNITS = { us: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 } as const;

/** A unit {@link parseDuration} reads. */
export type DurationUnit = keyof typeof DURATION_UNITS;

const DURATION = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*$/;

/**
 * Parses a duration such as `"20ms"`, `"1.5s"` or `"2m"` into milliseconds: a plain decimal number
 * (no sign, no exponent), optional spaces, then one of {@link DURATION_UNITS} (`us`, `ms`, `s`, `m`,
 * `h`). A bare `0` is allowed; any other number needs a unit.
 * @throws PlannerError `BAD_ARGUMENT` on anything else.
 */
export function parseDuration(text: string): number {
  const m = DURATION.exec(text);
  const value = Number(m?.[1]);
  const unit = m?.[2] ?? "";
  if (m !== null && unit === "" && value === 0) return 0;
  if (m === null || !Object.hasOwn(DURATION_UNITS, unit)) {
    throw new PlannerError(
      PlannerErrorCode.BadArgument,
      `bad duration ${JSON.stringify(text)}: expected a number and one of ${Object.keys(DURATION_UNITS).join(", ")}, e.g. 20ms, 1.5s, 2m`,
    );
  }
  return value * DURATION_UNITS[unit as DurationUnit];
}
