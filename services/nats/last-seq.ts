/**
 * Where a camera's sequence numbers resume after an edge restart. Three sources, the highest
 * wins: the edge's own high-water mark in KV `jalad_edges` (written after acks, coalesced), the
 * last result, and the last feature message still waiting for a worker. The edge also treats a
 * first-attempt duplicate ack as a collision and moves on to the next seq, so a restarted edge
 * never reuses a seq (which the duplicate window would silently swallow).
 */
import type { JetStreamManager } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { headerNames, names, subjects } from "./topology.js";

async function lastSeqOn(jsm: JetStreamManager, stream: string, subject: string): Promise<number | undefined> {
  try {
    const m = await jsm.streams.getMessage(stream, { last_by_subj: subject });
    const v = m?.header?.get(headerNames.seq);
    const n = v === undefined || v === "" ? NaN : Number(v);
    return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  } catch {
    return undefined; // no message on that subject
  }
}

/** The edge's persisted sequence state for one camera. */
export class SeqStore {
  private pending: number | undefined;
  private writing: Promise<void> | undefined;
  private high = 0;

  private constructor(private readonly kv: KV, private readonly jsm: JetStreamManager, private readonly camera: string) {}

  /** Opens the `jalad_edges` bucket (created by `ensureTopology`). */
  static async open(nc: NatsConnection, jsm: JetStreamManager, camera: string): Promise<SeqStore> {
    return new SeqStore(await new Kvm(nc).open(names.edgesBucket), jsm, camera);
  }

  /** The first seq a (re)started edge should use: 0 for a new camera. */
  async nextSeq(): Promise<number> {
    const [kv, r, f] = await Promise.all([
      this.kv.get(`${this.camera}.next-seq`).then((e) => (e === null || e.operation !== "PUT" ? undefined : Number(e.string()))).catch(() => undefined),
      lastSeqOn(this.jsm, names.resultsStream, subjects.results(this.camera)),
      lastSeqOn(this.jsm, names.featuresStream, subjects.features(this.camera)),
    ]);
    return Math.max(Number.isSafeInteger(kv) ? (kv as number) : 0, (r ?? -1) + 1, (f ?? -1) + 1);
  }

  /** Records that seqs below `next` are used (coalesced: at most one write in flight, the latest value wins). */
  record(next: number): void {
    if (next <= this.high) return;
    this.high = next;
    this.pending = next;
    if (this.writing !== undefined) return;
    const loop = async (): Promise<void> => {
      while (this.pending !== undefined) {
        const v = this.pending;
        this.pending = undefined;
        await this.kv.put(`${this.camera}.next-seq`, String(v)).catch(() => undefined);
      }
      this.writing = undefined;
    };
    this.writing = loop();
  }

  /** Waits for the last write. */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }
}
