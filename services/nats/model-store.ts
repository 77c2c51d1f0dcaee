/**
 * Models by content hash in the object store `jalad_models`: the edge stores its model once,
 * workers fetch it when they first see its hash and verify the bytes against it. This is what
 * lets a worker start with no model configuration.
 */
import { createHash } from "node:crypto";
import type { NatsConnection } from "@nats-io/transport-node";
import { Objm, type ObjectStore } from "@nats-io/obj";
import { names } from "./topology.js";

/** Thrown when a model is missing from the store or its bytes do not hash to its name. */
export class ModelStoreError extends Error {
  override readonly name = "ModelStoreError";
  constructor(readonly code: "NOT_FOUND" | "HASH_MISMATCH", message: string) {
    super(message);
  }
}

/** Hex sha256 of bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A model and the string metadata stored with it (e.g. a JSON manifest). */
export interface StoredModel {
  readonly sha256: string;
  readonly bytes: Uint8Array;
  readonly metadata: Readonly<Record<string, string>>;
}

/** The `jalad_models` object store. */
export class ModelStore {
  private constructor(private readonly store: ObjectStore) {}

  /** Opens the bucket (created by `ensureTopology`). */
  static async open(nc: NatsConnection): Promise<ModelStore> {
    return new ModelStore(await new Objm(nc).open(names.modelsBucket));
  }

  /** Stores `bytes` under their sha256 unless an entry is already there; returns the hash and whether it uploaded. */
  async put(bytes: Uint8Array, metadata: Record<string, string>): Promise<{ sha256: string; uploaded: boolean }> {
    const sha256 = sha256Hex(bytes);
    const info = await this.store.info(sha256);
    if (info !== null && !info.deleted && info.size === bytes.length) return { sha256, uploaded: false };
    await this.store.putBlob({ name: sha256, description: metadata.name ?? "model", metadata }, bytes);
    return { sha256, uploaded: true };
  }

  /** Fetches a model by hash and verifies it. */
  async get(sha256: string): Promise<StoredModel> {
    const info = await this.store.info(sha256);
    const bytes = info === null || info.deleted ? null : await this.store.getBlob(sha256);
    if (info === null || bytes === null) throw new ModelStoreError("NOT_FOUND", `model ${sha256.slice(0, 12)}… is not in ${names.modelsBucket} (start an edge with that model first)`);
    const got = sha256Hex(bytes);
    if (got !== sha256) throw new ModelStoreError("HASH_MISMATCH", `model ${sha256.slice(0, 12)}… in ${names.modelsBucket} hashes to ${got.slice(0, 12)}…`);
    return { sha256, bytes, metadata: info.metadata ?? {} };
  }
}
