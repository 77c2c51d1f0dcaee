/** `jalad report profile`: charts of a profile. */
import type { Command } from "commander";
import { PlannerError, PlannerErrorCode } from "../../planner/errors.js";
import { reportProfile } from "../../pipelines/report-profile.js";
import { parseFraction } from "../options.js";
import { CliError, ExitCode } from "../errors.js";
import { readProfile } from "../files.js";
import { table } from "../format.js";

/** Registers `jalad report profile`. */
export function registerReportCommands(program: Command): void {
  const report = program.command("report").description("charts and reports");
  report.command("profile")
    .argument("<profile.json>", "a profile (jalad calibrate / profile merge)")
    .requiredOption("--out <dir>", "folder for the SVG and PNG charts")
    .option("--max-accuracy-drop <x>", "accuracy budget for the latency chart", "0.05")
    .option("--codec <name>", "coder whose sizes are charted (default: the profile's first)")
    .description("bytes per cut for several c, accuracy drop vs c, predicted latency vs bandwidth with the chosen envelope")
    .action(async (path: string, f: { out: string; maxAccuracyDrop: string; codec?: string }) => {
      const profile = readProfile(path);
      const budget = parseFraction("--max-accuracy-drop")(f.maxAccuracyDrop);
      try {
        const files = await reportProfile(profile, f.out, { maxAccuracyDrop: budget, ...(f.codec ? { codec: f.codec } : {}) });
        const rows = profile.encodings.map((e) => {
          const spread = (e as { stability?: { accuracyDrop?: { min: number; max: number } } }).stability?.accuracyDrop;
          return [String(e.cut), e.codec, e.bits === null ? "-" : String(e.bits), (e.bytes / 1024).toFixed(1), (100 * e.accuracyDrop).toFixed(2), spread ? `${(100 * spread.min).toFixed(1)}–${(100 * spread.max).toFixed(1)}` : "-", e.encodeMs.toFixed(1), e.decodeMs.toFixed(1)];
        });
        console.log(`${profile.model.name}: ${profile.encodings.length} encodings over ${profile.cuts.length} cuts`);
        console.log(table(["cut", "codec", "bits", ">KiB/frame", ">acc drop %", ">epoch spread %", ">enc ms", ">dec ms"], rows));
        console.log(`\ncharts:\n${files.join("\n")}`);
      } catch (e) {
        if (e instanceof PlannerError && e.code === PlannerErrorCode.Infeasible) throw new CliError(`no plan within accuracy drop ${budget}: ${e.message}`, ExitCode.Infeasible, { cause: e });
        throw e;
      }
    });
}
