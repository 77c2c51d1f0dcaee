/**
 * The bandwidth observer: estimates the usable uplink from the edge's own traffic, and probes
 * when that traffic is too thin to measure.
 * - Passive samples: each acknowledged publish delivered `bytes` between the later of its send
 *   time and the previous ack, and its ack (the delivery-rate idea of BBR: pipelined publishes
 *   are measured back to back, not each with its own round trip). A publish that found the link
 *   idle also paid one round trip, which is subtracted (the minimum RTT seen by NATS pings).
 * - Active probes: when no sample of at least `minSampleBytes` came in for `probeIntervalMs`, a
 *   probe lasting about `probeMs` at the estimated rate is published on `jalad.probe.<camera>`
 *   (core NATS: no stream stores it) followed by a flush; its PONG returns after the bytes went
 *   through. The byte cost is bounded: probes are spaced so that they use at most `probeBudget`
 *   of the estimated link on average.
 * Emits `bandwidth$` every `intervalMs` with the estimator's estimate and confidence.
 */
import { Observable } from "rxjs";
import type { NatsConnection } from "@nats-io/transport-node";
import { type BandwidthEstimate, type BandwidthEstimator, type EstimatorName, createBandwidthEstimator } from "../planner/bandwidth-estimators.js";
import type { Logger } from "../services/log.js";

/** Options for {@link BandwidthObserver}. */
export interface ObserverOptions {
  readonly nc: NatsConnection;
  readonly camera: string;
  /** Estimator. Default "harmonic" (reacts within a few samples even when only probes feed it; time-weighted EWMA barely moves on short probe samples). */
  readonly estimator?: EstimatorName;
  /** Estimate period, ms. Default 500. */
  readonly intervalMs?: number;
  /** Publishes smaller than this are too thin to measure, bytes. Default 16384. */
  readonly minSampleBytes?: number;
  /** Probe when no usable sample came for this long, ms. Default 500. */
  readonly probeIntervalMs?: number;
  /**
   * A probe lasts about this long at the estimated rate, ms: long enough that the round trip and
   * fixed per-probe costs (measured: about one RTT) do not bias it low. Default 200.
   */
  readonly probeMs?: number;
  /** Largest probe, bytes. Default 524288. */
  readonly maxProbeBytes?: number;
  /** Fraction of the estimated link probes may use on average (probes are spaced to keep to it). Default 0.1. */
  readonly probeBudget?: number;
  /** Whether the edge has publishes in flight: probes wait for an idle link, or they would time the queue ahead of them. */
  readonly busy?: () => boolean;
  readonly logger?: Logger;
}

/** One observed delivery, for the estimator and for telemetry. */
export interface DeliverySample {
  readonly bytes: number;
  readonly ms: number;
  readonly at: number;
  readonly source: "traffic" | "probe";
}

/** Watches acks and probes; see the file comment. */
export class BandwidthObserver {
  private readonly estimator: BandwidthEstimator;
  private lastAckAt = 0;
  private lastUsefulAt = Date.now();
  private minRttMs = Infinity;
  private probing = false;
  private nextProbeAt = 0;
  /** Probe bytes sent in total. */
  probeBytes = 0;
  /** Samples taken in total. */
  samples = 0;

  constructor(private readonly o: ObserverOptions) {
    this.estimator = createBandwidthEstimator(o.estimator ?? "harmonic", { window: 3 });
  }

  /** Feeds one acknowledged publish: bytes sent, when it was sent and acked (epoch ms). */
  acked(bytes: number, sentAt: number, ackedAt: number): void {
    const idle = sentAt >= this.lastAckAt;
    const start = Math.max(sentAt, this.lastAckAt);
    this.lastAckAt = Math.max(this.lastAckAt, ackedAt);
    if (bytes < (this.o.minSampleBytes ?? 16384)) return;
    const ms = this.lessRtt(ackedAt - start, idle);
    this.add({ bytes, ms, at: ackedAt, source: "traffic" });
  }

  private add(s: DeliverySample): void {
    this.samples++;
    this.lastUsefulAt = s.at;
    this.estimator.add({ bytes: s.bytes, ms: s.ms, at: s.at });
  }

  /** The current estimate (undefined before the first sample). */
  estimate(now = Date.now()): BandwidthEstimate | undefined {
    return this.estimator.estimate(now);
  }

  /**
   * A delivery time less the round trip it paid when it started on an idle link. Never less than
   * half the measured time: an RTT measured while the link was busy is inflated, and subtracting
   * it whole would turn a slow delivery into an absurdly fast one.
   */
  private lessRtt(ms: number, idle: boolean): number {
    const rtt = idle && Number.isFinite(this.minRttMs) ? this.minRttMs : 0;
    return Math.max(1, ms - rtt, ms / 2);
  }

  /** Measures an RTT (only on an idle link: a PING queued behind frame bytes measures the queue). */
  private async measureRtt(): Promise<void> {
    if (this.o.busy?.() === true) return;
    try {
      const rtt = await this.o.nc.rtt();
      this.minRttMs = Math.min(this.minRttMs, rtt);
    } catch {
      // disconnected: no RTT this time
    }
  }

  private async probe(now: number): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      const est = this.estimator.estimate(now)?.bytesPerSec ?? 100_000;
      const bytes = Math.round(Math.max(8192, Math.min(this.o.maxProbeBytes ?? 524288, (est * (this.o.probeMs ?? 200)) / 1000)));
      this.nextProbeAt = now + (bytes / ((this.o.probeBudget ?? 0.1) * est)) * 1000;
      await this.measureRtt();
      const t0 = Date.now();
      this.o.nc.publish(`jalad.probe.${this.o.camera}`, new Uint8Array(bytes));
      await this.o.nc.flush();
      const t1 = Date.now();
      this.probeBytes += bytes;
      this.add({ bytes, ms: this.lessRtt(t1 - t0, true), at: t1, source: "probe" });
    } catch (e) {
      this.o.logger?.log("warn", "probe-failed", { error: (e as Error).message });
    } finally {
      this.probing = false;
    }
  }

  /** Measures the link once now (an RTT and one probe), so the first plan need not be a guess. */
  async measureNow(): Promise<BandwidthEstimate | undefined> {
    await this.probe(Date.now());
    return this.estimator.estimate(Date.now());
  }

  /** Estimates every `intervalMs`, probing when traffic is too thin. Unsubscribe to stop. */
  bandwidth$(): Observable<BandwidthEstimate & { at: number }> {
    return new Observable((sub) => {
      void this.measureRtt();
      const tick = setInterval(() => {
        const now = Date.now();
        if (now - this.lastUsefulAt > (this.o.probeIntervalMs ?? 500) && now >= this.nextProbeAt && this.o.busy?.() !== true) void this.probe(now);
        const e = this.estimator.estimate(now);
        if (e !== undefined) sub.next({ ...e, at: now });
      }, this.o.intervalMs ?? 500);
      const rtt = setInterval(() => void this.measureRtt(), 5000);
      return () => {
        clearInterval(tick);
        clearInterval(rtt);
      };
    });
  }
}
