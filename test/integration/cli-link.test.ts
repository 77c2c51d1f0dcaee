// `jalad link`, run in-process through commander (registerLinkCommand) with a stop signal instead of SIGINT.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { type AddressInfo, createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, describe, expect, test } from "vitest";
import { parseEndpoint, registerLinkCommand, statusLine } from "../../cli/commands/link.js";
import { CliError } from "../../cli/errors.js";
import { silentLogger } from "../../services/log.js";

const dir = mkdtempSync(join(tmpdir(), "jalad-link-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], stop?: AbortSignal): { lines: string[]; done: Promise<unknown> } {
  const lines: string[] = [];
  const program = new Command("jalad").exitOverride();
  registerLinkCommand(program, { print: (l) => lines.push(l), intervalMs: 20, logger: silentLogger, ...(stop !== undefined ? { stop } : {}) });
  program.commands.forEach((c) => c.exitOverride().configureOutput({ writeErr: () => {} }));
  return { lines, done: program.parseAsync(["link", ...args], { from: "user" }) };
}

async function usageError(args: string[], message: RegExp): Promise<void> {
  const e: unknown = await run(args).done.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(CliError);
  expect((e as CliError).exitCode).toBe(2);
  expect((e as CliError).message).toMatch(message);
}

describe("jalad link", () => {
  test.each([
    [["--rate", "1MB/s"], /needs --upstream/],
    [["--upstream", "127.0.0.1:4222"], /needs --rate <rate> or --trace <file>/],
    [["--upstream", "127.0.0.1:4222", "--rate", "1MB/s", "--trace", "builtin:step"], /--rate or --trace, not both/],
    [["--upstream", "127.0.0.1:0", "--rate", "1MB/s"], /--upstream expects host:port with a port in 1..65535/],
    [["--upstream", "4222", "--listen", "host:99999", "--rate", "1MB/s"], /--listen expects host:port/],
    [["--upstream", "4222", "--rate", "fast"], /--rate: bad rate "fast"/],
    [["--upstream", "4222", "--rate", "1MB/s", "--delay", "20"], /--delay: bad duration "20"/],
    [["--upstream", "4222", "--trace", "/nonexistent/trace.txt"], /--trace: cannot read \/nonexistent\/trace.txt \(ENOENT\)/],
    [["--upstream", "4222", "--trace", "builtin:5g"], /unknown built-in trace/],
    [["--upstream", "4222", "--trace", "builtin:step:0"], /segmentMs must be a finite number > 0/],
    [["--upstream", "4222", "--trace", "builtin:step", "--trace-format", "csv"], /--trace-format expects auto, columns, mahimahi/],
  ])("%j is a usage error", async (args, message) => {
    await usageError(args, message);
  });

  test("a malformed trace file names the file and the line", async () => {
    const file = join(dir, "bad.trace");
    writeFileSync(file, "0 1\n1 fast\n");
    await usageError(["--upstream", "4222", "--trace", file], new RegExp(`--trace ${file}: line 2: throughput "fast" is not a number`));
  });

  test("a busy --listen port is a usage error", async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    try {
      await usageError(["--listen", `127.0.0.1:${(busy.address() as AddressInfo).port}`, "--upstream", "4222", "--rate", "1MB/s"], /cannot listen \(EADDRINUSE\)/);
    } finally {
      busy.close();
    }
  });

  test("proxies with a trace file, prints a status line per interval, and stops cleanly", async () => {
    const echo = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
    const file = join(dir, "good.trace");
    writeFileSync(file, "# t Mbit/s\n0 80\n1 40\n");
    const stop = new AbortController();
    const { lines, done } = run(["--upstream", `127.0.0.1:${(echo.address() as AddressInfo).port}`, "--trace", file, "--delay", "5ms", "--loop"], stop.signal);
    try {
      while (lines.length === 0) await new Promise((r) => setTimeout(r, 10));
      const m = /^jalad link: 127\.0\.0\.1:(\d+) → 127\.0\.0\.1:\d+, uplink trace .* \(2\.0 s, looping\), delay 5 ms/.exec(lines[0] ?? "");
      expect(m, lines[0]).not.toBeNull();
      const port = Number(m?.[1]);
      const reply = await new Promise<string>((resolve, reject) => {
        const c = createConnection({ port, host: "127.0.0.1" });
        let text = "";
        c.on("data", (b: Buffer) => {
          text += b.toString();
          if (text === "ping") c.end();
        });
        c.on("close", () => resolve(text));
        c.on("error", reject);
        c.write("ping");
      });
      expect(reply).toBe("ping");
      while (!lines.some((l) => /up\s+4 B/.test(l))) await new Promise((r) => setTimeout(r, 10));
      expect(lines.find((l) => /up\s+4 B/.test(l))).toMatch(/^\s+\d+s {2}rate\s+10 MB\/s {2}up\s+4 B \(\+\d B\) {2}down\s+4 B {2}conns [01]$/);
    } finally {
      stop.abort();
      await done;
      echo.close();
    }
    expect(lines[lines.length - 1]).toMatch(/^jalad link: closed after [\d.]+ s, 4 B up, 4 B down, 1 connections$/);
  });
});

test("parseEndpoint reads host:port, [v6]:port, nats:// URLs and bare ports", () => {
  expect(parseEndpoint("--x", "10.0.0.1:4222")).toEqual({ host: "10.0.0.1", port: 4222 });
  expect(parseEndpoint("--x", "[::1]:4222")).toEqual({ host: "::1", port: 4222 });
  expect(parseEndpoint("--x", "nats://nats:4222")).toEqual({ host: "nats", port: 4222 });
  expect(parseEndpoint("--x", "4222")).toEqual({ host: "127.0.0.1", port: 4222 });
  expect(parseEndpoint("--x", ":0")).toEqual({ host: "127.0.0.1", port: 0 });
  expect(() => parseEndpoint("--x", "a:b:1")).toThrowError(/--x expects host:port/);
  expect(() => parseEndpoint("--x", "h:0", 1)).toThrowError(/port in 1..65535/);
});

test("statusLine shows the rate, bytes and the bytes since the last line", () => {
  const s = { bytesUp: 1_500_000, bytesDown: 2000, currentRateBytesPerSec: 300_000, connections: 2, connectionsTotal: 3, bufferedBytes: 0 };
  expect(statusLine(12_000, s, { ...s, bytesUp: 1_200_000 })).toBe("   12s  rate    300 KB/s  up     1.5 MB (+300 KB)  down       2 KB  conns 2");
});
