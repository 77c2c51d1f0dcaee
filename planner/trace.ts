/**
 * Bandwidth traces: how fast a link is over time, as a step function of bytes per second.
 *
 * A trace is a list of samples `{ atMs, bytesPerSec }` starting at 0 ms with strictly increasing
 * times; each rate holds from its sample until the next one, the last until `durationMs`. After
 * `durationMs` a looping trace starts over, a non-looping one keeps its last rate forever.
 *
 * Two file formats are read ({@link parseTrace}):
 * - **columns**: `time_s throughput_Mbit/s` per line (whitespace, comma or semicolon between),
 *   as in the Pensieve/HSDPA "cooked" traces. Times are shifted so that the first sample is at 0;
 *   the last sample holds for the median interval between samples (1 s when there is only one),
 *   unless `durationMs` is given.
 * - **mahimahi**: one integer millisecond timestamp per line, each a delivery opportunity for one
 *   1500-byte packet (repeated timestamps are several packets in that millisecond); the trace lasts
 *   until the last timestamp (at least 1 ms), as in mahimahi's `mm-link`. Opportunities are
 *   counted in bins of `binMs` (default 100 ms) to give the rate of each bin.
 * In both, `#` starts a comment and blank lines are skipped.
 */
import { TraceError, TraceErrorCode } from "./trace-errors.js";

/** One step of a trace: from `atMs` (ms since the trace start) the link carries `bytesPerSec`. */
export interface TraceSample {
  /** Start of the step, ms since the trace start. */
  readonly atMs: number;
  /** Rate during the step, bytes/s (finite, ≥ 0). */
  readonly bytesPerSec: number;
}

/** A link rate over time (see the file comment). Times in ms since the trace start, rates in bytes/s. */
export interface BandwidthTrace {
  /** The steps, first at 0 ms, times strictly increasing. */
  readonly samples: readonly TraceSample[];
  /** Length of one period of the trace, ms (> the last sample's `atMs`). */
  readonly durationMs: number;
  /** Whether the trace starts over after `durationMs` (else the last rate holds forever). */
  readonly loop: boolean;
  /** The rate at `tMs` ≥ 0, bytes/s. @throws TraceError `BAD_ARGUMENT` for a negative or NaN time. */
  rateAt(tMs: number): number;
  /** Bytes the link carries from `fromMs` to `toMs` (the integral of the rate), 0 ≤ fromMs ≤ toMs. @throws TraceError `BAD_ARGUMENT` otherwise. */
  bytesBetween(fromMs: number, toMs: number): number;
  /** The first time after `tMs` at which the rate may change (a step boundary), or undefined when it never changes again. */
  nextChangeAfter(tMs: number): number | undefined;
  /**
   * Time-weighted percentile over one period: the smallest rate r such that the trace spends at
   * least p% of its duration at rates ≤ r. `p` in 0..100; `percentile(0)` is the minimum rate,
   * `percentile(100)` the maximum. @throws TraceError `BAD_ARGUMENT` for p outside 0..100.
   */
  percentile(p: number): number;
  /** Time-weighted mean rate over one period, bytes/s. */
  mean(): number;
}

/** Options for {@link traceFromSamples}. */
export interface TraceOptions {
  /** Length of one period, ms; must exceed the last sample's time. Default: the last time plus the median interval between samples (1000 ms for a single sample). */
  readonly durationMs?: number;
  /** Start over after `durationMs`. Default false (the last rate holds forever). */
  readonly loop?: boolean;
}

const bad = (msg: string): TraceError => new TraceError(TraceErrorCode.BadArgument, msg);

function medianInterval(at: readonly number[]): number {
  if (at.length < 2) return 1000;
  const gaps = at.slice(1).map((t, i) => t - (at[i] as number)).sort((a, b) => a - b);
  return gaps[(gaps.length - 1) >> 1] as number;
}

class StepTrace implements BandwidthTrace {
  readonly samples: readonly TraceSample[];
  private readonly at: Float64Array;
  private readonly rate: Float64Array;
  /** cum[i]: bytes from 0 to at[i]; cum[n]: bytes over one period. */
  private readonly cum: Float64Array;

