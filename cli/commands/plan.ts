/** `jalad plan`: the decoupling decision for one camera, or for many cameras on one uplink. */
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import type { PlanChoice } from "../../planner/candidate.js";
import type { CameraSpec, CamerasObjective } from "../../planner/cameras.js";
import { PlannerError, PlannerErrorCode } from "../../planner/errors.js";
import { planCameras } from "../../planner/multi-camera.js";
import { OBJECTIVES, type Objective, plan } from "../../planner/plan.js";
import { withEdgeSlowdown } from "../../planner/edge-slowdown.js";
import type { Profile } from "../../planner/profile.js";
import { formatRate, parseRate } from "../../planner/rates.js";
import { CliError, ExitCode } from "../errors.js";
import { readJsonFile, readProfile } from "../files.js";
import { parseFraction } from "../options.js";
import { table } from "../format.js";


function rate(flag: string, v: string): number {
  try {
    return parseRate(v);
  } catch (e) {
    throw new CliError(`${flag}: ${(e as Error).message}`, ExitCode.Usage, { cause: e });
  }
}

/** Maps planner failures to exit statuses: infeasible → 3, bad input → 2. */
function plannerFailure(e: unknown): never {
  if (e instanceof PlannerError) throw new CliError(`${e.code}: ${e.message}`, e.code === PlannerErrorCode.Infeasible ? ExitCode.Infeasible : ExitCode.Usage, { cause: e });
  throw e;
}

const row = (rank: string, c: PlanChoice): string[] => [rank, String(c.cut), c.codec, c.bits === null ? "-" : String(c.bits), String(Math.round(c.predicted.bytes)), c.predicted.edgeMs.toFixed(1), c.predicted.transferMs.toFixed(1), c.predicted.cloudMs.toFixed(1), c.predicted.totalMs.toFixed(1), c.predicted.fps.toFixed(2), (100 * c.predicted.accuracyDrop).toFixed(2)];
const HEAD = ["", ">cut", "codec", ">bits", ">bytes", ">edge ms", ">transfer ms", ">cloud ms", ">total ms", ">fps", ">acc drop %"];

/** Registers `jalad plan`. */
export function registerPlanCommand(program: Command): void {
  program.command("plan")
    .description("choose the cut, codec and bit width for a bandwidth and accuracy budget (or jointly for many cameras)")
    .option("--profile <p>", "profile (jalad calibrate / profile merge)")
    .option("--bandwidth <rate>", "uplink, e.g. 300KB/s, 2Mbit/s, 1.5MB/s (B/s, KB/s, KiB/s, MB/s, MiB/s, kbit/s, Mbit/s, Gbit/s)")
    .option("--max-accuracy-drop <x>", "accuracy budget as a fraction (0.01 = 1%)", "0.01")
    .option("--objective <o>", `${OBJECTIVES.join(", ")}`, "latency")
    .option("--min-fps <n>", "frame-rate floor for latency-at-fps")
    .option("--cameras <cams.json>", "plan many cameras jointly: { uplink, cloudCapacityMsPerSec?, objective?: sum|max, cameras: [{ id, profile, maxAccuracyDrop, fps, weight?, minFps? }] }")
    .option("--edge-slowdown <k>", "plan for an edge k× slower than the profile's (front segment time × k, as jalad edge --edge-slowdown)", "1")
    .option("--json", "print the plan as JSON")
    .action(async (f: { profile?: string; bandwidth?: string; edgeSlowdown: string; maxAccuracyDrop: string; objective: string; minFps?: string; cameras?: string; json?: boolean }) => {
      if (f.cameras !== undefined) return planMany(f.cameras, f.json === true);
      if (f.profile === undefined || f.bandwidth === undefined) throw new CliError("jalad plan needs --profile and --bandwidth (or --cameras)");
      if (!(OBJECTIVES as readonly string[]).includes(f.objective)) throw new CliError(`--objective expects one of ${OBJECTIVES.join(", ")}, got "${f.objective}"`);
      const minFps = f.minFps === undefined ? undefined : Number(f.minFps);
      if (minFps !== undefined && !(minFps >= 0)) throw new CliError(`--min-fps expects a number ≥ 0, got "${f.minFps}"`);
      if (f.objective === "latency-at-fps" && minFps === undefined) throw new CliError("--objective latency-at-fps needs --min-fps");
      const k = Number(f.edgeSlowdown);
      if (!(k >= 1) || !Number.isFinite(k)) throw new CliError(`--edge-slowdown expects a number ≥ 1, got "${f.edgeSlowdown}"`);
      const profile = withEdgeSlowdown(readProfile(f.profile, "--profile"), k);
      const bw = rate("--bandwidth", f.bandwidth);
      const budget = parseFraction("--max-accuracy-drop")(f.maxAccuracyDrop);
      let p;
      try {
        p = plan(profile, bw, budget, f.objective as Objective, minFps !== undefined ? { minFps } : {});
      } catch (e) {
        plannerFailure(e);
      }
      if (f.json === true) {
        console.log(JSON.stringify({ cut: p.cut, codec: p.codec, bits: p.bits, predicted: p.predicted, objective: p.objective, bandwidthBytesPerSec: p.bandwidthBytesPerSec, maxAccuracyDrop: p.maxAccuracyDrop, alternatives: p.alternatives }));
        return;
      }
      console.log(`plan for ${formatRate(bw)}, accuracy drop ≤ ${(100 * budget).toFixed(2)}%, objective ${p.objective}${minFps !== undefined ? ` (≥ ${minFps} fps)` : ""}:`);
      console.log(table(HEAD, [row("chosen", p), ...p.alternatives.map((a, i) => row(`#${i + 2}`, a))]));
    });
}

