/** Plain-text formatting helpers for human-readable CLI output. */

/** Formats a byte count with binary units (B, KiB, MiB). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

/** Formats a FLOP count as MFLOPs or GFLOPs. */
export function formatFlops(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(3)} G` : `${(n / 1e6).toFixed(1)} M`;
}

/** Renders rows as a left/right-aligned text table. Columns whose header starts with ">" are right-aligned. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const right = headers.map((h) => h.startsWith(">"));
  const heads = headers.map((h) => h.replace(/^>/, ""));
  const widths = heads.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (right[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd();
  return [line(heads), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
