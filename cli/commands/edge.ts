/** `jalad edge`: run the front of a model beside a camera and stream its features to NATS. */
import type { Command } from "commander";
import { DEFAULT_CODER } from "../../codec/coders.js";
import { PlannerError } from "../../planner/errors.js";
import { type PlanSpec, parsePlanId, planId, transportOf } from "../../planner/plan-id.js";
import { EdgeConfigError, startEdge } from "../../pipelines/edge.js";
import { ModelRuntimeError } from "../../pipelines/model-runtime.js";
import { resolveModelArg } from "../../services/bundled-models.js";
import { jsonLogger } from "../../services/log.js";
import { CliError } from "../errors.js";
import { readJsonObject } from "../files.js";
import { natsUrlOf, onShutdownSignal, parseCount, parsePositive } from "../options.js";

interface EdgeFlags {
  camera: string;
  source: string;
  model: string;
  cut?: number;
  bits?: number;
  coder?: string;
  quantizer: string;
  codec?: string;
  plan?: string;
  fps?: number;
  frames?: number;
  loop?: boolean;
  nats?: string;
  edgeSlowdown: number;
  queue: number;
  policy: string;
  maxInFlight: number;
  sendQueue: number;
  threads: number;
  inputShape?: string;
  reconnectMax: number;
  json?: boolean;
}

/** The plan from the flags: --plan (a plan id or a `jalad plan --json` file), --codec, or --cut/--bits/--coder. */
export function planFromFlags(f: { cut?: number; bits?: number; coder?: string; quantizer: string; codec?: string; plan?: string }): PlanSpec {
  try {
    if (f.plan !== undefined) {
      if (/^\d+\./.test(f.plan)) return parsePlanId(f.plan);
      const j = readJsonObject(f.plan, "--plan");
      const p = (typeof j.plan === "object" && j.plan !== null ? j.plan : j) as { cut?: unknown; codec?: unknown; bits?: unknown };
      if (typeof p.cut !== "number" || typeof p.codec !== "string" || !(p.bits === null || typeof p.bits === "number")) throw new CliError(`--plan ${f.plan}: expected { cut, codec, bits } (as jalad plan --json prints)`);
      const spec = { cut: p.cut, codec: p.codec, bits: p.bits };
      transportOf(spec);
      return spec;
    }
    if (f.cut === undefined) throw new CliError("jalad edge needs a plan: --cut <i> with --bits <c> (and --coder), --cut 0 --codec jpeg-q90|png|raw, --codec result for edge only, or --plan <file|id>");
    const codec = f.codec ?? `${f.coder ?? DEFAULT_CODER}${f.quantizer === "minmax" ? "" : `+${f.quantizer}`}`;
    const spec = { cut: f.cut, codec, bits: f.codec !== undefined ? (f.bits ?? null) : (f.bits ?? 8) };
    transportOf(spec);
    return spec;
  } catch (e) {
    if (e instanceof PlannerError) throw new CliError(e.message, undefined, { cause: e });
    throw e;
  }
}

/** Registers `jalad edge`. */
export function registerEdgeCommand(program: Command): void {
  program.command("edge")
    .description("run the front segment beside a camera and publish compressed features to NATS JetStream")
    .requiredOption("--camera <id>", "camera id ([A-Za-z0-9_-]{1,64})")
    .requiredOption("--source <src>", "rtsp://… URL, video file, image folder, or testsrc")
    .option("--model <m>", "bundled model name or .onnx path", "ppocr-det")
    .option("--cut <i>", "cut id (jalad model inspect lists them)", parseCount("--cut"))
    .option("--bits <c>", "quantizer bits (default 8)", parseCount("--bits", 1))
    .option("--coder <name>", `entropy coder: ans, ctx, huffman, deflate, raw (default ${DEFAULT_CODER})`)
    .option("--quantizer <q>", "minmax, channel, zero, channel-zero", "minmax")
    .option("--codec <name>", "a non-quantized codec: png, jpeg-q90, raw (cut 0), f16, f32, result (last cut)")
    .option("--plan <file|id>", "a plan: `jalad plan --json` output, or a plan id such as 52.ans+channel.4")
    .option("--fps <n>", "pace frames at this rate (default: the source's own)", parsePositive("--fps"))
    .option("--frames <n>", "exit 0 after n frames are published and acknowledged", parseCount("--frames", 1))
    .option("--loop", "loop file sources")
    .option("--nats <url>", "NATS server (default: $NATS_URL, else nats://127.0.0.1:4222)")
    .option("--edge-slowdown <k>", "emulate a k× slower edge device (sleep (k−1)× each front run)", parsePositive("--edge-slowdown", 0.999), 1)
    .option("--queue <n>", "frames allowed to wait for the front segment", parseCount("--queue", 1), 4)
    .option("--policy <p>", "when the queue is full: drop-oldest or block", "drop-oldest")
    .option("--max-in-flight <n>", "publishes awaiting their ack at once", parseCount("--max-in-flight", 1), 4)
    .option("--send-queue <n>", "encoded frames allowed to wait for a publish slot (1: lowest latency)", parseCount("--send-queue", 1), 2)
    .option("--threads <n>", "onnxruntime threads for the front segment", parseCount("--threads", 1), 1)
    .option("--input-shape <spec>", "input shape for dynamic dims, e.g. 1x3x640x640")
    .option("--reconnect-max <ms>", "ceiling of the source's reconnect backoff, ms", parseCount("--reconnect-max", 1), 10000)
    .option("--json", "print the summary as JSON on exit")
    .action(async (f: EdgeFlags) => {
      if (f.policy !== "drop-oldest" && f.policy !== "block") throw new CliError(`--policy expects drop-oldest or block, got "${f.policy}"`);
      const plan = planFromFlags(f);
      const model = resolveModelArg(f.model);
      let edge;
      try {
        edge = await startEdge({
          camera: f.camera, source: f.source, model, plan, natsUrl: natsUrlOf(f.nats), slowdown: f.edgeSlowdown, queue: f.queue, policy: f.policy,
          maxInFlight: f.maxInFlight, sendQueue: f.sendQueue, threads: f.threads, loop: f.loop === true, reconnect: { maxDelayMs: f.reconnectMax },
          ...(f.fps !== undefined ? { fps: f.fps } : {}), ...(f.frames !== undefined ? { frames: f.frames } : {}), ...(f.inputShape !== undefined ? { inputShape: f.inputShape } : {}),
          logger: jsonLogger("edge"),
        });
      } catch (e) {
        if (e instanceof EdgeConfigError || e instanceof ModelRuntimeError) throw new CliError(e.message, undefined, { cause: e });
        throw e;
      }
      const off = onShutdownSignal(() => edge.stop());
      const s = await edge.done;
      off();
      if (f.json === true) process.stdout.write(`${JSON.stringify(s)}\n`);
      else process.stdout.write(`edge ${s.camera}: ${s.published} frames published (seq ${s.firstSeq}..${s.nextSeq - 1}), ${s.dropped} dropped, ${s.fps.toFixed(2)} fps, plan ${s.plans.join(" → ") || planId(plan)}, edge p50 ${s.edgeMs.p50.toFixed(1)} ms, ack p50 ${s.ackMs.p50.toFixed(1)} ms, event-loop delay p99 ${s.eventLoopDelayMs.p99.toFixed(1)} ms\n`);
    });
}
