// The streaming pipeline end to end with real parts: nats-server (own instance per test), ffmpeg
// decoding a generated clip of real photos (and a real RTSP server), onnxruntime running
// PP-OCRv4 detection split at an interior cut, `jalad edge` and `jalad worker` processes.
import { connect, headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import ort from "onnxruntime-node";
import { afterEach, describe, expect, test } from "vitest";
import { encodeFeatures } from "../../codec/features.js";
import { rgbToTensor, PADDLE_DET_NORMALIZE } from "../../model/preprocess.js";
import { type Box, boxF1, detectBoxes } from "../../tasks/text-detection.js";
import { readFrames } from "../../services/ffmpeg.js";
import { type NatsServerHandle, startNatsServer } from "../../services/nats-server.js";
import { names, subjects } from "../../services/nats/topology.js";
import type { FrameResult } from "../../pipelines/worker.js";
import { bundled } from "../helpers/models.js";
import { type JaladProcess, countOn, readAll, startJalad, textClip, waitFor } from "../helpers/pipeline.js";
import { startRtspServer } from "../helpers/rtsp.js";

const PLAN = ["--cut", "352", "--bits", "8", "--quantizer", "channel"];
const running: JaladProcess[] = [];
let server: NatsServerHandle | undefined;
let nc: NatsConnection | undefined;

async function setup(workers: number): Promise<{ url: string; nc: NatsConnection; workers: JaladProcess[] }> {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
  const ws = Array.from({ length: workers }, () => startJalad(["worker", "--nats", server?.url as string, "--ack-wait", "3000"]));
  running.push(...ws);
  return { url: server.url, nc, workers: ws };
}

function edge(url: string, camera: string, frames: number, extra: readonly string[] = []): JaladProcess {
  const p = startJalad(["edge", "--camera", camera, "--source", textClip(), "--model", "ppocr-det", ...PLAN, "--frames", String(frames), "--policy", "block", "--nats", url, "--json", ...extra]);
  running.push(p);
  return p;
}

const results = async (c: NatsConnection, camera: string): Promise<FrameResult[]> => (await readAll<FrameResult>(c, names.resultsStream, subjects.results(camera))).map((m) => m.data);

function expectOnePerSeq(rs: readonly FrameResult[], first: number, count: number): void {
  const seqs = rs.map((r) => r.seq).sort((a, b) => a - b);
  expect(seqs).toEqual(Array.from({ length: count }, (_, i) => first + i));
}

afterEach(async () => {
  for (const p of running.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
  await nc?.close();
  nc = undefined;
  await server?.stop();
  server = undefined;
});

describe("jalad edge → JetStream → jalad worker ×2 → results", () => {
  test("100 frames: exactly one result per frame, no gaps, outputs match the unsplit model", async () => {
    const { url, nc: c, workers } = await setup(2);
    const e = await edge(url, "cam1", 100).exited;
    expect(e.code, e.stderr.slice(-2000)).toBe(0);
    const summary = JSON.parse(e.stdout) as { published: number; dropped: number; firstSeq: number; eventLoopDelayMs: { p99: number } };
    expect(summary).toMatchObject({ published: 100, dropped: 0, firstSeq: 0 });
    await waitFor("100 results", async () => (await countOn(c, names.resultsStream, subjects.results("cam1"))) >= 100, 240_000);
    const rs = await results(c, "cam1");
    expectOnePerSeq(rs, 0, 100);
    for (const r of rs) {
      expect(r.plan).toBe("352.ans+channel.8");
      for (const v of Object.values(r.latency)) expect(v).toBeGreaterThanOrEqual(0);
      expect(r.latency.endToEndMs).toBeGreaterThan(0);
    }
    // Accuracy: the unsplit model on the same decoded frames (every 5th), boxes at IoU ≥ 0.5.
    const byFrame = new Map(rs.map((r) => [(r as FrameResult & { frame: number }).frame, r]));
    const session = await ort.InferenceSession.create(bundled("ppocr-det"), { intraOpNumThreads: 2, logSeverityLevel: 3 });
    const f1s: number[] = [];
    for await (const f of readFrames(textClip(), { width: 640, height: 640, count: 100 })) {
      const r = byFrame.get(f.seq);
      if (f.seq % 5 !== 0 || r === undefined) continue;
      const out = Object.values(await session.run({ x: new ort.Tensor("float32", rgbToTensor(f.rgb, 640, 640, PADDLE_DET_NORMALIZE), [1, 3, 640, 640]) }))[0] as ort.Tensor;
      const ref = detectBoxes(out.data as Float32Array, 640, 640);
      const got = (r.outputs as number[][]).map(([x0, y0, x1, y1, score]) => ({ x0, y0, x1, y1, score }) as Box);
      f1s.push(boxF1(ref, got));
    }
    await session.release();
    expect(f1s.length).toBeGreaterThanOrEqual(15);
    const mean = f1s.reduce((a, b) => a + b, 0) / f1s.length;
    // Calibrated at this cut and c=8: 0.0% text-pixel flips (reports/ppocr-det.profile.json); boxes agree.
    expect(mean).toBeGreaterThanOrEqual(0.98);
    expect(Math.min(...f1s)).toBeGreaterThanOrEqual(0.9);
    // Graceful shutdown: SIGTERM → finish in-flight, drain, exit 0.
    for (const w of workers) w.child.kill("SIGTERM");
    for (const w of workers) expect((await w.exited).code).toBe(0);
  });

  test("a worker killed mid-stream: every frame still gets exactly one result", async () => {
    const { url, nc: c, workers } = await setup(2);
    const e = edge(url, "cam2", 40);
    await waitFor("10 results", async () => (await countOn(c, names.resultsStream, subjects.results("cam2"))) >= 10, 180_000);
    workers[0]?.child.kill("SIGKILL");
    expect((await e.exited).code).toBe(0);
    await waitFor("40 results", async () => (await countOn(c, names.resultsStream, subjects.results("cam2"))) >= 40, 180_000);
    await new Promise((r) => setTimeout(r, 4000)); // past the ack wait: a redelivered duplicate would land now
    expectOnePerSeq(await results(c, "cam2"), 0, 40);
  });

  test("the edge restarted with the same camera (after a clean stop and after SIGKILL): exactly one result per seq", async () => {
    const { url, nc: c } = await setup(2);
    const first = await edge(url, "cam3", 12).exited;
    expect(first.code).toBe(0);
    const second = await edge(url, "cam3", 12).exited;
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ firstSeq: 12, published: 12 });
    // Killed mid-stream: the next run resumes after the highest seq the streams or KV know.
    const killed = edge(url, "cam3", 1000);
    await waitFor("30 results", async () => (await countOn(c, names.resultsStream, subjects.results("cam3"))) >= 30, 180_000);
    killed.child.kill("SIGKILL");
    await killed.exited;
    const third = await edge(url, "cam3", 8).exited;
    expect(third.code, third.stderr.slice(-1500)).toBe(0);
    const s3 = JSON.parse(third.stdout) as { firstSeq: number; nextSeq: number };
    await waitFor("all results", async () => (await countOn(c, names.resultsStream, subjects.results("cam3"))) >= s3.nextSeq - 2, 180_000);
    await new Promise((r) => setTimeout(r, 4000));
    const rs = await results(c, "cam3");
    const seqs = rs.map((r) => r.seq);
    expect(new Set(seqs).size).toBe(seqs.length); // never two results for one seq
    for (let s = 0; s < 24; s++) expect(seqs).toContain(s);
    for (let s = s3.firstSeq; s < s3.nextSeq; s++) expect(seqs).toContain(s);
    expect(s3.firstSeq).toBeGreaterThanOrEqual(30);
  });

  test("corrupt, truncated, wrong-plan and wrong-model messages give error records and never stop the workers", async () => {
    const { url, nc: c, workers } = await setup(1);
    expect((await edge(url, "cam4", 2).exited).code).toBe(0);
    await waitFor("2 results", async () => (await countOn(c, names.resultsStream, subjects.results("cam4"))) >= 2, 120_000);
    const good = (await readAll<FrameResult>(c, names.resultsStream, subjects.results("cam4")))[0];
    const sha = good?.headers["Jalad-Model"] as string;
    const js = jetstream(c);
    const meta = { camera: "cam4", seq: 100, capturedAt: Date.now(), modelSha256: sha, cutId: 352, planId: "352.ans+channel.8" };
    const valid = encodeFeatures(meta, [{ name: "not-the-cut", dims: [1, 4], data: Float32Array.from([1, 2, 3, 4]) }], { quantizer: { kind: "minmax", bits: 8 }, coder: "ans" });
    const corrupt = valid.slice();
    corrupt[corrupt.length - 9] = (corrupt[corrupt.length - 9] as number) ^ 0xff;
    const send = async (seq: number, body: Uint8Array, over: Record<string, string | undefined> = {}): Promise<void> => {
      const h = natsHeaders();
      const base: Record<string, string | undefined> = { "Jalad-Camera": "cam4", "Jalad-Seq": String(seq), "Jalad-Captured-At": String(Date.now()), "Jalad-Plan": "352.ans+channel.8", "Jalad-Model": sha, "Jalad-Content": "features", ...over };
      for (const [k, v] of Object.entries(base)) if (v !== undefined) h.set(k, v);
      await js.publish(subjects.features("cam4"), body, { msgID: `cam4:${seq}`, headers: h });
    };
    await send(100, corrupt);
    await send(101, valid.subarray(0, 40));
    await send(102, encodeFeatures({ ...meta, seq: 102 }, [{ name: "not-the-cut", dims: [1, 4], data: Float32Array.from([1, 2, 3, 4]) }], { quantizer: { kind: "minmax", bits: 8 }, coder: "ans" }));
    await send(103, valid, { "Jalad-Plan": "99999.ans.8" });
    await send(104, valid, { "Jalad-Plan": "not a plan" });
    await send(105, valid, { "Jalad-Model": "0".repeat(64) });
    await send(106, valid, { "Jalad-Seq": "minus one" });
    await send(107, new Uint8Array(0), { "Jalad-Payload-Ref": "cam4.107" });
    await waitFor("8 error records", async () => (await countOn(c, names.eventsStream, subjects.errors("cam4"))) >= 8, 60_000);
    const errors = (await readAll<{ seq: number | null; code: string; message: string }>(c, names.eventsStream, subjects.errors("cam4"))).map((m) => m.data);
    const code = (seq: number | null): string | undefined => errors.find((x) => x.seq === seq)?.code;
    expect(code(100)).toBe("MALFORMED");
    expect(code(101)).toBe("MALFORMED");
    expect(code(102)).toBe("UNKNOWN_PLAN");
    expect(code(103)).toBe("UNKNOWN_PLAN");
    expect(code(104)).toBe("UNKNOWN_PLAN");
    expect(code(105)).toBe("WRONG_MODEL");
    expect(code(null)).toBe("MALFORMED");
    expect(code(107)).toBe("PAYLOAD_MISSING");
    for (const x of errors) expect(x.message.length).toBeGreaterThan(10);
    // Terminated, not redelivered forever: the work queue is empty, and the worker still serves.
    expect(workers[0]?.child.exitCode).toBeNull();
    const again = await edge(url, "cam4", 2).exited;
    expect(again.code).toBe(0);
    await waitFor("results after the bad ones", async () => (await countOn(c, names.resultsStream, subjects.results("cam4"))) >= 4, 120_000);
    expect(await countOn(c, names.featuresStream, subjects.features("cam4"))).toBe(0);
  });

  test("an RTSP camera that disappears and comes back: the edge reconnects and every published frame gets a result", async () => {
    const { url, nc: c } = await setup(1);
    await using rtsp = await startRtspServer({ width: 320, height: 240, fps: 10 });
    const e = startJalad(["edge", "--camera", "cam5", "--source", rtsp.url, "--model", "ppocr-det", ...PLAN, "--frames", "60", "--policy", "block", "--reconnect-max", "1000", "--nats", url, "--json"]);
    running.push(e);
    const sent = async (): Promise<number> => (await countOn(c, names.resultsStream, subjects.results("cam5"))) + (await countOn(c, names.featuresStream, subjects.features("cam5")));
    await waitFor("5 frames published", async () => (await sent()) >= 5, 120_000);
    await rtsp.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await rtsp.restart();
    const done = await e.exited;
    expect(done.code, done.stderr.slice(-1500)).toBe(0);
    if (process.env.JALAD_TEST_TRACE === "1") process.stderr.write(done.stderr.split("\n").filter((l) => l.includes("source-")).join("\n"));
    expect(done.stderr).toMatch(/"event":"source-(ended|failed)"/);
    expect((done.stderr.match(/"event":"source-connect"/g) ?? []).length).toBeGreaterThanOrEqual(2);
    await waitFor("60 results", async () => (await countOn(c, names.resultsStream, subjects.results("cam5"))) >= 60, 120_000);
    expectOnePerSeq(await results(c, "cam5"), 0, 60);
  });
});
