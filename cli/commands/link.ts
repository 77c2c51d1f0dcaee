/** `jalad link`: a shaping TCP proxy between the edge and NATS (services/link-emulator.ts, docs/link-emulator.md). */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { parseDuration } from "../../planner/durations.js";
import { PlannerError } from "../../planner/errors.js";
import { formatRate, parseRate } from "../../planner/rates.js";
import { type BandwidthTrace, type TraceFormat, TRACE_FORMATS, parseTrace } from "../../planner/trace.js";
import { stepTrace, synthetic3gTrace } from "../../planner/trace-builtins.js";
import { TraceError } from "../../planner/trace-errors.js";
import { type Endpoint, type LinkStats, startLinkEmulator } from "../../services/link-emulator.js";
import { type Logger, jsonLogger } from "../../services/log.js";
import { CliError, ExitCode } from "../errors.js";

/** Hooks for tests; the command itself uses the defaults. */
export interface LinkCommandIo {
  /** Where the status lines go. Default: stdout. */
  readonly print?: (line: string) => void;
  /** Stops the emulator when aborted, as SIGINT/SIGTERM do. Default: only the signals. */
  readonly stop?: AbortSignal;
  /** Status line period, ms. Default 1000. */
  readonly intervalMs?: number;
  /** Event logger. Default: JSON lines on stderr (JALAD_LOG_LEVEL, default info). */
  readonly logger?: Logger;
}

/**
 * Parses `host:port`, `[v6]:port`, `nats://host:port` or a bare port (host 127.0.0.1) for `flag`.
 * @throws CliError naming the flag and the value.
 */
