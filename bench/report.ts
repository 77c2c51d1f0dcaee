/** Shared helpers for `npm run bench:*`: argument lookup, table printing, JSON reports. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The value after `--name` on the command line, if any. */
export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Prints a titled text table; headers starting with ">" are right-aligned. */
export function printTable(title: string, headers: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
  const right = headers.map((h) => h.startsWith(">"));
  const heads = headers.map((h) => h.replace(/^>/, ""));
  const widths = heads.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (right[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join("  ");
  console.log(`\n${title}\n${line(heads)}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n${rows.map(line).join("\n")}`);
}

/** Writes `reports/<name>.json` (pretty-printed) and says where. */
export function writeReport(name: string, data: unknown): string {
  const dir = join(import.meta.dirname, "../../reports");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
  console.log(`\nreport written to ${path}`);
  return path;
}
