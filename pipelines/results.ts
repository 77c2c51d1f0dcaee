/**
 * Reading results back (`jalad results`): an ordered consumer on `JALAD_RESULTS` for one camera,
 * from the start or from now, plus the camera's telemetry for drop counts. Also a rolling
 * summary (fps, p50/p95 end-to-end latency, drops) for the live view and for `jalad demo`.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { names, subjects } from "../services/nats/topology.js";
import type { FrameResult } from "./worker.js";
import { quantile } from "./timing.js";

/** Options for {@link followResults}. */
export interface FollowOptions {
  readonly camera: string;
  /** Replay every stored result first. Default false (only new ones). */
  readonly fromStart?: boolean;
  /** Called with each result. */
  readonly onResult: (r: FrameResult) => void;
}

/** Follows a camera's results until `stop()`; resolves `done` when stopped. */
export async function followResults(nc: NatsConnection, o: FollowOptions): Promise<{ stop(): Promise<void>; done: Promise<void> }> {
  const js = jetstream(nc);
  const consumer = await js.consumers.get(names.resultsStream, { filter_subjects: subjects.results(o.camera), deliver_policy: o.fromStart === true ? DeliverPolicy.All : DeliverPolicy.New });
  const messages = await consumer.consume();
  const done = (async () => {
    for await (const m of messages) {
      try {
        o.onResult(m.json<FrameResult>());
      } catch {
        // a result that is not JSON: skip (workers only publish JSON)
      }
    }
  })();
  return {
    done,
    async stop() {
      await messages.close();
      await done;
    },
  };
}

/** A rolling window of results for live summaries. */
export class ResultWindow {
  private items: { at: number; e2e: number }[] = [];
  /** Results seen in total. */
  total = 0;

  constructor(private readonly windowMs = 5000) {}

  /** Adds a result received now. */
  add(r: FrameResult, now = Date.now()): void {
    this.total++;
    this.items.push({ at: now, e2e: r.latency.endToEndMs });
    this.trim(now);
  }

  private trim(now: number): void {
    const from = now - this.windowMs;
    let i = 0;
    while (i < this.items.length && (this.items[i] as { at: number }).at < from) i++;
    if (i > 0) this.items = this.items.slice(i);
  }

  /** fps and latency percentiles over the window. */
  summary(now = Date.now()): { fps: number; p50: number; p95: number } {
    this.trim(now);
    const e = this.items.map((x) => x.e2e);
    return { fps: this.items.length / (this.windowMs / 1000), p50: quantile(e, 0.5), p95: quantile(e, 0.95) };
  }
}
