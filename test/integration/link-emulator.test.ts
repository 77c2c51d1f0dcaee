// The link emulator as a real TCP proxy: in front of echo/sink servers and of a real nats-server.
import { randomBytes } from "node:crypto";
import { type AddressInfo, type Server, type Socket, createConnection, createServer } from "node:net";
import { connect } from "@nats-io/transport-node";
import { describe, expect, test } from "vitest";
import { stepTrace } from "../../planner/trace-builtins.js";
import { type LinkClock, type LinkEmulatorOptions, realClock, startLinkEmulator } from "../../services/link-emulator.js";
import { memoryLogger } from "../../services/log.js";
import { startNatsServer } from "../../services/nats-server.js";

/** A server on an ephemeral 127.0.0.1 port; `handler` gets each connection. */
async function serve(handler: (s: Socket) => void): Promise<Server & { port: number } & AsyncDisposable> {
  const server = createServer({ allowHalfOpen: true }, handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return Object.assign(server, {
    port: (server.address() as AddressInfo).port,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

const echo = (): ReturnType<typeof serve> => serve((s) => s.pipe(s));

/** Sends `data` through `port`, half-closes, and resolves with everything read back until the end. */
function roundTrip(port: number, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const c = createConnection({ port, host: "127.0.0.1", allowHalfOpen: true });
    const parts: Buffer[] = [];
    c.on("data", (b: Buffer) => parts.push(b));
    c.on("end", () => {
      c.end();
      resolve(Buffer.concat(parts));
    });
    c.on("error", reject);
    c.end(data);
  });
}

/** Resolves when `cond` holds (polled), or rejects after `ms` with `what`. */
async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; !cond(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const link = (upstreamPort: number, extra: Partial<LinkEmulatorOptions> = {}) =>
  startLinkEmulator({ listen: { host: "127.0.0.1", port: 0 }, upstream: { host: "127.0.0.1", port: upstreamPort }, rate: Infinity, ...extra });

describe("link emulator", () => {
  test("carries bytes intact and in order both ways, on several connections at once, and passes on the half-close", async () => {
    await using server = await echo();
    await using emu = await link(server.port, { rate: 20e6, delayMs: 5 });
    expect(emu.port).toBeGreaterThan(0);
    const payloads = [randomBytes(1 << 20), randomBytes(300_000), randomBytes(1), randomBytes(70_000)];
    const back = await Promise.all(payloads.map((p) => roundTrip(emu.port, p)));
    back.forEach((b, i) => expect(b.equals(payloads[i] as Buffer), `connection ${i}`).toBe(true));
    const total = payloads.reduce((a, p) => a + p.length, 0);
    await until(() => emu.stats().connections === 0, "connections to close");
    expect(emu.stats()).toMatchObject({ bytesUp: total, bytesDown: total, connectionsTotal: 4, connections: 0, bufferedBytes: 0 });
  });

  test("shapes the uplink: 400 KB at 200 KB/s is held back in the shaper and delivered in order, intact", async () => {
    const received: Buffer[] = [];
    let ended = false;
    await using sink = await serve((s) => {
      s.on("data", (b: Buffer) => received.push(b));
      s.on("end", () => {
        ended = true;
        s.end();
      });
    });
    await using emu = await link(sink.port, { rate: 200_000 });
    expect(emu.stats().currentRateBytesPerSec).toBe(200_000);
    const data = randomBytes(400_000);
    const c = createConnection({ port: emu.port, host: "127.0.0.1" });
    c.on("error", () => {});
    c.end(data);
    // While the transfer runs, most of it sits in the shaper: once the sender is done, the sink
    // has far less than everything and the emulator holds the rest (no timing is asserted).
    await until(() => emu.stats().bufferedBytes + emu.stats().bytesUp >= 400_000 || ended, "the sender to hand everything over");
    const mid = emu.stats();
    expect(ended).toBe(false);
    expect(mid.bufferedBytes).toBeGreaterThan(100_000);
    await until(() => ended, "the sink to get everything");
    expect(Buffer.concat(received).equals(data)).toBe(true);
    expect(emu.stats().bytesUp).toBe(400_000);
  });

  test("a refused upstream closes the client and is logged; the emulator keeps working", async () => {
    const dead = await serve(() => {});
    const deadPort = dead.port;
    await dead[Symbol.asyncDispose]();
    const logger = memoryLogger();
    await using emu = await link(deadPort, { logger });
    const closed = await new Promise<boolean>((resolve) => {
      const c = createConnection({ port: emu.port, host: "127.0.0.1" });
      c.on("error", () => {});
      c.on("close", () => resolve(true));
      c.write("hello");
    });
    expect(closed).toBe(true);
    await until(() => emu.stats().connections === 0, "the failed connection to be released");
    expect(logger.events.find((e) => e.event === "link-upstream-failed")?.fields).toMatchObject({ code: "ECONNREFUSED", side: "upstream" });
    expect(emu.stats()).toMatchObject({ connectionsTotal: 1, bytesUp: 0 });
  });

  test("an upstream that closes closes the client, after the bytes it sent", async () => {
    await using server = await serve((s) => s.end("bye"));
    await using emu = await link(server.port, { delayMs: 20 });
    const got = await new Promise<string>((resolve, reject) => {
      const c = createConnection({ port: emu.port, host: "127.0.0.1" });
      let text = "";
      c.on("data", (b: Buffer) => (text += b.toString()));
      c.on("close", () => resolve(text));
      c.on("error", reject);
    });
    expect(got).toBe("bye");
  });

  test("memory stays bounded when the upstream does not read", async () => {
    const stalled: Socket[] = [];
    await using server = await serve((s) => {
      s.pause();
      stalled.push(s);
    });
    await using emu = await link(server.port, { highWaterBytes: 128 * 1024 });
    const c = createConnection({ port: emu.port, host: "127.0.0.1" });
    c.on("error", () => {});
    const big = Buffer.alloc(64 << 20);
    c.write(big);
    // The kernel buffers fill, then the emulator pauses its reading: the client cannot drain 64 MiB.
    await until(() => emu.stats().bytesUp > 0, "bytes to flow");
    let last = -1;
    await until(
      () => {
        const now = emu.stats().bytesUp;
        const still = now === last;
        last = now;
        return still;
      },
      "the flow to stall",
    );
    expect(c.writableLength).toBeGreaterThan(0);
    expect(emu.stats().bufferedBytes).toBeLessThanOrEqual(128 * 1024 + 64 * 1024);
    c.destroy();
    for (const s of stalled) s.destroy();
  });

  test("follows a trace from its start and loops it; setRate switches at once (clock injected, no wall time)", async () => {
    await using server = await echo();
    let now = 0;
    const clock: LinkClock = { ...realClock, now: () => now };
    const trace = stepTrace({ segmentMs: 1000 }); // 2 MB/s, 300 KB/s, 100 KB/s, 1 MB/s
    await using emu = await link(server.port, { rate: trace, clock });
    await using looped = await link(server.port, { rate: trace, clock, loop: true });
    const rates = [0, 1500, 2500, 3999, 4500].map((t) => {
      now = t;
      return [emu.stats().currentRateBytesPerSec, looped.stats().currentRateBytesPerSec];
    });
    expect(rates).toEqual([[2e6, 2e6], [3e5, 3e5], [1e5, 1e5], [1e6, 1e6], [1e6, 2e6]]);
    emu.setRate(123_000);
    expect(emu.stats().currentRateBytesPerSec).toBe(123_000);
    emu.setRate(trace); // a new trace starts now (t = 4500)
    now = 5600;
    expect(emu.stats().currentRateBytesPerSec).toBe(3e5);
    expect(() => emu.setRate(-5)).toThrowError(RangeError);
    // Bytes still pass with the injected clock (its time moves only when the test says so).
    now = 10_000;
    emu.setRate(Infinity);
    const data = randomBytes(50_000);
    expect((await roundTrip(emu.port, data)).equals(data)).toBe(true);
  });

  test("a real nats-server through the emulator: messages arrive intact and in order", async () => {
    await using nats = await startNatsServer();
    await using emu = await link(nats.port, { rate: 2e6, delayMs: 10 });
    const viaLink = await connect({ servers: `127.0.0.1:${emu.port}` });
    const direct = await connect({ servers: nats.url });
    try {
      const sub = direct.subscribe("jalad.test.link", { max: 40 });
      await direct.flush();
      const sent = Array.from({ length: 40 }, (_, i) => randomBytes(5_000 + i));
      for (const m of sent) viaLink.publish("jalad.test.link", m);
      await viaLink.flush();
      const got: Uint8Array[] = [];
      for await (const m of sub) got.push(m.data);
      expect(got.length).toBe(40);
      got.forEach((g, i) => expect(Buffer.from(g).equals(sent[i] as Buffer), `message ${i}`).toBe(true));
      expect(emu.stats().connections).toBe(1);
      expect(emu.stats().bytesUp).toBeGreaterThan(sent.reduce((a, m) => a + m.length, 0));
    } finally {
      await viaLink.close();
      await direct.close();
    }
  });

  test("bad options are RangeErrors; a busy port is the listen error", async () => {
    await expect(link(1, { rate: NaN })).rejects.toThrowError(RangeError);
    await expect(link(1, { delayMs: -1 })).rejects.toThrowError(/delayMs/);
    await using server = await echo();
    await expect(startLinkEmulator({ listen: { host: "127.0.0.1", port: server.port }, upstream: { host: "127.0.0.1", port: 1 }, rate: 1 })).rejects.toMatchObject({ code: "EADDRINUSE" });
  });
});
