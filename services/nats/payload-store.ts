/**
 * Feature messages larger than the server's `max_payload` go to the object store
 * `jalad_payloads` (which chunks them) and the stream message carries only a reference
 * (header `Jalad-Payload-Ref`). Nothing is dropped for being large. Objects expire with the
 * bucket's TTL (the features stream's max age) if a worker never gets to delete them.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { Objm, type ObjectStore } from "@nats-io/obj";
import { names } from "./topology.js";

/** Thrown when a referenced payload is gone (expired or already consumed). */
export class PayloadStoreError extends Error {
  override readonly name = "PayloadStoreError";
}

/** The `jalad_payloads` object store. */
export class PayloadStore {
  private constructor(private readonly store: ObjectStore) {}

  /** Opens the bucket (created by `ensureTopology`). */
  static async open(nc: NatsConnection): Promise<PayloadStore> {
    return new PayloadStore(await new Objm(nc).open(names.payloadsBucket));
  }

  /** Object name for one frame's message: `<camera>.<seq>`. */
  static objectName(camera: string, seq: number): string {
    return `${camera}.${seq}`;
  }

  /** Stores a payload (idempotent for the same name: a retry overwrites the same object). */
  async put(name: string, bytes: Uint8Array): Promise<void> {
    await this.store.putBlob({ name }, bytes);
  }

  /** Reads a payload. */
  async get(name: string): Promise<Uint8Array> {
    const b = await this.store.getBlob(name);
    if (b === null) throw new PayloadStoreError(`payload ${name} is not in ${names.payloadsBucket} (expired or already processed)`);
    return b;
  }

  /** Deletes a payload once its result is published; a missing one is fine. */
  async delete(name: string): Promise<void> {
    await this.store.delete(name).catch(() => undefined);
  }
}
