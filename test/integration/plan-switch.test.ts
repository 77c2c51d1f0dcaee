// Re-decoupling with real parts: plans switched mid-stream at frame boundaries (workers see
// mixed plan ids and decode each frame by its own), and the adaptive edge behind the link
// emulator finding the link's rate from its own traffic and probes.
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { afterEach, describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseProfile } from "../../planner/profile.js";
import { startEdge } from "../../pipelines/edge.js";
import { startAdaptiveEdge } from "../../pipelines/adaptive-edge.js";
import { type WorkerHandle, startWorker } from "../../pipelines/worker.js";
import { resolveModelArg } from "../../services/bundled-models.js";
import { startLinkEmulator, type LinkEmulatorHandle } from "../../services/link-emulator.js";
import { silentLogger } from "../../services/log.js";
import { type NatsServerHandle, startNatsServer } from "../../services/nats-server.js";
import { names, subjects } from "../../services/nats/topology.js";
import type { FrameResult } from "../../pipelines/worker.js";
import { countOn, readAll, textClip, waitFor } from "../helpers/pipeline.js";

let server: NatsServerHandle | undefined;
let workers: WorkerHandle[] = [];
let link: LinkEmulatorHandle | undefined;

afterEach(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  workers = [];
  await link?.close();
  link = undefined;
  await server?.stop();
  server = undefined;
});

describe("plan switches mid-stream", () => {
  test("three plans in one stream: every frame has exactly one result, decoded by the plan it carries, no error records", async () => {
    server = await startNatsServer();
    workers = [await startWorker({ natsUrl: server.url, logger: silentLogger }), await startWorker({ natsUrl: server.url, logger: silentLogger })];
    const edge = await startEdge({ camera: "sw1", source: textClip(), model: resolveModelArg("ppocr-det"), plan: { cut: 352, codec: "ans+channel", bits: 8 }, natsUrl: server.url, frames: 24, policy: "block", queue: 4, logger: silentLogger,
      onPublished: (p) => {
        if (p.seq === 7) void edge.setPlan({ cut: 0, codec: "png", bits: null });
        if (p.seq === 15) void edge.setPlan({ cut: 389, codec: "result", bits: null });
      } });
    const s = await edge.done;
    expect(s.published).toBe(24);
    expect(s.plans).toEqual(["352.ans+channel.8", "0.png", "389.result"]);
    const nc = await connect({ servers: server.url });
    try {
      await waitFor("24 results", async () => (await countOn(nc, names.resultsStream, subjects.results("sw1"))) >= 24, 180_000);
      const rs = (await readAll<FrameResult>(nc, names.resultsStream, subjects.results("sw1"))).map((m) => m.data);
      expect(rs.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i));
      const plans = new Set(rs.map((r) => r.plan));
      expect([...plans].sort()).toEqual(["0.png", "352.ans+channel.8", "389.result"]);
      // Plans change only forward in seq order: frames carry the plan in force when they were computed.
      const order = ["352.ans+channel.8", "0.png", "389.result"];
      const bySeq = rs.sort((a, b) => a.seq - b.seq).map((r) => order.indexOf(r.plan));
      for (let i = 1; i < bySeq.length; i++) expect(bySeq[i]).toBeGreaterThanOrEqual(bySeq[i - 1] as number);
      expect(await countOn(nc, names.eventsStream, subjects.errors("sw1"))).toBe(0);
    } finally {
      await nc.close();
    }
  });

  test("adaptive edge behind a 150 KB/s link: estimates the link from probes, records versioned plans in KV, loses nothing", async () => {
    server = await startNatsServer();
    workers = [await startWorker({ natsUrl: server.url, logger: silentLogger })];
    link = await startLinkEmulator({ listen: { host: "127.0.0.1", port: 0 }, upstream: { host: "127.0.0.1", port: server.port }, rate: 150_000, delayMs: 10 });
    const profile = parseProfile(JSON.parse(readFileSync(join(import.meta.dirname, "../../profiles/ppocr-det.profile.json"), "utf8")));
    // Store the model over a direct connection first (4.7 MB at 150 KB/s would take 30 s).
    const warm = await startEdge({ camera: "warm", source: textClip(), model: resolveModelArg("ppocr-det"), plan: { cut: 389, codec: "result", bits: null }, natsUrl: server.url, frames: 1, logger: silentLogger });
    await warm.done;
    const estimates: number[] = [];
    const a = await startAdaptiveEdge({ camera: "ad1", source: textClip(), model: resolveModelArg("ppocr-det"), profile, slowdown: 1, natsUrl: `nats://127.0.0.1:${link.port}`, queue: 1, maxInFlight: 1, loop: true, holdMs: 500, logger: silentLogger,
      onDecision: (d) => estimates.push(d.bandwidthBytesPerSec) });
    await waitFor("8 estimates", () => estimates.length >= 8, 60_000);
    const s = await a.stop();
    expect(s.published).toBeGreaterThan(0);
    // The edge-only plan sends ~150 B results: the estimate comes from bounded probes. Loose bounds:
    // the point is that the observer finds the link's order of magnitude on a shared machine.
    const late = estimates.slice(-4);
    for (const e of late) {
      expect(e).toBeGreaterThan(150_000 / 3);
      expect(e).toBeLessThan(150_000 * 3);
    }
    expect(a.probeBytes()).toBeGreaterThan(0);
    const nc = await connect({ servers: server.url });
    try {
      const entry = await (await new Kvm(nc).open(names.plansBucket)).get("ad1");
      expect(entry).not.toBeNull();
      expect(entry?.revision).toBeGreaterThan(0);
      expect(entry?.json<{ plan: string }>().plan).toMatch(/^\d+\./);
      await waitFor("every published frame answered", async () => (await countOn(nc, names.resultsStream, subjects.results("ad1"))) >= s.published, 60_000);
    } finally {
      await nc.close();
    }
  });
});
