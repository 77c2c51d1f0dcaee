// Bandwidth traces: parsing both file formats, the step function, integrals, percentiles, built-ins.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { constantTrace, detectTraceFormat, formatTrace, parseTrace, traceFromSamples, withLoop } from "../../planner/trace.js";
import { STEP_TRACE_RATES, SYNTHETIC_3G_LEVELS, stepTrace, synthetic3gTrace } from "../../planner/trace-builtins.js";
import { TraceError, TraceErrorCode } from "../../planner/trace-errors.js";

function thrown(f: () => unknown): TraceError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TraceError);
    return e as TraceError;
  }
  throw new Error("expected a TraceError, nothing was thrown");
}

describe("columns format (time_s Mbit/s)", () => {
  test("reads samples with comments, blank lines, commas and CRLF; each rate holds until the next", () => {
    const t = parseTrace("# a trace\n\n0 8\r\n1.5, 0.8   # slow\n3\t16\n");
    expect(t.samples).toEqual([
      { atMs: 0, bytesPerSec: 1e6 },
      { atMs: 1500, bytesPerSec: 1e5 },
      { atMs: 3000, bytesPerSec: 2e6 },
    ]);
    expect(t.durationMs).toBe(4500); // the last sample holds for the median interval
    expect(t.rateAt(0)).toBe(1e6);
    expect(t.rateAt(1499.9)).toBe(1e6);
    expect(t.rateAt(1500)).toBe(1e5);
    expect(t.rateAt(4000)).toBe(2e6);
    expect(t.rateAt(1e9)).toBe(2e6); // not looping: the last rate holds
    expect(t.loop).toBe(false);
  });

  test("times are shifted to start at 0; durationMs can be given", () => {
    const t = parseTrace("100 1\n101 2\n", { durationMs: 5000 });
    expect(t.samples.map((s) => s.atMs)).toEqual([0, 1000]);
    expect(t.durationMs).toBe(5000);
  });

  test.each([
    ["0 1\n1 2 3\n", 2, /line 2: expected 2 columns/],
    ["0 1\nx 2\n", 2, /line 2: time "x" is not a number/],
    ["0 1\n1 -2\n", 2, /line 2: throughput -2 is negative/],
    ["0 1\n# c\n2 1\n2 3\n", 4, /line 4: time 2 s does not come after the previous sample's 2 s/],
    ["0 1\n1 NaN\n", 2, /not a number/],
    ["0 1\n1 Infinity\n", 2, /not a number/],
    ["0 1\n1 1e999\n", 2, /not a number/],
  ])("malformed %j is BAD_TRACE at line %i", (text, line, message) => {
    const e = thrown(() => parseTrace(text, { format: "columns" }));
    expect(e.code).toBe(TraceErrorCode.BadTrace);
    expect(e.line).toBe(line);
    expect(e.message).toMatch(message);
  });

  test("an empty file is EMPTY_TRACE; an unrecognisable one is UNKNOWN_TRACE_FORMAT", () => {
    expect(thrown(() => parseTrace("# nothing\n\n")).code).toBe(TraceErrorCode.EmptyTrace);
    const e = thrown(() => parseTrace("\n1 2 3\n"));
    expect(e.code).toBe(TraceErrorCode.UnknownFormat);
    expect(e.line).toBe(2);
    expect(thrown(() => parseTrace("0 1", { format: "csv" as never })).code).toBe(TraceErrorCode.BadArgument);
  });
});

describe("mahimahi format (ms delivery opportunities of 1500 B)", () => {
  test("a single '1' is one packet per ms: 12 Mbit/s", () => {
    const t = parseTrace("1\n");
    expect(t.durationMs).toBe(1);
    expect(t.rateAt(0)).toBe(1.5e6);
  });

  test("opportunities are counted per bin; repeated stamps are several packets", () => {
    // 0..100 ms: 4 packets, 100..200 ms: 1 packet, 200..250 ms (short bin): 2 packets.
    const t = parseTrace("# mm\n10\n10\n50\n99\n150\n210\n250\n");
    expect(detectTraceFormat("10\n")).toBe("mahimahi");
    expect(t.durationMs).toBe(250);
    expect(t.samples).toEqual([
      { atMs: 0, bytesPerSec: 60_000 },
      { atMs: 100, bytesPerSec: 15_000 },
      { atMs: 200, bytesPerSec: 60_000 },
    ]);
    expect(t.bytesBetween(0, 250)).toBeCloseTo(7 * 1500, 6);
  });

  test("binMs is configurable and the explicit format overrides detection", () => {
    const t = parseTrace("5\n5\n10\n", { format: "mahimahi", binMs: 5 });
    expect(t.samples.map((s) => s.bytesPerSec)).toEqual([0, 900_000]); // 5, 5 and 10 (the end) fall in the second bin
    expect(thrown(() => parseTrace("5\n", { format: "mahimahi", binMs: 0 })).code).toBe(TraceErrorCode.BadArgument);
  });

  test.each([
    ["5\n4\n", 2, /timestamp 4 ms is before the previous 5 ms/],
    ["5\n6.5\n", 2, /integer millisecond timestamp/],
    ["5\n6 7\n", 2, /got 2 columns/],
    ["5\n-6\n", 2, /integer millisecond timestamp/],
  ])("malformed %j is BAD_TRACE at line %i", (text, line, message) => {
    const e = thrown(() => parseTrace(text, { format: "mahimahi" }));
    expect(e.code).toBe(TraceErrorCode.BadTrace);
    expect(e.line).toBe(line);
    expect(e.message).toMatch(message);
  });
});

describe("BandwidthTrace", () => {
  const t = traceFromSamples(
    [
      { atMs: 0, bytesPerSec: 1000 },
      { atMs: 1000, bytesPerSec: 3000 },
      { atMs: 3000, bytesPerSec: 0 },
    ],
    { durationMs: 4000 },
  );

  test("bytesBetween integrates the steps, beyond the end at the last rate", () => {
    expect(t.bytesBetween(0, 1000)).toBe(1000);
    expect(t.bytesBetween(500, 2000)).toBe(500 + 3000);
    expect(t.bytesBetween(0, 4000)).toBe(7000);
    expect(t.bytesBetween(3500, 10_000)).toBe(0);
    expect(t.bytesBetween(7, 7)).toBe(0);
    expect(thrown(() => t.bytesBetween(5, 4)).code).toBe(TraceErrorCode.BadArgument);
    expect(thrown(() => t.rateAt(-1)).code).toBe(TraceErrorCode.BadArgument);
  });

  test("a looping trace repeats its period", () => {
    const l = withLoop(t, true);
    expect(l.loop).toBe(true);
    expect(l.rateAt(4000)).toBe(1000);
    expect(l.rateAt(9500)).toBe(3000);
    expect(l.bytesBetween(0, 12_000)).toBe(21_000);
    expect(l.bytesBetween(3500, 5000)).toBe(1000);
    expect(l.nextChangeAfter(4500)).toBe(5000);
    expect(l.nextChangeAfter(3500)).toBe(4000);
    expect(t.nextChangeAfter(3500)).toBeUndefined();
    expect(t.nextChangeAfter(0)).toBe(1000);
    expect(withLoop(l, true)).toBe(l);
  });

  test("percentile is time-weighted; mean is the time-weighted mean", () => {
    // 1 s at 1000, 2 s at 3000, 1 s at 0.
    expect(t.percentile(0)).toBe(0);
    expect(t.percentile(25)).toBe(0);
    expect(t.percentile(26)).toBe(1000);
    expect(t.percentile(50)).toBe(1000);
    expect(t.percentile(51)).toBe(3000);
    expect(t.percentile(100)).toBe(3000);
    expect(t.mean()).toBe(1750);
    expect(thrown(() => t.percentile(101)).code).toBe(TraceErrorCode.BadArgument);
  });

  test("bad samples are rejected", () => {
    expect(thrown(() => traceFromSamples([])).code).toBe(TraceErrorCode.EmptyTrace);
    expect(thrown(() => traceFromSamples([{ atMs: 5, bytesPerSec: 1 }])).message).toMatch(/start at 0 ms/);
    expect(thrown(() => traceFromSamples([{ atMs: 0, bytesPerSec: 1 }, { atMs: 0, bytesPerSec: 2 }])).message).toMatch(/strictly forward/);
    expect(thrown(() => traceFromSamples([{ atMs: 0, bytesPerSec: -1 }])).message).toMatch(/rate ≥ 0/);
    expect(thrown(() => traceFromSamples([{ atMs: 0, bytesPerSec: 1 }], { durationMs: 0 })).code).toBe(TraceErrorCode.BadArgument);
    expect(constantTrace(5).rateAt(1e12)).toBe(5);
  });

  test("property: bytesBetween is additive and rateAt is its derivative on each step", () => {
    const arbTrace = fc
      .array(fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 2e6 })), { minLength: 1, maxLength: 20 })
      .chain((steps) => fc.tuple(fc.constant(steps), fc.boolean()));
    fc.assert(
      fc.property(arbTrace, fc.double({ min: 0, max: 2e5, noNaN: true }), fc.double({ min: 0, max: 2e5, noNaN: true }), fc.double({ min: 0, max: 2e5, noNaN: true }), ([steps, loop], a, b, c) => {
        let at = 0;
        const samples = steps.map(([len, bytesPerSec]) => {
          const s = { atMs: at, bytesPerSec };
          at += len;
          return s;
        });
        const tr = traceFromSamples(samples, { durationMs: at, loop });
        const [x, y, z] = [a, b, c].sort((p, q) => p - q) as [number, number, number];
        const whole = tr.bytesBetween(x, z);
        expect(Math.abs(tr.bytesBetween(x, y) + tr.bytesBetween(y, z) - whole)).toBeLessThanOrEqual(1e-9 * Math.max(1, whole));
        const next = tr.nextChangeAfter(x);
        const end = Math.min(next ?? x + 1000, x + 1000);
        if (end > x) expect(tr.bytesBetween(x, end)).toBeCloseTo((tr.rateAt(x) * (end - x)) / 1000, 3);
        expect(tr.percentile(0)).toBe(Math.min(...steps.map((s) => s[1])));
        expect(tr.percentile(100)).toBe(Math.max(...steps.map((s) => s[1])));
      }),
    );
  });
});

