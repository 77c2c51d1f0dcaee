/**
 * The NATS contract of DESIGN.md in one place: subjects, streams, buckets, headers, and the
 * idempotent setup every edge and worker runs at start (whichever comes first creates them).
 * Only nats-server 2.9 features are used (one filter subject per consumer, no stream metadata).
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { AckPolicy, DeliverPolicy, type JetStreamManager, RetentionPolicy, StorageType, type StreamConfig, jetstreamManager } from "@nats-io/jetstream";
import { Objm } from "@nats-io/obj";
import { Kvm } from "@nats-io/kv";

/** Camera ids as the contract allows them. */
export const CAMERA_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Subjects per camera. */
export const subjects = {
  features: (camera: string) => `jalad.features.${camera}`,
  results: (camera: string) => `jalad.results.${camera}`,
  telemetry: (camera: string) => `jalad.telemetry.${camera}`,
  errors: (camera: string) => `jalad.errors.${camera}`,
} as const;

/** Stream, consumer and bucket names. */
export const names = {
  featuresStream: "JALAD_FEATURES",
  resultsStream: "JALAD_RESULTS",
  /** Telemetry and error records, replayable (an addition to DESIGN.md: error records must not vanish when nobody listens). */
  eventsStream: "JALAD_EVENTS",
  workersConsumer: "workers",
  modelsBucket: "jalad_models",
  /** Feature messages larger than the server's max_payload, referenced from the stream message. */
  payloadsBucket: "jalad_payloads",
  plansBucket: "jalad_plans",
  /** Edge state per camera (the next sequence number), so a restarted edge resumes without reusing a seq (an addition to DESIGN.md). */
  edgesBucket: "jalad_edges",
} as const;

/** Header names (never Nats- prefixed except Nats-Msg-Id). */
export const headerNames = {
  msgId: "Nats-Msg-Id",
  camera: "Jalad-Camera",
  seq: "Jalad-Seq",
  capturedAt: "Jalad-Captured-At",
  plan: "Jalad-Plan",
  model: "Jalad-Model",
  /** What the body is: "features" (wire format), "image/png", "image/jpeg". */
  content: "Jalad-Content",
  /** Object name in {@link names.payloadsBucket} when the body is stored there (body empty). */
  payloadRef: "Jalad-Payload-Ref",
  /** The frame's index at its source (capture order; differs from seq when frames were dropped or the edge restarted). */
  frame: "Jalad-Frame",
  /** Edge timings, ms, for the result's latency breakdown. */
  edgeMs: "Jalad-Edge-Ms",
  encodeMs: "Jalad-Encode-Ms",
  /** When the edge started publishing, epoch ms. */
  sentAt: "Jalad-Sent-At",
  /** Edge-device slowdown factor k the frame was computed under. */
  slowdown: "Jalad-Edge-Slowdown",
} as const;

/** The message id that makes publishing idempotent: `camera:seq`. */
export function msgId(camera: string, seq: number): string {
  return `${camera}:${seq}`;
}

/** Retention and redelivery settings; every field has a default. */
export interface TopologyOptions {
  /** How long unprocessed feature messages live, ms. Default 600000 (10 min). */
  readonly featuresMaxAgeMs?: number;
  /** Msg-id dedupe window of both streams, ms. Default 600000 (10 min). */
  readonly duplicateWindowMs?: number;
  /** How long results are kept, ms. Default 86400000 (24 h). */
  readonly resultsMaxAgeMs?: number;
  /** Worker ack wait, ms: a message not acked (or `working()`-extended) in this time is redelivered. Default 10000. */
  readonly ackWaitMs?: number;
  /** Deliveries before a message is given up (an error record is written). Default 6. */
  readonly maxDeliver?: number;
  /** Unacked messages the consumer allows across all workers. Default 1000. */
  readonly maxAckPending?: number;
}

const ns = (ms: number): number => Math.round(ms * 1e6);

function streamConfigs(o: Required<TopologyOptions>): (Partial<StreamConfig> & { name: string })[] {
  return [
    { name: names.featuresStream, subjects: ["jalad.features.>"], retention: RetentionPolicy.Workqueue, storage: StorageType.File, max_age: ns(o.featuresMaxAgeMs), duplicate_window: ns(Math.min(o.duplicateWindowMs, o.featuresMaxAgeMs)) },
    { name: names.resultsStream, subjects: ["jalad.results.>"], retention: RetentionPolicy.Limits, storage: StorageType.File, max_age: ns(o.resultsMaxAgeMs), duplicate_window: ns(Math.min(o.duplicateWindowMs, o.resultsMaxAgeMs)) },
    { name: names.eventsStream, subjects: ["jalad.telemetry.>", "jalad.errors.>"], retention: RetentionPolicy.Limits, storage: StorageType.File, max_age: ns(o.resultsMaxAgeMs), duplicate_window: ns(120_000) },
  ];
}

/** Fills defaults. */
export function topologyDefaults(o: TopologyOptions = {}): Required<TopologyOptions> {
  return { featuresMaxAgeMs: o.featuresMaxAgeMs ?? 600_000, duplicateWindowMs: o.duplicateWindowMs ?? 600_000, resultsMaxAgeMs: o.resultsMaxAgeMs ?? 86_400_000, ackWaitMs: o.ackWaitMs ?? 10_000, maxDeliver: o.maxDeliver ?? 6, maxAckPending: o.maxAckPending ?? 1000 };
}

async function ensureStream(jsm: JetStreamManager, cfg: Partial<StreamConfig> & { name: string }): Promise<void> {
  const name = cfg.name;
  try {
    await jsm.streams.info(name);
    return;
  } catch {
    // not there yet
  }
  try {
    await jsm.streams.add(cfg);
  } catch (e) {
    // Another process created it in between: fine if it is there now.
    await jsm.streams.info(name).catch(() => {
      throw e;
    });
  }
}

/** Redelivery delays after each failed delivery, ms (the first is the ack wait). */
export function redeliveryBackoffMs(o: Required<TopologyOptions>): number[] {
  return Array.from({ length: o.maxDeliver - 1 }, (_, i) => Math.min(o.ackWaitMs * 2 ** i, 120_000));
}

/** Creates (if missing) the streams, the shared worker consumer, the buckets. Idempotent and safe to race. */
export async function ensureTopology(nc: NatsConnection, options: TopologyOptions = {}): Promise<void> {
  const o = topologyDefaults(options);
  const jsm = await jetstreamManager(nc);
  for (const cfg of streamConfigs(o)) await ensureStream(jsm, cfg);
  const consumer = {
    durable_name: names.workersConsumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: ns(o.ackWaitMs),
    max_deliver: o.maxDeliver,
    backoff: redeliveryBackoffMs(o).map(ns),
    max_ack_pending: o.maxAckPending,
    max_waiting: 512,
  };
  try {
    await jsm.consumers.info(names.featuresStream, names.workersConsumer);
  } catch {
    await jsm.consumers.add(names.featuresStream, consumer).catch(async (e: unknown) => {
      await jsm.consumers.info(names.featuresStream, names.workersConsumer).catch(() => {
        throw e;
      });
    });
  }
  const objm = new Objm(nc);
  await objm.create(names.modelsBucket, { description: "jalad models by sha256", storage: StorageType.File });
  await objm.create(names.payloadsBucket, { description: "jalad feature messages above max_payload", storage: StorageType.File, ttl: ns(o.featuresMaxAgeMs) });
  const kvm = new Kvm(nc);
  await kvm.create(names.plansBucket, { history: 16 });
  await kvm.create(names.edgesBucket, { history: 1 });
}
