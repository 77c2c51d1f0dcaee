/**
 * `jalad experiment adaptive`: the real pipeline (nats-server, link emulator, edge, 2 workers) on
 * one trace under each planner — adaptive, an oracle that knows the true rate, the static plans
 * the planner picks at the trace's 10th/50th/90th percentile bandwidth, and cloud-only PNG — one
 * after the other on the same time-scaled trace. Writes a markdown table, a JSON file and an SVG
 * plot to `reports/`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { plan } from "../planner/plan.js";
import { type PlanSpec, planId } from "../planner/plan-id.js";
import type { Profile } from "../planner/profile.js";
import type { BandwidthTrace } from "../planner/trace.js";
import { withEdgeSlowdown } from "../planner/edge-slowdown.js";
import { withinPayload } from "../planner/payload-limit.js";
import { type Logger, silentLogger } from "../services/log.js";
import { lineChart } from "./charts.js";
import { startCloud, warmUp } from "./cloud-harness.js";
import { type ScenarioMetrics, type ScenarioMode, type ScenarioTick, runScenario, scaleTrace } from "./scenario.js";

/** Options for {@link runExperiment}. */
export interface ExperimentOptions {
  readonly trace: BandwidthTrace;
  /** Name for file names and titles, e.g. "step" or the trace file's base name. */
  readonly traceName: string;
  /** Capture time per condition, ms (the trace is time-scaled to it). */
  readonly durationMs: number;
  readonly model: string;
  readonly source: string;
  readonly profile: Profile;
  /** Default 0.01. */
  readonly maxAccuracyDrop?: number;
  /** Default 8. */
  readonly slowdown?: number;
  /** Default: a private nats-server. */
  readonly natsUrl?: string;
  /** Default "reports". */
  readonly outDir?: string;
  readonly signal?: AbortSignal;
  readonly onTick?: (t: ScenarioTick) => void;
  readonly onCondition?: (label: string) => void;
  readonly logger?: Logger;
}

/** One condition's row. */
export type ConditionResult = ScenarioMetrics & { readonly plan?: string };

/** What the experiment produced. */
export interface ExperimentResult {
  readonly adaptive: ConditionResult;
  readonly oracle: ConditionResult;
  readonly static: readonly (ConditionResult & { readonly percentile: number; readonly bandwidthBytesPerSec: number })[];
  readonly cloudPng: ConditionResult;
  readonly markdown: string;
  readonly files: { readonly markdown: string; readonly json: string; readonly svg: string };
}

const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : "—");

/** The markdown table of an experiment. */
export function experimentTable(rows: readonly ConditionResult[], title: string): string {
  const head = "| condition | plans used | mean ms | p95 ms | fps | dropped | lost | accuracy drop % | switches |\n|---|---|---:|---:|---:|---:|---:|---:|---:|";
  const body = rows.map((r) => `| ${r.label} | ${r.plans.join(" → ") || "—"} | ${f1(r.meanMs)} | ${f1(r.p95Ms)} | ${r.fps.toFixed(2)} | ${r.dropped} | ${r.lost} | ${(100 * r.accuracyDrop).toFixed(2)} | ${r.switches.length} |`);
  return `### ${title}\n\n${head}\n${body.join("\n")}\n`;
}

