/**
 * Data rates as people write them ("1.5MB/s", "300 KB/s", "20 Mbit/s"), to and from bytes per second.
 * Units are case-sensitive: `KB/s` is 1000 B/s, `KiB/s` is 1024 B/s, `kbit/s` is 125 B/s.
 */
import { PlannerError, PlannerErrorCode } from "./errors.js";

/** Every unit {@link parseRate} reads, with its size in bytes per second. */
export const RATE_UNITS = {
  "B/s": 1,
  "KB/s": 1e3,
  "KiB/s": 1024,
  "MB/s": 1e6,
  "MiB/s": 1024 ** 2,
  "GB/s": 1e9,
  "GiB/s": 1024 ** 3,
  "bit/s": 1 / 8,
  "kbit/s": 1e3 / 8,
  "Mbit/s": 1e6 / 8,
  "Gbit/s": 1e9 / 8,
} as const;

/** A unit {@link parseRate} reads. */
export type RateUnit = keyof typeof RATE_UNITS;

const RATE = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*([A-Za-z]+\/s)\s*$/;

/**
 * Parses a rate such as `"1.5MB/s"` or `"300 KB/s"` into bytes per second.
 * A plain decimal number (no sign, no exponent), optional spaces, then one of {@link RATE_UNITS}.
 * @throws PlannerError `BAD_RATE` on anything else.
 */
export function parseRate(text: string): number {
  const m = RATE.exec(text);
  const unit = m?.[2];
  if (m === null || unit === undefined || !Object.hasOwn(RATE_UNITS, unit)) {
    throw new PlannerError(
      PlannerErrorCode.BadRate,
      `bad rate ${JSON.stringify(text)}: expected a number and one of ${Object.keys(RATE_UNITS).join(", ")} (units are case-sensitive)`,
    );
  }
  return Number(m[1]) * RATE_UNITS[unit as RateUnit];
}

/** Options for {@link formatRate}. */
export interface FormatRateOptions {
  /** Unit to write in. Default: the largest decimal byte unit (B/s, KB/s, MB/s, GB/s) that keeps the number ≥ 1. */
  readonly unit?: RateUnit;
  /** Significant digits. Default 4. */
  readonly digits?: number;
}

/**
 * Writes bytes per second as a rate that {@link parseRate} reads back (to `digits` significant digits),
 * e.g. `1500000` → `"1.5 MB/s"`. `Infinity` is written `"∞ B/s"` (which parseRate does not read).
 * @throws PlannerError `BAD_ARGUMENT` for NaN or a negative rate.
 */
export function formatRate(bytesPerSec: number, options: FormatRateOptions = {}): string {
  if (Number.isNaN(bytesPerSec) || bytesPerSec < 0) {
    throw new PlannerError(PlannerErrorCode.BadArgument, `cannot format rate ${bytesPerSec}: expected a non-negative number of bytes per second`);
  }
  if (bytesPerSec === Infinity) return "∞ B/s";
  const unit = options.unit ?? (bytesPerSec >= 1e9 ? "GB/s" : bytesPerSec >= 1e6 ? "MB/s" : bytesPerSec >= 1e3 ? "KB/s" : "B/s");
  const value = bytesPerSec / RATE_UNITS[unit];
  const rounded = Number(value.toPrecision(options.digits ?? 4));
  // Number#toString switches to exponent notation below 1e-6 and from 1e21: write those in full.
  const text = rounded >= 1e21 ? BigInt(rounded).toString() : rounded !== 0 && rounded < 1e-6 ? rounded.toFixed(20).replace(/\.?0+$/, "") : String(rounded);
  return `${text} ${unit}`;
}
