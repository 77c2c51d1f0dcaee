// Builds dist/ once before the tests, so CLI tests run the real `jalad` binary on current sources.
// JALAD_TEST_BUILD=lenient reports type errors without failing (tsc still emits), for working on
// one part of the tree while another part is mid-edit; CI always builds strictly.
import { execFileSync } from "node:child_process";
import { join } from "node:path";

export default function setup(): void {
  const root = join(import.meta.dirname, "..");
  try {
    execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.json")], { stdio: "inherit" });
  } catch (e) {
    if (process.env.JALAD_TEST_BUILD !== "lenient") throw e;
    process.stderr.write("global-setup: tsc reported errors (JALAD_TEST_BUILD=lenient: going on)\n");
  }
}