/** Runs the experiment; see the file comment. */
export async function runExperiment(o: ExperimentOptions): Promise<ExperimentResult> {
  const logger = o.logger ?? silentLogger;
  const budget = o.maxAccuracyDrop ?? 0.01;
  const k = o.slowdown ?? 8;
  const slowed = withinPayload(withEdgeSlowdown(o.profile, k)); // the candidates the adaptive edge plans with
  const cloud = await startCloud({ ...(o.natsUrl !== undefined ? { natsUrl: o.natsUrl } : {}), workers: 2, logger });
  try {
    await warmUp(cloud, o.model, o.source, logger);
    const run = async (label: string, mode: ScenarioMode, camera: string): Promise<ScenarioMetrics> => {
      o.onCondition?.(label);
      return runScenario({ label, mode, camera, natsPort: cloud.natsPort, natsUrl: cloud.natsUrl, trace: o.trace, durationMs: o.durationMs, model: o.model, source: o.source, profile: o.profile, slowdown: k, maxAccuracyDrop: budget, logger, ...(o.signal ? { signal: o.signal } : {}), ...(o.onTick ? { onTick: o.onTick } : {}) });
    };
    const adaptive = await run("adaptive", { kind: "adaptive" }, "exp-adaptive");
    const oracle = await run("oracle", { kind: "oracle" }, "exp-oracle");
    const statics: (ConditionResult & { percentile: number; bandwidthBytesPerSec: number })[] = [];
    const byPlan = new Map<string, ScenarioMetrics>();
    for (const p of [10, 50, 90]) {
      const bw = o.trace.percentile(p);
      const choice = plan(slowed, bw, budget);
      const spec: PlanSpec = { cut: choice.cut, codec: choice.codec, bits: choice.bits };
      const id = planId(spec);
      let m = byPlan.get(id);
      if (m === undefined) {
        m = await run(`static ${id}`, { kind: "static", plan: spec }, `exp-static-${p}`);
        byPlan.set(id, m);
      }
      statics.push({ ...m, label: `static p${p} (${id})`, plan: id, percentile: p, bandwidthBytesPerSec: bw });
    }
    const pngId = "0.png";
    const cloudPng = { ...(byPlan.get(pngId) ?? (await run("cloud-only PNG", { kind: "static", plan: { cut: 0, codec: "png", bits: null } }, "exp-png"))), label: "cloud-only PNG" };
    const rows: ConditionResult[] = [adaptive, oracle, ...statics, cloudPng];
    const title = `trace ${o.traceName} over ${(o.durationMs / 1000).toFixed(0)} s per condition, edge slowdown ${k}, accuracy budget ${(100 * budget).toFixed(1)}%`;
    const markdown = experimentTable(rows, title);
    const outDir = o.outDir ?? "reports";
    mkdirSync(outDir, { recursive: true });
    const base = join(outDir, `experiment-adaptive-${o.traceName}`);
    const scaled = scaleTrace(o.trace, o.durationMs);
    const traceSeries = Array.from({ length: Math.ceil(o.durationMs / 500) + 1 }, (_, i) => [i / 2, scaled.rateAt(i * 500) / 1000] as const);
    const svg = lineChart([...rows.map((r) => ({ label: r.label, points: r.latencySeries, emphasis: r === adaptive })), { label: "uplink (KB/s, true)", points: traceSeries }], { title: `End-to-end latency per frame (ms) and uplink (KB/s): ${o.traceName}`, xLabel: "time since start (s)", yLabel: "ms  |  KB/s", logY: true, width: 960, height: 480 });
    const files = { markdown: `${base}.md`, json: `${base}.json`, svg: `${base}.svg` };
    writeFileSync(files.markdown, `# jalad experiment adaptive\n\n${markdown}\nPlot: ${base.split("/").pop() ?? base}.svg. Accuracy drop is the calibrated drop (profile) of the plans the delivered frames used; "lost" counts frames published but never answered.\n`);
    writeFileSync(files.svg, svg);
    const strip = (r: ScenarioMetrics): ScenarioMetrics => ({ ...r, latencySeries: [] });
    writeFileSync(files.json, `${JSON.stringify({ trace: o.traceName, durationMs: o.durationMs, slowdown: k, maxAccuracyDrop: budget, adaptive: strip(adaptive), oracle: strip(oracle), static: statics.map(strip), cloudPng: strip(cloudPng) }, null, 1)}\n`);
    return { adaptive, oracle, static: statics, cloudPng, markdown, files };
  } finally {
    await cloud.stop();
  }
}