async function planMany(path: string, json: boolean): Promise<void> {
  const raw = readJsonFile(path, "--cameras") as { uplink?: unknown; cloudCapacityMsPerSec?: unknown; objective?: unknown; cameras?: unknown };
  if (typeof raw !== "object" || raw === null || !Array.isArray(raw.cameras) || raw.cameras.length === 0) throw new CliError(`--cameras ${path}: expected { uplink, cameras: [...] } with at least one camera`);
  if (typeof raw.uplink !== "string" && typeof raw.uplink !== "number") throw new CliError(`--cameras ${path}: "uplink" must be a rate like "2MB/s" or bytes/s`);
  const uplink = typeof raw.uplink === "number" ? raw.uplink : rate(`--cameras ${path}: uplink`, raw.uplink);
  const objective = (raw.objective ?? "sum") as CamerasObjective;
  if (objective !== "sum" && objective !== "max") throw new CliError(`--cameras ${path}: "objective" must be sum or max`);
  const profiles = new Map<string, Profile>();
  const cameras: CameraSpec[] = (raw.cameras as Record<string, unknown>[]).map((c, i) => {
    const where = `--cameras ${path}: cameras[${i}]`;
    if (typeof c.profile !== "string") throw new CliError(`${where}.profile must be a path`);
    const p = resolve(dirname(path), c.profile);
    if (!profiles.has(p)) profiles.set(p, readProfile(p, "--profile"));
    const num = (k: string, dflt?: number): number => {
      const v = c[k] ?? dflt;
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new CliError(`${where}.${k} must be a number ≥ 0`);
      return v;
    };
    return { id: typeof c.id === "string" ? c.id : `camera${i}`, profile: profiles.get(p) as Profile, maxAccuracyDrop: num("maxAccuracyDrop"), fps: num("fps"), weight: num("weight", 1), minFps: num("minFps", 0) };
  });
  const cap = raw.cloudCapacityMsPerSec;
  if (cap !== undefined && (typeof cap !== "number" || !(cap >= 0))) throw new CliError(`--cameras ${path}: cloudCapacityMsPerSec must be a number ≥ 0`);
  let result;
  try {
    result = await planCameras({ cameras, uplinkBytesPerSec: uplink, objective, ...(cap !== undefined ? { cloudCapacityMsPerSec: cap } : {}) });
  } catch (e) {
    plannerFailure(e);
  }
  if (json) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(`joint plan (${result.solver}, objective ${objective}): Σ latency ${result.sumLatencyMs.toFixed(1)} ms, max ${result.maxLatencyMs.toFixed(1)} ms, uplink ${formatRate(result.uplinkBytesPerSec)} of ${formatRate(uplink)}`);
  console.log(table(["camera", ...HEAD.slice(1)], result.cameras.map((c) => row(c.camera, c))));
}
