/**
 * `jalad demo`: the whole system on one machine in about two minutes. A private nats-server
 * (unless a URL is given), 2 workers, and an edge on a clip with text in the scene (generated
 * with ffmpeg on first run), connected through the link emulator on the built-in step trace
 * (2 MB/s → 300 KB/s → 100 KB/s → 1 MB/s, time-scaled to `duration`), with a weak edge
 * (slowdown 8). It runs the adaptive planner, then cloud-only PNG on the same trace, printing a
 * live line every second, and ends with a table comparing the two. Everything it started is
 * stopped at the end and on Ctrl-C.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Profile } from "../planner/profile.js";
import { formatRate } from "../planner/rates.js";
import { stepTrace } from "../planner/trace-builtins.js";
import { type Logger, silentLogger } from "../services/log.js";
import { startCloud, warmUp } from "./cloud-harness.js";
import { type ConditionResult, experimentTable } from "./experiment.js";
import { type ScenarioTick, runScenario } from "./scenario.js";

/** Options for {@link runDemo}. */
export interface DemoOptions {
  /** Capture time per run, ms. Default 60000. */
  readonly durationMs?: number;
  /** Use this server (on 127.0.0.1). Default: start one. */
  readonly natsUrl?: string;
  readonly model: string;
  readonly profile: Profile;
  /** Default 8. */
  readonly slowdown?: number;
  /** Default 0.01. */
  readonly maxAccuracyDrop?: number;
  /** Also run cloud-only PNG for comparison. Default true. */
  readonly baseline?: boolean;
  /** Where the clip lives. Default `.cache/clips/photos-text.mp4` under `root`. */
  readonly root: string;
  readonly signal?: AbortSignal;
  /** Prints one line. */
  readonly print: (line: string) => void;
  readonly logger?: Logger;
}

/** Makes the demo clip with scripts/make-clip.sh if it is missing; returns its path. */
export function ensureClip(root: string): string {
  const clip = join(root, ".cache/clips/photos-text.mp4");
  if (!existsSync(clip)) execFileSync("bash", [join(root, "scripts/make-clip.sh"), clip, "16"], { stdio: ["ignore", "inherit", "inherit"] });
  return clip;
}

/** One status line. */
export function tickLine(t: ScenarioTick): string {
  const est = t.estimateBytesPerSec === undefined ? "      —" : formatRate(t.estimateBytesPerSec);
  return `[${t.label} ${t.elapsedS.toFixed(0).padStart(3)} s] link ${formatRate(t.trueBytesPerSec).padStart(10)}  estimate ${est.padStart(10)}  plan ${t.plan.padEnd(18)} ${t.fps.toFixed(2)} fps  p50 ${Number.isFinite(t.p50Ms) ? t.p50Ms.toFixed(0) : "—"} ms  p95 ${Number.isFinite(t.p95Ms) ? t.p95Ms.toFixed(0) : "—"} ms  dropped ${t.dropped}`;
}

/** Runs the demo; resolves with the rows it measured. */
export async function runDemo(o: DemoOptions): Promise<ConditionResult[]> {
  const logger = o.logger ?? silentLogger;
  const durationMs = o.durationMs ?? 60_000;
  const source = ensureClip(o.root);
  o.print(`demo: starting ${o.natsUrl === undefined ? "a private nats-server" : `on ${o.natsUrl}`} and 2 workers`);
  const cloud = await startCloud({ ...(o.natsUrl !== undefined ? { natsUrl: o.natsUrl } : {}), workers: 2, logger });
  const rows: ConditionResult[] = [];
  try {
    o.print("demo: warming up (storing the model, workers deriving their segments)");
    await warmUp(cloud, o.model, source, logger);
    const trace = stepTrace();
    const common = { natsPort: cloud.natsPort, natsUrl: cloud.natsUrl, trace, durationMs, model: o.model, source, profile: o.profile, slowdown: o.slowdown ?? 8, maxAccuracyDrop: o.maxAccuracyDrop ?? 0.01, logger, onTick: (t: ScenarioTick) => o.print(tickLine(t)), ...(o.signal ? { signal: o.signal } : {}) };
    o.print(`demo: adaptive planner, step trace 2 MB/s → 300 KB/s → 100 KB/s → 1 MB/s over ${(durationMs / 1000).toFixed(0)} s, edge ${o.slowdown ?? 8}× slower than the cloud`);
    rows.push(await runScenario({ ...common, label: "adaptive", mode: { kind: "adaptive" }, camera: "demo-adaptive" }));
    if (o.baseline !== false && o.signal?.aborted !== true) {
      o.print("demo: the same trace with cloud-only PNG");
      rows.push(await runScenario({ ...common, label: "cloud-only PNG", mode: { kind: "static", plan: { cut: 0, codec: "png", bits: null } }, camera: "demo-png" }));
    }
    o.print("");
    o.print(experimentTable(rows, "demo summary"));
    const a = rows[0];
    if (a !== undefined && a.switches.length > 0) o.print(`plan switches: ${a.switches.map((s) => `${s.from} → ${s.to} (${s.latencyMs === undefined ? "no frame yet" : `${s.latencyMs.toFixed(0)} ms`})`).join(", ")}`);
    return rows;
  } finally {
    await cloud.stop();
  }
}
