/**
 * Profile charts (`jalad report profile`), after the paper's figures:
 * - sizes.svg: compressed bytes per frame at each cut for several bit widths (Fig. 3);
 * - accuracy.svg: accuracy drop against bit width, one line per cut (Fig. 4/6);
 * - latency.svg: predicted latency against bandwidth for every candidate within the accuracy
 *   budget, with the planner's chosen envelope (Fig. 8).
 * Each chart is written as SVG and PNG.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { candidatesOf, describeChoice, predict } from "../planner/candidate.js";
import { plan } from "../planner/plan.js";
import type { Profile } from "../planner/profile.js";
import { type Series, lineChart } from "./charts.js";

/** Options for {@link reportProfile}. */
export interface ReportOptions {
  /** Accuracy budget for the latency chart. Default 0.05. */
  readonly maxAccuracyDrop?: number;
  /** Coder whose sizes are charted. Default: the first interior codec in the profile. */
  readonly codec?: string;
}

/** Writes the charts into `dir`; returns the files written. */
export async function reportProfile(profile: Profile, dir: string, o: ReportOptions = {}): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const budget = o.maxAccuracyDrop ?? 0.05;
  const interior = profile.encodings.filter((e) => e.bits !== null);
  const codec = o.codec ?? interior[0]?.codec ?? "ans";
  const cutIds = [...new Set(interior.filter((e) => e.codec === codec).map((e) => e.cut))].sort((a, b) => a - b);
  const bitsList = [...new Set(interior.filter((e) => e.codec === codec).map((e) => e.bits as number))].sort((a, b) => a - b);
  const at = (cut: number, bits: number) => interior.find((e) => e.codec === codec && e.cut === cut && e.bits === bits);
  const files: string[] = [];
  const write = async (name: string, svg: string): Promise<void> => {
    writeFileSync(join(dir, `${name}.svg`), svg);
    await sharp(Buffer.from(svg)).png().toFile(join(dir, `${name}.png`));
    files.push(join(dir, `${name}.svg`), join(dir, `${name}.png`));
  };
  const jpeg = profile.encodings.find((e) => e.cut === 0 && e.codec.startsWith("jpeg"));
  const sizes: Series[] = bitsList.map((b) => ({ label: `c=${b}`, points: cutIds.map((c, i) => [i, at(c, b)?.bytes ?? NaN] as const) }));
  if (jpeg !== undefined) sizes.push({ label: `${jpeg.codec} frame`, points: [[0, jpeg.bytes], [Math.max(1, cutIds.length - 1), jpeg.bytes]], emphasis: true });
  await write("sizes", lineChart(sizes, { title: `${profile.model.name}: bytes per frame by cut (${codec}); x = cut ${cutIds.join(", ")}`, xLabel: "cut (shallow → deep)", yLabel: "bytes per frame", logY: true }));
  await write("accuracy", lineChart(cutIds.map((c) => ({ label: `cut ${c}`, points: bitsList.map((b) => [b, at(c, b)?.accuracyDrop ?? NaN] as const) })), { title: `${profile.model.name}: accuracy drop vs bits`, xLabel: "bits per value (c)", yLabel: "accuracy drop" }));
  // Latency against bandwidth: every candidate within budget, and the planner's choice at each point.
  const bandwidths = Array.from({ length: 41 }, (_, i) => 10 ** (3 + (i * 4) / 40)); // 1 KB/s .. 10 MB/s
  const cands = candidatesOf(profile).filter((c) => c.accuracyDrop <= budget);
  const lines: Series[] = cands.slice(0, 12).map((c) => ({ label: describeChoice(c), points: bandwidths.map((bw) => [bw, predict(c, bw).totalMs] as const) }));
  lines.push({ label: "planner (envelope)", emphasis: true, points: bandwidths.map((bw) => [bw, plan(profile, bw, budget, "latency").predicted.totalMs] as const) });
  await write("latency", lineChart(lines, { title: `${profile.model.name}: predicted latency vs bandwidth (accuracy drop ≤ ${budget})`, xLabel: "uplink bandwidth (bytes/s)", yLabel: "latency (ms)", logX: true, logY: true }));
  return files;
}