  constructor(samples: readonly TraceSample[], readonly durationMs: number, readonly loop: boolean) {
    this.samples = samples.map((s) => ({ atMs: s.atMs, bytesPerSec: s.bytesPerSec }));
    const n = samples.length;
    this.at = Float64Array.from(samples, (s) => s.atMs);
    this.rate = Float64Array.from(samples, (s) => s.bytesPerSec);
    this.cum = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) {
      const end = i + 1 < n ? (this.at[i + 1] as number) : durationMs;
      this.cum[i + 1] = (this.cum[i] as number) + ((this.rate[i] as number) * (end - (this.at[i] as number))) / 1000;
    }
  }

  /** Index of the step holding time r in [0, durationMs]. */
  private index(r: number): number {
    let lo = 0;
    let hi = this.at.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.at[mid] as number) <= r) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private check(tMs: number, what: string): void {
    if (typeof tMs !== "number" || Number.isNaN(tMs) || tMs < 0) throw bad(`${what} must be a time ≥ 0 ms, got ${tMs}`);
  }

  rateAt(tMs: number): number {
    this.check(tMs, "rateAt(t)");
    const D = this.durationMs;
    if (tMs >= D) return this.loop ? (this.rate[this.index(tMs % D)] as number) : (this.rate[this.rate.length - 1] as number);
    return this.rate[this.index(tMs)] as number;
  }

  /** Bytes from 0 to t. */
  private bytesTo(t: number): number {
    const D = this.durationMs;
    const total = this.cum[this.cum.length - 1] as number;
    let base = 0;
    if (t >= D) {
      if (!this.loop) return total + ((this.rate[this.rate.length - 1] as number) * (t - D)) / 1000;
      const k = Math.floor(t / D);
      base = k * total;
      t -= k * D;
    }
    const i = this.index(t);
    return base + (this.cum[i] as number) + ((this.rate[i] as number) * (t - (this.at[i] as number))) / 1000;
  }

  bytesBetween(fromMs: number, toMs: number): number {
    this.check(fromMs, "bytesBetween(from)");
    if (typeof toMs !== "number" || !(toMs >= fromMs)) throw bad(`bytesBetween(from, to) needs to ≥ from, got from ${fromMs}, to ${toMs}`);
    return toMs === fromMs ? 0 : Math.max(0, this.bytesTo(toMs) - this.bytesTo(fromMs));
  }

  nextChangeAfter(tMs: number): number | undefined {
    this.check(tMs, "nextChangeAfter(t)");
    const D = this.durationMs;
    const n = this.at.length;
    if (!this.loop) {
      if (tMs >= D) return undefined;
      const i = this.index(tMs);
      return i + 1 < n ? this.at[i + 1] : undefined;
    }
    if (n === 1) return undefined;
    const base = Math.floor(tMs / D) * D;
    const r = tMs - base;
    const i = this.index(r);
    return base + (i + 1 < n ? (this.at[i + 1] as number) : D);
  }

  percentile(p: number): number {
    if (typeof p !== "number" || !(p >= 0 && p <= 100)) throw bad(`percentile(p) needs p in 0..100, got ${p}`);
    const n = this.at.length;
    const steps = Array.from({ length: n }, (_, i) => ({
      rate: this.rate[i] as number,
      ms: (i + 1 < n ? (this.at[i + 1] as number) : this.durationMs) - (this.at[i] as number),
    })).sort((a, b) => a.rate - b.rate);
    const threshold = (p / 100) * this.durationMs;
    let acc = 0;
    for (const s of steps) {
      acc += s.ms;
      if (acc >= threshold) return s.rate;
    }
    return (steps[steps.length - 1] as { rate: number }).rate; // rounding left acc a hair under the duration
  }

  mean(): number {
    return ((this.cum[this.cum.length - 1] as number) / this.durationMs) * 1000;
  }
}

/**
 * A trace from its steps. Samples must start at 0 ms with strictly increasing times and finite
 * rates ≥ 0 bytes/s.
 * @throws TraceError `EMPTY_TRACE` for no sample, `BAD_ARGUMENT` for anything else out of domain.
 */
export function traceFromSamples(samples: readonly TraceSample[], options: TraceOptions = {}): BandwidthTrace {
  if (samples.length === 0) throw new TraceError(TraceErrorCode.EmptyTrace, "a trace needs at least one sample");
  samples.forEach((s, i) => {
    if (!Number.isFinite(s.atMs) || (i === 0 ? s.atMs !== 0 : !(s.atMs > (samples[i - 1] as TraceSample).atMs))) {
      throw bad(`samples[${i}].atMs = ${s.atMs}: samples must start at 0 ms and go strictly forward in time`);
    }
    if (!Number.isFinite(s.bytesPerSec) || s.bytesPerSec < 0) throw bad(`samples[${i}].bytesPerSec = ${s.bytesPerSec}: expected a finite rate ≥ 0`);
  });
  const at = samples.map((s) => s.atMs);
  const last = at[at.length - 1] as number;
  const durationMs = options.durationMs ?? last + medianInterval(at);
  if (!Number.isFinite(durationMs) || !(durationMs > last)) throw bad(`durationMs = ${durationMs}: must be finite and after the last sample (${last} ms)`);
  return new StepTrace(samples, durationMs, options.loop ?? false);
}

