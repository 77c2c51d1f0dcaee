/** `jalad profile` (measure one role) and `jalad profile merge` (fold into a calibration profile). */
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { CODER_NAMES, type CoderName } from "../../codec/coder.js";
import { DEVICE_PRESETS, type DevicePreset } from "../../planner/device-model.js";
import { type LatencyProfile, measureProfile, mergeProfiles } from "../../pipelines/profile.js";
import { resolveModelArg } from "../../services/bundled-models.js";
import { CliError } from "../errors.js";
import { readJsonObject } from "../files.js";
import { parseCount } from "../options.js";

function writeJson(path: string, v: unknown): void {
  try {
    writeFileSync(path, `${JSON.stringify(v, null, 1)}\n`);
  } catch (e) {
    throw new CliError(`cannot write ${path} (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  }
}

/**
 * A latency profile file of the given role, a device preset name, or `fitted:<latency profile>`:
 * the device model fitted to that profile's timings, applied by FLOPs (what-if for this machine).
 */
function source(arg: string, role: "edge" | "cloud"): LatencyProfile | DevicePreset {
  const preset = DEVICE_PRESETS.find((d) => d.name === arg);
  if (preset !== undefined) return preset;
  if (arg.startsWith("fitted:")) {
    const fitted = (readJsonObject(arg.slice(7), `--${role}`).device as { fitted?: DevicePreset } | undefined)?.fitted;
    if (fitted === undefined || !(fitted.flops > 0)) throw new CliError(`--${role} ${arg}: the file holds no fitted device (write it with jalad profile)`);
    return fitted;
  }
  const p = readJsonObject(arg, `--${role}`);
  if (p.kind !== "latency-profile" || p.role !== role) throw new CliError(`--${role} ${arg}: expected ${role === "edge" ? "an" : "a"} ${role} latency profile (jalad profile --role ${role}) or a preset: ${DEVICE_PRESETS.map((d) => d.name).join(", ")}`);
  return p as unknown as LatencyProfile;
}

/** Registers `jalad profile` and `jalad profile merge`. */
export function registerProfileCommands(program: Command): void {
  const profile = program.command("profile")
    .enablePositionalOptions()
    .description("time each segment on this device for one role (edge: front + encode, cloud: back + decode)")
    .option("--model <model>", "ONNX file or bundled model name")
    .option("--role <role>", "edge or cloud")
    .option("--out <file>", "latency profile to write")
    .option("--threads <n>", "onnxruntime intra-op threads", parseCount("--threads", 1))
    .option("--provider <p>", "cpu or cuda", "cpu")
    .option("--cuts <ids>", "cut ids (default: the Pareto front, as calibrate)")
    .option("--image <file>", "image whose features time the codec (default: mid-grey)")
    .option("--runs <n>", "timed runs after 2 warm-ups (median and p95 reported)", parseCount("--runs", 1), 10)
    .option("--coders <list>", `coders to time: ${CODER_NAMES.join(", ")}`, "ans,ctx")
    .option("--edge-slowdown <k>", "multiply edge times by k (emulate a weaker edge device)", "1")
    .action(async (f: { model?: string; role?: string; out?: string; threads?: number; provider: string; cuts?: string; image?: string; runs: number; coders: string; edgeSlowdown: string }) => {
      if (f.model === undefined || f.out === undefined || f.role === undefined) throw new CliError("jalad profile needs --model, --role and --out (or use jalad profile merge)");
      if (f.role !== "edge" && f.role !== "cloud") throw new CliError(`--role expects edge or cloud, got "${f.role}"`);
      if (f.provider !== "cpu" && f.provider !== "cuda") throw new CliError(`--provider expects cpu or cuda, got "${f.provider}"`);
      const slowdown = Number(f.edgeSlowdown);
      if (!(slowdown >= 1)) throw new CliError(`--edge-slowdown expects a number ≥ 1, got "${f.edgeSlowdown}"`);
      const coders = f.coders.split(",");
      for (const c of coders) if (!(CODER_NAMES as readonly string[]).includes(c)) throw new CliError(`--coders: "${c}" is not one of ${CODER_NAMES.join(", ")}`);
      const cuts = f.cuts?.split(",").map((s) => {
        if (!/^\d+$/.test(s.trim())) throw new CliError(`--cuts: "${s}" is not a cut id`);
        return Number(s);
      });
      const p = await measureProfile({
        model: resolveModelArg(f.model), role: f.role, provider: f.provider, runs: f.runs, coders: coders as CoderName[], edgeSlowdown: slowdown,
        ...(f.threads ? { threads: f.threads } : {}), ...(cuts ? { cuts } : {}), ...(f.image ? { image: f.image } : {}),
        onProgress: (d, t) => process.stderr.write(`profile: ${d}/${t} cuts\n`),
      });
      writeJson(f.out, p);
      console.log(`wrote ${f.out}: ${p.cuts.length} cuts, ${p.codecs.length} codec timings (${p.device.fitted.description})`);
    });

  profile.command("merge")
    .description("fold edge and cloud latency profiles (or device presets) into a calibration profile")
    .requiredOption("--calibration <profile.json>", "profile from jalad calibrate")
    .requiredOption("--edge <file|preset>", `edge latency profile, fitted:<latency profile> (its fitted device, by FLOPs), or a preset: ${DEVICE_PRESETS.map((d) => d.name).join(", ")}`)
    .requiredOption("--cloud <file|preset>", "cloud latency profile, or a preset")
    .requiredOption("--out <file>", "merged profile to write")
    .action((f: { calibration: string; edge: string; cloud: string; out: string }) => {
      const cal = readJsonObject(f.calibration, "--calibration");
      if (cal.version !== 1 || !Array.isArray(cal.cuts) || !Array.isArray(cal.encodings)) throw new CliError(`--calibration ${f.calibration}: not a version-1 profile (needs version, cuts, encodings)`);
      const merged = mergeProfiles(cal as unknown as Parameters<typeof mergeProfiles>[0], source(f.edge, "edge"), source(f.cloud, "cloud"));
      writeJson(f.out, merged);
      console.log(`wrote ${f.out}`);
    });
}
