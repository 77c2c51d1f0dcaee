#!/usr/bin/env node
// Entry point of the `jalad` command. The TypeScript sources compile to dist/ (npm run build).
import { existsSync } from "node:fs";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("jalad: not built yet; run `npm run build` (or scripts/setup.sh) first\n");
  process.exit(1);
}
// A closed stdout (jalad results | head) ends the command quietly instead of crashing.
process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
