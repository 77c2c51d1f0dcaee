/**
 * A token bucket whose fill rate follows a constant rate or a bandwidth trace: the shaper of the
 * link emulator. Pure: time is passed in (ms on any monotonic clock), so tests drive it directly.
 *
 * Tokens are bytes. They accrue at the rate of the moment (the trace's integral between two
 * calls, so rate steps are exact) up to the burst size; sending takes them. The burst is small
 * so that shaping is accurate at low rates: by default 10 ms of the current rate, at least 1500 B
 * (one packet) and at most 16 KiB. A rate of `Infinity` means unshaped.
 *
 * Timers fire late, and a bucket that is full when its timer finally fires loses what it would
 * have earned meanwhile. So while the caller says data is waiting (`backlogged`), tokens may grow
 * past the burst by up to {@link CATCH_UP_MS} of the rate: the long-run rate stays exact, and what
 * leaves in excess of the burst is bounded by that much. An idle bucket holds at most the burst.
 */
import { type BandwidthTrace, withLoop } from "../planner/trace.js";

/** Default burst: this many ms of the current rate... */
export const BURST_MS = 10;
/** ...but at least this many bytes (one packet)... */
export const MIN_BURST_BYTES = 1500;
/** ...and at most this many. */
export const MAX_BURST_BYTES = 16 * 1024;

/** While backlogged, tokens may exceed the burst by this many ms of the rate (late timers). */
export const CATCH_UP_MS = 20;

/** A link rate: bytes/s (finite ≥ 0, or Infinity for unshaped), or a trace. */
export type LinkRate = number | BandwidthTrace;

/** Options for {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** The rate to follow. */
  readonly rate: LinkRate;
  /** Clock time at which the trace starts (and the bucket is full), ms. */
  readonly startMs: number;
  /** Trace only: start over at the end (overrides the trace's own `loop`). Default: the trace's. */
  readonly loop?: boolean;
  /** Fixed burst size, bytes (> 0). Default: {@link BURST_MS} ms of the current rate within {@link MIN_BURST_BYTES}..{@link MAX_BURST_BYTES}. */
  readonly burstBytes?: number;
}

/** Validates a {@link LinkRate}; returns a message naming the problem, or undefined when fine. */
export function checkLinkRate(rate: LinkRate): string | undefined {
  if (typeof rate === "number") return Number.isNaN(rate) || rate < 0 ? `rate must be ≥ 0 bytes/s (Infinity: unshaped), got ${rate}` : undefined;
  return typeof rate === "object" && rate !== null && typeof rate.rateAt === "function" ? undefined : "rate must be bytes/s or a BandwidthTrace";
}

/** The token bucket (see the file comment). */
export class TokenBucket {
  private rate: number | BandwidthTrace = 0;
  private startMs = 0;
  private tokens = 0;
  private lastMs = 0;
  private readonly fixedBurst: number | undefined;
  private started = false;

  /** @throws RangeError for a bad rate or burst. */
  constructor(options: TokenBucketOptions) {
    if (options.burstBytes !== undefined && !(Number.isFinite(options.burstBytes) && options.burstBytes > 0)) throw new RangeError(`burstBytes must be a finite number > 0, got ${options.burstBytes}`);
    this.fixedBurst = options.burstBytes;
    this.setRate(options.rate, options.startMs, options.loop);
    this.tokens = this.burstAt(options.startMs);
  }

  /** Follows `rate` from `nowMs` on (a trace starts at `nowMs`); tokens held so far are kept. @throws RangeError for a bad rate. */
  setRate(rate: LinkRate, nowMs: number, loop?: boolean): void {
    const problem = checkLinkRate(rate);
    if (problem !== undefined) throw new RangeError(problem);
    if (this.started) this.refill(nowMs);
    this.started = true;
    this.rate = typeof rate === "number" || loop === undefined ? rate : withLoop(rate, loop);
    this.startMs = nowMs;
    this.lastMs = nowMs;
  }

  /** Whether the bucket lets everything through at once (rate Infinity). */
  get unshaped(): boolean {
    return this.rate === Infinity;
  }

  private traceTime(nowMs: number): number {
    return Math.max(0, nowMs - this.startMs);
  }

  /** The rate at `nowMs`, bytes/s. */
  rateAt(nowMs: number): number {
    return typeof this.rate === "number" ? this.rate : this.rate.rateAt(this.traceTime(nowMs));
  }

  /** The burst size at `nowMs`, bytes. */
  burstAt(nowMs: number): number {
    if (this.fixedBurst !== undefined) return this.fixedBurst;
    return Math.min(MAX_BURST_BYTES, Math.max(MIN_BURST_BYTES, (this.rateAt(nowMs) * BURST_MS) / 1000));
  }

  private refill(nowMs: number, backlogged = false): void {
    if (nowMs <= this.lastMs) return;
    const r = this.rate;
    const earned = typeof r === "number" ? (r * (nowMs - this.lastMs)) / 1000 : r.bytesBetween(this.traceTime(this.lastMs), this.traceTime(nowMs));
    const cap = this.burstAt(nowMs) + (backlogged ? (this.rateAt(nowMs) * CATCH_UP_MS) / 1000 : 0);
    this.tokens = Math.min(cap, this.tokens + earned);
    this.lastMs = nowMs;
  }

  /**
   * Whole bytes that may be sent at `nowMs` (Infinity when unshaped). `backlogged`: data has been
   * waiting since the last call (see the file comment). Default false.
   */
  available(nowMs: number, backlogged = false): number {
    if (this.unshaped) return Infinity;
    this.refill(nowMs, backlogged);
    return Math.floor(this.tokens);
  }

  /** Spends `bytes` tokens at `nowMs` (at most what is available). */
  take(bytes: number, nowMs: number): void {
    if (this.unshaped) return;
    this.refill(nowMs);
    this.tokens = Math.max(0, this.tokens - bytes);
  }

  /**
   * How long from `nowMs` until `wantBytes` (capped at half the burst, so that a late timer does
   * not find the bucket full and lose tokens) may be sent, ms; 0 when they can be now. With a trace
   * this may be an underestimate (the rate can change on the way): ask again when it elapses.
   * Undefined when the rate is 0 and never changes again.
   */
  waitMs(wantBytes: number, nowMs: number): number | undefined {
    if (this.unshaped) return 0;
    this.refill(nowMs);
    const want = Math.min(wantBytes, this.burstAt(nowMs) / 2);
    if (this.tokens >= want) return 0;
    const rate = this.rateAt(nowMs);
    const change = typeof this.rate === "number" ? undefined : this.rate.nextChangeAfter(this.traceTime(nowMs));
    const untilChange = change === undefined ? Infinity : change - this.traceTime(nowMs);
    const fill = rate > 0 ? ((want - this.tokens) / rate) * 1000 : Infinity;
    const wait = Math.min(fill, untilChange);
    return wait === Infinity ? undefined : Math.max(0, wait);
  }
}
