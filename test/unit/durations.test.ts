// Durations as written on the command line.
import fc from "fast-check";
import { expect, test } from "vitest";
import { parseDuration } from "../../planner/durations.js";
import { PlannerError, PlannerErrorCode } from "../../planner/errors.js";

test.each([
  ["20ms", 20],
  ["1.5s", 1500],
  ["2m", 120_000],
  ["1h", 3_600_000],
  [" 250 us ", 0.25],
  [".5s", 500],
  ["0", 0],
  ["0ms", 0],
])("parseDuration(%j) = %d ms", (text, ms) => {
  expect(parseDuration(text)).toBeCloseTo(ms, 12);
});

test.each(["20", "-1s", "1e3ms", "5 sec", "ms", "", "1.5S"])("parseDuration(%j) is BAD_ARGUMENT", (text) => {
  try {
    parseDuration(text);
    expect.unreachable();
  } catch (e) {
    expect(e).toBeInstanceOf(PlannerError);
    expect((e as PlannerError).code).toBe(PlannerErrorCode.BadArgument);
    expect((e as PlannerError).message).toMatch(/expected a number and one of us, ms, s, m, h/);
  }
});

test("property: integer milliseconds round-trip", () => {
  fc.assert(
    fc.property(fc.nat(1e9), (n) => {
      expect(parseDuration(`${n}ms`)).toBe(n);
    }),
  );
});