/** A constant rate as a trace (bytes/s, finite, ≥ 0): one sample, never changes. */
export function constantTrace(bytesPerSec: number): BandwidthTrace {
  return traceFromSamples([{ atMs: 0, bytesPerSec }], { durationMs: 1000 });
}

/** The same trace with looping switched on or off. */
export function withLoop(trace: BandwidthTrace, loop: boolean): BandwidthTrace {
  return trace.loop === loop ? trace : traceFromSamples(trace.samples, { durationMs: trace.durationMs, loop });
}

/** The trace file formats {@link parseTrace} reads (see the file comment). */
export const TRACE_FORMATS = ["columns", "mahimahi"] as const;

/** A trace file format. */
export type TraceFormat = (typeof TRACE_FORMATS)[number];

/** Options for {@link parseTrace}. */
export interface ParseTraceOptions {
  /** File format, or "auto" to tell from the first sample line (one integer: mahimahi; two numbers: columns). Default "auto". */
  readonly format?: TraceFormat | "auto";
  /** Start over after the end. Default false. */
  readonly loop?: boolean;
  /** Mahimahi only: width of the bins opportunities are counted in, ms (> 0). Default 100. */
  readonly binMs?: number;
  /** Columns only: length of the trace, ms. Default: the last time plus the median interval. */
  readonly durationMs?: number;
}

/** Bytes of one mahimahi delivery opportunity (one MTU-sized packet). */
export const MAHIMAHI_PACKET_BYTES = 1500;

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Non-comment, non-blank lines with their 1-based line numbers and tokens. */
function dataLines(text: string): { line: number; tokens: string[] }[] {
  const out: { line: number; tokens: string[] }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const hash = raw.indexOf("#");
    const body = (hash < 0 ? raw : raw.slice(0, hash)).trim();
    if (body !== "") out.push({ line: i + 1, tokens: body.split(/[\s,;]+/) });
  });
  return out;
}

function number(token: string, what: string, line: number): number {
  const v = NUMBER.test(token) ? Number(token) : NaN;
  if (!Number.isFinite(v)) throw new TraceError(TraceErrorCode.BadTrace, `${what} ${JSON.stringify(token)} is not a number`, line);
  if (v < 0) throw new TraceError(TraceErrorCode.BadTrace, `${what} ${token} is negative`, line);
  return v;
}

/**
 * Tells the format of a trace file from its first sample line: one integer is mahimahi, two
 * numbers are columns.
 * @throws TraceError `EMPTY_TRACE` when there is no sample line, `UNKNOWN_TRACE_FORMAT` otherwise.
 */
export function detectTraceFormat(text: string): TraceFormat {
  const first = dataLines(text)[0];
  if (first === undefined) throw new TraceError(TraceErrorCode.EmptyTrace, "the trace has no sample lines");
  if (first.tokens.length === 1 && /^\d+$/.test(first.tokens[0] as string)) return "mahimahi";
  if (first.tokens.length === 2) return "columns";
  throw new TraceError(
    TraceErrorCode.UnknownFormat,
    `cannot tell the trace format from ${JSON.stringify(first.tokens.join(" "))}: expected "time_s Mbit/s" (columns) or one integer millisecond timestamp (mahimahi)`,
    first.line,
  );
}

function parseColumns(lines: { line: number; tokens: string[] }[], options: ParseTraceOptions): BandwidthTrace {
  const samples: TraceSample[] = [];
  let t0 = 0;
  let prev = -Infinity;
  for (const { line, tokens } of lines) {
    if (tokens.length !== 2) throw new TraceError(TraceErrorCode.BadTrace, `expected 2 columns (time_s throughput_Mbit/s), got ${tokens.length}`, line);
    const s = number(tokens[0] as string, "time", line);
    const mbps = number(tokens[1] as string, "throughput", line);
    if (!(s > prev)) throw new TraceError(TraceErrorCode.BadTrace, `time ${s} s does not come after the previous sample's ${prev} s`, line);
    if (samples.length === 0) t0 = s;
    prev = s;
    samples.push({ atMs: Math.round((s - t0) * 1e6) / 1e3, bytesPerSec: (mbps * 1e6) / 8 });
  }
  const at = samples.map((x) => x.atMs);
  // Distinct seconds can round to the same microsecond: report the line rather than fail later.
  at.forEach((t, i) => {
    if (i > 0 && !(t > (at[i - 1] as number))) throw new TraceError(TraceErrorCode.BadTrace, "time is within 1 µs of the previous sample's", lines[i]?.line);
  });
  return traceFromSamples(samples, { loop: options.loop ?? false, ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}) });
}

