/**
 * Publishing one frame's message to JetStream so that it is never lost and never duplicated:
 * headers per DESIGN.md with `Nats-Msg-Id` = camera:seq (the stream's duplicate window makes
 * retries idempotent), the JetStream ack awaited with a timeout, retried with capped exponential
 * backoff until it lands (or the caller gives up), and bodies above the server's `max_payload`
 * stored in the object store and referenced instead of dropped.
 */
import { headers as natsHeaders } from "@nats-io/transport-node";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { Logger } from "../services/log.js";
import { PayloadStore } from "../services/nats/payload-store.js";
import { headerNames, msgId } from "../services/nats/topology.js";

/** One message to publish. */
export interface OutgoingMessage {
  readonly subject: string;
  readonly camera: string;
  readonly seq: number;
  readonly body: Uint8Array;
  /** Extra headers (Jalad-*), besides Nats-Msg-Id, Jalad-Camera, Jalad-Seq which are always set. */
  readonly headers: Readonly<Record<string, string>>;
}

/** Options for {@link publishReliably}. */
export interface PublishOptions {
  readonly js: JetStreamClient;
  /** Where bodies above `maxPayload` go; required if any body may be that large. */
  readonly payloads?: PayloadStore;
  /** Largest body sent inline, bytes: the server's max_payload less room for headers. */
  readonly maxPayload: number;
  /** Time to wait for each JetStream ack, ms. Default 5000. */
  readonly ackTimeoutMs?: number;
  /** First retry delay, ms; doubles per attempt. Default 200. */
  readonly retryInitialMs?: number;
  /** Retry delay ceiling, ms. Default 5000. */
  readonly retryMaxMs?: number;
  /** Attempts before giving up with PublishError. Default: unlimited. */
  readonly maxAttempts?: number;
  /** Stop retrying when this returns true (shutdown); the frame is then reported as not published. */
  readonly abandoned?: () => boolean;
  readonly logger?: Logger;
}

/** The outcome of a publish. */
export interface Published {
  readonly seq: number;
  /** Stream sequence of the stored message. */
  readonly streamSeq: number;
  /** Whether the stream had it already (a retry of a message that landed). */
  readonly duplicate: boolean;
  /**
   * A duplicate on the very first attempt: the msg id was used before (a restarted edge reusing
   * a seq). Nothing was stored; the caller must publish the frame again under a new seq.
   */
  readonly collision: boolean;
  readonly attempts: number;
  /** From the first attempt to the ack, ms (includes the object-store upload). */
  readonly ackMs: number;
  /** Bytes sent (body, or the object-store payload). */
  readonly bytes: number;
  readonly viaObjectStore: boolean;
}

/** Thrown when a publish is abandoned or runs out of attempts. */
export class PublishError extends Error {
  override readonly name = "PublishError";
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Publishes with ack, retries and large-payload offload; see the file comment. */
export async function publishReliably(m: OutgoingMessage, o: PublishOptions): Promise<Published> {
  const t0 = performance.now();
  const big = m.body.length > o.maxPayload;
  if (big && o.payloads === undefined) throw new PublishError(`message ${msgId(m.camera, m.seq)} has ${m.body.length} bytes, above max_payload ${o.maxPayload}, and no payload store was given`);
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      const h = natsHeaders();
      h.set(headerNames.camera, m.camera);
      h.set(headerNames.seq, String(m.seq));
      for (const [k, v] of Object.entries(m.headers)) h.set(k, v);
      if (big) {
        const name = PayloadStore.objectName(m.camera, m.seq);
        await (o.payloads as PayloadStore).put(name, m.body);
        h.set(headerNames.payloadRef, name);
      }
      const ack = await o.js.publish(m.subject, big ? new Uint8Array(0) : m.body, { msgID: msgId(m.camera, m.seq), headers: h, timeout: o.ackTimeoutMs ?? 5000 });
      return { seq: m.seq, streamSeq: ack.seq, duplicate: ack.duplicate, collision: ack.duplicate && attempts === 1, attempts, ackMs: performance.now() - t0, bytes: m.body.length, viaObjectStore: big };
    } catch (e) {
      const delay = Math.min((o.retryInitialMs ?? 200) * 2 ** (attempts - 1), o.retryMaxMs ?? 5000);
      o.logger?.log("warn", "publish-retry", { subject: m.subject, seq: m.seq, attempt: attempts, delayMs: delay, error: (e as Error).message });
      if (attempts >= (o.maxAttempts ?? Infinity) || o.abandoned?.() === true) throw new PublishError(`publishing ${msgId(m.camera, m.seq)} failed after ${attempts} attempts: ${(e as Error).message}`, { cause: e });
      await sleep(delay);
      if (o.abandoned?.() === true) throw new PublishError(`publishing ${msgId(m.camera, m.seq)} abandoned at shutdown after ${attempts} attempts`, { cause: e });
    }
  }
}
