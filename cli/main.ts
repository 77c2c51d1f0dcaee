/** The `jalad` command: parses arguments and calls one pipeline. */
import { Command, CommanderError } from "commander";
import { readFileSync } from "node:fs";
import { registerCalibrateCommand } from "./commands/calibrate.js";
import { registerCodecCommands } from "./commands/codec.js";
import { registerModelCommands } from "./commands/model.js";
import { registerPlanCommand } from "./commands/plan.js";
import { registerProfileCommands } from "./commands/profile.js";
import { registerReportCommands } from "./commands/report.js";
import { registerDemoCommands } from "./commands/demo.js";
import { registerEdgeCommand } from "./commands/edge.js";
import { registerLinkCommand } from "./commands/link.js";
import { registerResultsCommand } from "./commands/results.js";
import { registerWorkerCommand } from "./commands/worker.js";
import { ExitCode, describeFailure } from "./errors.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

/** Every runnable command path with its usage, e.g. "model inspect [options] <model>". */
function leafCommands(cmd: Command, prefix = ""): string[] {
  return cmd.commands.flatMap((c) => {
    const path = `${prefix}${c.name()}`;
    const self = `${path} ${c.usage()}`.padEnd(48) + c.description();
    // A group with its own options also runs on its own (jalad profile --role ...).
    return c.commands.length > 0 ? [...(c.options.length > 0 ? [self] : []), ...leafCommands(c, `${path} `)] : [self];
  });
}

/** Builds the command tree (exported for tests). */
export function buildProgram(): Command {
  const program = new Command("jalad")
    .description("split-DNN video analytics: run the front of a model at the camera, the rest in the cloud")
    .version(pkg.version)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .enablePositionalOptions(); // options after a subcommand belong to it (jalad profile merge --out)
  registerModelCommands(program);
  registerCodecCommands(program);
  registerCalibrateCommand(program);
  registerProfileCommands(program);
  registerPlanCommand(program);
  registerReportCommands(program);
  registerEdgeCommand(program);
  registerWorkerCommand(program);
  registerResultsCommand(program);
  registerLinkCommand(program);
  registerDemoCommands(program);
  program.addHelpText("after", () => `\nAll commands:\n${leafCommands(program).map((l) => `  jalad ${l}`).join("\n")}\n`);
  for (const c of program.commands) c.exitOverride();
  program.commands.forEach((c) => c.commands.forEach((s) => s.exitOverride()));
  return program;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: "user" });
    return ExitCode.Ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return ExitCode.Ok;
      return ExitCode.Usage; // commander already printed the one-line error
    }
    const { line, exitCode } = describeFailure(e);
    process.stderr.write(`jalad: ${line}\n`);
    if (process.env.JALAD_DEBUG === "1" && e instanceof Error) process.stderr.write(`${e.stack ?? ""}\n`);
    return exitCode;
  }
}