function parseMahimahi(lines: { line: number; tokens: string[] }[], options: ParseTraceOptions): BandwidthTrace {
  const binMs = options.binMs ?? 100;
  if (!(Number.isFinite(binMs) && binMs > 0)) throw bad(`binMs must be a finite number > 0, got ${binMs}`);
  const stamps: number[] = [];
  for (const { line, tokens } of lines) {
    const tok = tokens[0] as string;
    if (tokens.length !== 1) throw new TraceError(TraceErrorCode.BadTrace, `expected one integer millisecond timestamp, got ${tokens.length} columns`, line);
    if (!/^\d+$/.test(tok) || !Number.isSafeInteger(Number(tok))) throw new TraceError(TraceErrorCode.BadTrace, `expected an integer millisecond timestamp ≥ 0, got ${JSON.stringify(tok)}`, line);
    const t = Number(tok);
    const last = stamps[stamps.length - 1];
    if (last !== undefined && t < last) throw new TraceError(TraceErrorCode.BadTrace, `timestamp ${t} ms is before the previous ${last} ms`, line);
    stamps.push(t);
  }
  const durationMs = Math.max(1, stamps[stamps.length - 1] as number);
  const bin = Math.min(binMs, durationMs);
  const nBins = Math.ceil(durationMs / bin);
  const counts = new Float64Array(nBins);
  for (const t of stamps) {
    const i = Math.min(nBins - 1, Math.floor(t / bin));
    counts[i] = (counts[i] as number) + 1;
  }
  const samples = Array.from(counts, (c, i) => {
    const width = Math.min(bin, durationMs - i * bin);
    return { atMs: i * bin, bytesPerSec: (c * MAHIMAHI_PACKET_BYTES * 1000) / width };
  });
  return traceFromSamples(samples, { durationMs, loop: options.loop ?? false });
}

/**
 * Parses a trace file (see the file comment for the formats).
 * @throws TraceError `BAD_TRACE` naming the line and what is wrong with it, `EMPTY_TRACE` for a file
 * without samples, `UNKNOWN_TRACE_FORMAT` when "auto" cannot tell, `BAD_ARGUMENT` for bad options.
 */
export function parseTrace(text: string, options: ParseTraceOptions = {}): BandwidthTrace {
  const format = options.format ?? "auto";
  if (format !== "auto" && !(TRACE_FORMATS as readonly string[]).includes(format)) throw bad(`unknown trace format ${JSON.stringify(format)}: expected auto, ${TRACE_FORMATS.join(", ")}`);
  const lines = dataLines(text);
  if (lines.length === 0) throw new TraceError(TraceErrorCode.EmptyTrace, "the trace has no sample lines");
  return (format === "auto" ? detectTraceFormat(text) : format) === "mahimahi" ? parseMahimahi(lines, options) : parseColumns(lines, options);
}

/** Writes `x` with at most 12 significant digits, so that float noise (2.4000000000000004) does not show. */
const short = (x: number): string => String(Number(x.toPrecision(12)));

/**
 * Writes a trace in the columns format (`time_s throughput_Mbit/s`), with a comment header.
 * {@link parseTrace} reads it back to the same steps; the duration comes back exactly when the last
 * step is as long as the median step (as in every built-in trace), else pass `durationMs`.
 */
export function formatTrace(trace: BandwidthTrace, comment?: string): string {
  const head = [
    ...(comment === undefined ? [] : comment.split(/\r?\n/).map((l) => `# ${l}`)),
    "# jalad bandwidth trace: time_s throughput_Mbit/s; each rate holds until the next line",
    `# duration ${short(trace.durationMs / 1000)} s${trace.loop ? ", looping" : ""}`,
  ];
  const body = trace.samples.map((s) => `${short(s.atMs / 1000)} ${short((s.bytesPerSec * 8) / 1e6)}`);
  return `${[...head, ...body].join("\n")}\n`;
}
