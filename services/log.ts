/**
 * Structured logging: one JSON object per line on stderr (stdout stays for results and tables).
 * Every long-running component takes a {@link Logger} so tests can capture events and the CLI
 * can silence or redirect them.
 */

/** Severity of a log event. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Something that records events: `event` is a short kebab-case name, `fields` its details. */
export interface Logger {
  log(level: LogLevel, event: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** A logger that writes JSON lines `{ t, level, component, event, ...fields }` to a stream (default stderr). */
export function jsonLogger(component: string, options: { minLevel?: LogLevel; write?: (line: string) => void } = {}): Logger {
  const min = RANK[options.minLevel ?? (process.env.JALAD_LOG_LEVEL as LogLevel | undefined) ?? "info"] ?? RANK.info;
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  return {
    log(level, event, fields = {}) {
      if (RANK[level] < min) return;
      write(`${JSON.stringify({ t: new Date().toISOString(), level, component, event, ...fields })}\n`);
    },
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = { log() {} };

/** A logger that keeps events in memory (for tests and summaries). */
export function memoryLogger(): Logger & { readonly events: { level: LogLevel; event: string; fields: Record<string, unknown> }[] } {
  const events: { level: LogLevel; event: string; fields: Record<string, unknown> }[] = [];
  return { events, log: (level, event, fields = {}) => void events.push({ level, event, fields: { ...fields } }) };
}