describe("formatTrace", () => {
  test("writes columns that parseTrace reads back to the same trace", () => {
    const t = stepTrace({ segmentMs: 1500 });
    const text = formatTrace(t, "step trace\nfor tests");
    expect(text).toMatch(/^# step trace\n# for tests\n# jalad bandwidth trace/);
    expect(text).toContain("\n1.5 2.4\n"); // 300 KB/s = 2.4 Mbit/s
    const back = parseTrace(text);
    expect(back.durationMs).toBe(t.durationMs);
    back.samples.forEach((s, i) => {
      expect(s.atMs).toBe(t.samples[i]?.atMs);
      expect(s.bytesPerSec).toBeCloseTo(t.samples[i]?.bytesPerSec ?? NaN, 4);
    });
  });

  test("property: a synthetic trace round-trips through formatTrace", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 120 }), (seed, s) => {
        const t = synthetic3gTrace(seed, s);
        const back = parseTrace(formatTrace(t));
        expect(back.samples.length).toBe(t.samples.length);
        expect(back.mean()).toBeCloseTo(t.mean(), 3);
      }),
      { numRuns: 30 },
    );
  });
});

describe("built-in traces", () => {
  test("stepTrace: 2 MB/s → 300 KB/s → 100 KB/s → 1 MB/s, 30 s each by default", () => {
    const t = stepTrace();
    expect(t.durationMs).toBe(120_000);
    expect([0, 30_000, 60_000, 90_000, 119_999].map((x) => t.rateAt(x))).toEqual([...STEP_TRACE_RATES, 1e6]);
    expect(stepTrace({ segmentMs: 10, loop: true }).rateAt(45)).toBe(2e6);
    expect(thrown(() => stepTrace({ segmentMs: 0 })).code).toBe(TraceErrorCode.BadArgument);
  });

  test("synthetic3gTrace is seeded, 3G-like and has outages", () => {
    const a = synthetic3gTrace(7, 600);
    expect(synthetic3gTrace(7, 600).samples).toEqual(a.samples);
    expect(synthetic3gTrace(8, 600).samples).not.toEqual(a.samples);
    expect(a.durationMs).toBe(600_000);
    expect(a.samples).toHaveLength(1200);
    const rates = a.samples.map((s) => s.bytesPerSec);
    const lo = SYNTHETIC_3G_LEVELS[0] as number;
    const hi = SYNTHETIC_3G_LEVELS[SYNTHETIC_3G_LEVELS.length - 1] as number;
    expect(rates.every((r) => r === 0 || (r >= lo && r <= hi))).toBe(true);
    expect(rates.some((r) => r === 0)).toBe(true); // 10 min at 2%/step: outages are certain in practice
    expect(new Set(rates).size).toBeGreaterThan(100); // it fluctuates
    expect(a.percentile(50)).toBeGreaterThan(lo);
    expect(synthetic3gTrace(1, 1.2).durationMs).toBe(1200);
    expect(synthetic3gTrace(1, 1.2).samples).toHaveLength(3);
    expect(thrown(() => synthetic3gTrace(1, 0)).code).toBe(TraceErrorCode.BadArgument);
  });
});