export function parseEndpoint(flag: string, v: string, minPort = 0): Endpoint {
  const text = v.trim().replace(/^(nats|tcp):\/\//, "");
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  const host = m?.[1] || m?.[2] || "127.0.0.1";
  const port = Number(m?.[3]);
  if (m === null || !Number.isInteger(port) || port < minPort || port > 65535) {
    throw new CliError(`${flag} expects host:port with a port in ${minPort}..65535 (e.g. 127.0.0.1:4222), got "${v}"`);
  }
  return { host, port };
}

function usage(flag: string, e: unknown): never {
  if (e instanceof PlannerError || e instanceof TraceError) throw new CliError(`${flag}: ${e.message}`, ExitCode.Usage, { cause: e });
  throw e;
}

/** Reads `--trace`: a file path, `builtin:step[:segmentSeconds]` or `builtin:3g[:seed[:durationSeconds]]`. */
export function loadTrace(spec: string, format = "auto"): BandwidthTrace {
  if (format !== "auto" && !(TRACE_FORMATS as readonly string[]).includes(format)) throw new CliError(`--trace-format expects auto, ${TRACE_FORMATS.join(", ")}, got "${format}"`);
  const builtin = /^builtin:(step|3g)(?::([^:]+))?(?::([^:]+))?$/.exec(spec);
  if (builtin !== null) {
    const num = (s: string | undefined, dflt: number, what: string): number => {
      const n = s === undefined ? dflt : Number(s);
      if (!Number.isFinite(n) || n < 0) throw new CliError(`--trace ${spec}: ${what} must be a number ≥ 0, got "${s}"`);
      return n;
    };
    try {
      if (builtin[1] === "step") return stepTrace({ segmentMs: 1000 * num(builtin[2], 30, "segment seconds") });
      return synthetic3gTrace(num(builtin[2], 1, "seed"), num(builtin[3], 300, "duration seconds"));
    } catch (e) {
      usage(`--trace ${spec}`, e);
    }
  }
  if (spec.startsWith("builtin:")) throw new CliError(`--trace ${spec}: unknown built-in trace; expected builtin:step[:segmentSeconds] or builtin:3g[:seed[:durationSeconds]]`);
  let text: string;
  try {
    text = readFileSync(spec, "utf8");
  } catch (e) {
    throw new CliError(`--trace: cannot read ${spec} (${(e as NodeJS.ErrnoException).code ?? "error"})`, ExitCode.Usage, { cause: e });
  }
  try {
    return parseTrace(text, { format: format as TraceFormat | "auto" });
  } catch (e) {
    usage(`--trace ${spec}`, e);
  }
}

const bytes = (n: number): string => formatRate(n).replace("/s", "");

/** One status line: elapsed seconds, the shaped rate now, bytes passed (and since the last line), connections. */
export function statusLine(elapsedMs: number, s: LinkStats, prev: LinkStats | undefined): string {
  const delta = s.bytesUp - (prev?.bytesUp ?? 0);
  return `${(elapsedMs / 1000).toFixed(0).padStart(5)}s  rate ${formatRate(s.currentRateBytesPerSec).padStart(11)}  up ${bytes(s.bytesUp).padStart(10)} (+${bytes(delta)})  down ${bytes(s.bytesDown).padStart(10)}  conns ${s.connections}`;
}

interface LinkFlags {
  listen: string;
  upstream?: string;
  rate?: string;
  trace?: string;
  traceFormat: string;
  delay: string;
  loop?: boolean;
  reverse?: boolean;
}

/** Registers `jalad link`. `io` is for tests. */
export function registerLinkCommand(program: Command, io: LinkCommandIo = {}): void {
  program.command("link")
    .description("emulate a slow uplink: a TCP proxy shaping edge → upstream bytes to a rate or a bandwidth trace")
    .option("--listen <host:port>", "where the edge connects (port 0: any free port)", "127.0.0.1:0")
    .option("--upstream <host:port>", "where to forward to, e.g. the nats-server (127.0.0.1:4222)")
    .option("--rate <rate>", "constant uplink, e.g. 300KB/s, 2Mbit/s")
    .option("--trace <file>", "bandwidth trace: a file (time_s Mbit/s columns, or mahimahi), builtin:step[:segmentS] or builtin:3g[:seed[:durationS]]")
    .option("--trace-format <f>", `trace file format: auto, ${TRACE_FORMATS.join(", ")}`, "auto")
    .option("--delay <d>", "one-way delay added in each direction, e.g. 20ms", "0")
    .option("--loop", "start the trace over at its end (else its last rate holds)")
    .option("--reverse", "shape upstream → edge bytes too")
    .action(async (f: LinkFlags) => {
      const listen = parseEndpoint("--listen", f.listen);
      if (f.upstream === undefined) throw new CliError("jalad link needs --upstream <host:port>");
      const upstream = parseEndpoint("--upstream", f.upstream, 1);
      if (f.rate === undefined && f.trace === undefined) throw new CliError("jalad link needs --rate <rate> or --trace <file>");
      if (f.rate !== undefined && f.trace !== undefined) throw new CliError("jalad link takes --rate or --trace, not both");
      let delayMs = 0;
      try {
        delayMs = parseDuration(f.delay);
      } catch (e) {
        usage("--delay", e);
      }
      let rate: number | BandwidthTrace = 0;
      if (f.rate !== undefined) {
        try {
          rate = parseRate(f.rate);
        } catch (e) {
          usage("--rate", e);
        }
      } else rate = loadTrace(f.trace as string, f.traceFormat);
      const print = io.print ?? ((line: string) => void process.stdout.write(`${line}\n`));
      const emulator = await startLinkEmulator({
        listen,
        upstream,
        rate,
        delayMs,
        shapeReverse: f.reverse === true,
        ...(f.loop === true ? { loop: true } : {}),
        logger: io.logger ?? jsonLogger("link"),
      }).catch((e: NodeJS.ErrnoException) => {
        throw new CliError(`--listen ${f.listen}: cannot listen (${e.code ?? e.message})`, ExitCode.Usage, { cause: e });
      });
      const what = typeof rate === "number" ? formatRate(rate) : `trace ${f.trace} (${(rate.durationMs / 1000).toFixed(1)} s${f.loop === true ? ", looping" : ""})`;
      print(`jalad link: ${emulator.host}:${emulator.port} → ${upstream.host}:${upstream.port}, uplink ${what}, delay ${delayMs} ms${f.reverse === true ? ", both directions shaped" : ""} (Ctrl-C to stop)`);
      const started = Date.now();
      let prev: LinkStats | undefined;
      const timer = setInterval(() => {
        const s = emulator.stats();
        print(statusLine(Date.now() - started, s, prev));
        prev = s;
      }, io.intervalMs ?? 1000);
      await new Promise<void>((resolve) => {
        const done = (): void => {
          process.off("SIGINT", done);
          process.off("SIGTERM", done);
          io.stop?.removeEventListener("abort", done);
          resolve();
        };
        process.once("SIGINT", done);
        process.once("SIGTERM", done);
        if (io.stop?.aborted === true) done();
        else io.stop?.addEventListener("abort", done);
      });
      clearInterval(timer);
      await emulator.close();
      const s = emulator.stats();
      print(`jalad link: closed after ${((Date.now() - started) / 1000).toFixed(1)} s, ${bytes(s.bytesUp)} up, ${bytes(s.bytesDown)} down, ${s.connectionsTotal} connections`);
    });
}
