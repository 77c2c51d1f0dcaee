/**
 * A link emulator: a TCP proxy that makes a fast local link behave like a slow uplink, so the
 * edge can be run against NATS through a 3G-like or step-changing bandwidth (docs/link-emulator.md).
 *
 * Edge → upstream bytes go through a {@link TokenBucket} that follows a constant rate or a
 * {@link BandwidthTrace} (trace time starts when the emulator starts, or at `setRate`); the
 * bucket is shared by all connections (one bottleneck link), served round-robin in slices of
 * one packet. After shaping, every chunk waits `delayMs` (one-way delay, in both directions)
 * before it is written. Upstream → edge bytes are delayed but not shaped, unless `shapeReverse`
 * (then by a second bucket following the same rate). Byte order per connection is kept.
 *
 * Memory stays bounded: a connection's source socket is paused while more than `highWaterBytes`
 * plus what the link holds in flight (rate × delay, at most 16 MiB) of it wait in the emulator,
 * and bytes leave the shaping queue only while the destination socket does not need draining. A refused or failed upstream connection closes the client and is
 * logged; no socket error ever escapes. A half-close (FIN) is passed on once every byte before it is.
 */
import { type Server, type Socket, createConnection, createServer } from "node:net";
import { type Logger, silentLogger } from "./log.js";
import { type LinkRate, TokenBucket, checkLinkRate } from "./token-bucket.js";

/** A clock and timers, injectable for tests. Times in ms on a monotonic clock. */
export interface LinkClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock: `performance.now()` and Node timers. */
export const realClock: LinkClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** A TCP endpoint. */
export interface Endpoint {
  readonly host: string;
  /** TCP port; 0 when listening means an ephemeral port. */
  readonly port: number;
}

/** Options for {@link startLinkEmulator}. */
export interface LinkEmulatorOptions {
  /** Where to listen for the edge (port 0: ephemeral, see the handle's `port`). */
  readonly listen: Endpoint;
  /** Where to forward to (e.g. nats-server). */
  readonly upstream: Endpoint;
  /** The uplink: bytes/s (Infinity: unshaped) or a trace. */
  readonly rate: LinkRate;
  /** One-way delay added in each direction, ms (≥ 0). Default 0. */
  readonly delayMs?: number;
  /** Shape upstream → edge bytes too, with the same rate. Default false. */
  readonly shapeReverse?: boolean;
  /** Trace only: start over at the end. Default: the trace's own `loop`. */
  readonly loop?: boolean;
  /** Fixed burst size, bytes. Default: 10 ms of the rate, within 1500 B..16 KiB (token-bucket.ts). */
  readonly burstBytes?: number;
  /** Bytes of one direction of one connection held in the emulator (beyond what is in flight, rate × delay) before its source is paused. Default 1 MiB. */
  readonly highWaterBytes?: number;
  /** Where events go (connections, upstream failures). Default: nowhere. */
  readonly logger?: Logger;
  /** Clock and timers. Default {@link realClock}. */
  readonly clock?: LinkClock;
}

/** Counters of a running emulator. */
export interface LinkStats {
  /** Bytes written to the upstream so far (after shaping and delay). */
  readonly bytesUp: number;
  /** Bytes written back to the edge so far. */
  readonly bytesDown: number;
  /** The shaped uplink rate now, bytes/s (Infinity: unshaped). */
  readonly currentRateBytesPerSec: number;
  /** Connections open now. */
  readonly connections: number;
  /** Connections accepted since the start. */
  readonly connectionsTotal: number;
  /** Bytes held in the emulator now (shaping queues and delay lines, both directions): per connection and direction about highWaterBytes + rate × delay (≤ 16 MiB) + one socket read (64 KiB). */
  readonly bufferedBytes: number;
}

/** A running emulator; `await using` (or `close()`) stops it. */
export interface LinkEmulatorHandle extends AsyncDisposable {
  /** The address it listens on. */
  readonly host: string;
  /** The port it listens on (the ephemeral one when `listen.port` was 0). */
  readonly port: number;
  stats(): LinkStats;
  /** Follows a new rate or trace from now on (a trace starts now). @throws RangeError for a bad rate. */
  setRate(rate: LinkRate, options?: { readonly loop?: boolean }): void;
  /** Stops listening and closes every connection. Idempotent. */
  close(): Promise<void>;
}

/** The most one direction of one connection holds in its delay line beyond the high-water mark, bytes (16 MiB). */
export const MAX_IN_FLIGHT_BYTES = 16 * 1024 * 1024;

/** Round-robin slice: the most one connection sends before the next gets a turn, bytes. */
const SLICE_BYTES = 1500;

/** One direction of one connection. */
class Pipe {
  queue: Buffer[] = [];
  queued = 0;
  line: { due: number; buf: Buffer }[] = [];
  inLine = 0;
  dstReady = false;
  srcEnded = false;
  srcClosed = false;
  dead = false;
  finished = false;
  paused = false;
  timer: unknown = undefined;
  constructor(
    readonly src: Socket,
    readonly dst: Socket,
    readonly link: Link,
    readonly onWritten: (n: number) => void,
  ) {}

  /** Takes up to `n` bytes off the shaping queue. */
  take(n: number): Buffer[] {
    const out: Buffer[] = [];
    while (n > 0 && this.queue.length > 0) {
      const head = this.queue[0] as Buffer;
      if (head.length <= n) {
        out.push(head);
        this.queue.shift();
        n -= head.length;
        this.queued -= head.length;
      } else {
        out.push(head.subarray(0, n));
        this.queue[0] = head.subarray(n);
        this.queued -= n;
        n = 0;
      }
    }
    return out;
  }

  get eligible(): boolean {
    return this.queued > 0 && this.dstReady && !this.dead && !this.dst.writableNeedDrain;
  }
}

/** One direction of the link: a bucket shared by the pipes of every connection. */
class Link {
  readonly pipes = new Set<Pipe>();
  private next = 0;
  private timer: unknown = undefined;
  /** Whether data was left waiting for tokens at the last pump. */
  private backlogged = false;
  private closed = false;
  constructor(
    readonly bucket: TokenBucket,
    readonly delayMs: number,
    readonly highWater: number,
    readonly clock: LinkClock,
  ) {}

  /** Moves what the bucket allows from the shaping queues into the delay lines, round-robin. */
  pump(): void {
    if (this.closed) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.clock.now();
    let avail = this.bucket.available(now, this.backlogged);
    const active = [...this.pipes].filter((p) => p.eligible);
    const out = new Map<Pipe, Buffer[]>();
    if (active.length > 0) {
      let i = this.next % active.length;
      while (avail > 0 && active.some((p) => p.queued > 0)) {
        const p = active[i] as Pipe;
        if (p.queued > 0) {
          const n = Math.min(avail, p.queued, avail === Infinity ? Infinity : SLICE_BYTES);
          const parts = p.take(n);
          out.set(p, [...(out.get(p) ?? []), ...parts]);
          avail -= n;
          this.bucket.take(n, now);
        }
        i = (i + 1) % active.length;
      }
      this.next = i;
    }
    for (const [p, parts] of out) {
      const buf = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
      p.line.push({ due: now + this.delayMs, buf });
      p.inLine += buf.length;
      deliver(p);
    }
    const pending = [...this.pipes].reduce((a, p) => a + (p.eligible ? p.queued : 0), 0);
    this.backlogged = pending > 0;
    if (pending > 0) {
      const wait = this.bucket.waitMs(pending, now);
      if (wait !== undefined) this.timer = this.clock.setTimeout(() => this.pump(), Math.max(1, Math.ceil(wait)));
    }
  }

  /**
   * Bytes one connection may hold in this direction before its source pauses: the high-water
   * mark plus what the link holds in flight (rate × delay, at most {@link MAX_IN_FLIGHT_BYTES}).
   */
  limit(): number {
    const rate = this.bucket.rateAt(this.clock.now());
    return this.highWater + Math.min(MAX_IN_FLIGHT_BYTES, (rate * this.delayMs) / 1000 || 0);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Writes the due part of a pipe's delay line; passes on the end once everything is out. */
function deliver(p: Pipe): void {
  if (p.timer !== undefined) p.link.clock.clearTimeout(p.timer);
  p.timer = undefined;
  const now = p.link.clock.now();
  while (p.line.length > 0 && (p.line[0] as { due: number }).due <= now) {
    const { buf } = p.line.shift() as { buf: Buffer };
    p.inLine -= buf.length;
    if (!p.dead && !p.dst.destroyed) {
      p.dst.write(buf);
      p.onWritten(buf.length);
    }
  }
  const head = p.line[0];
  if (head !== undefined) p.timer = p.link.clock.setTimeout(() => deliver(p), Math.max(1, Math.ceil(head.due - now)));
  if (p.paused && p.queued + p.inLine < p.link.limit() - p.link.highWater / 2) {
    p.paused = false;
    p.src.resume();
  }
  if (p.srcEnded && p.queued === 0 && p.inLine === 0 && !p.finished) {
    p.finished = true;
    if (!p.dead && !p.dst.destroyed) {
      if (p.srcClosed) p.dst.destroySoon();
      else p.dst.end();
    }
  }
}

/**
 * Starts the emulator and resolves once it listens.
 * @throws RangeError for a bad rate, delay or size; the listen error (e.g. EADDRINUSE) if it cannot listen.
 */
export async function startLinkEmulator(options: LinkEmulatorOptions): Promise<LinkEmulatorHandle> {
  const clock = options.clock ?? realClock;
  const log = options.logger ?? silentLogger;
  const delayMs = options.delayMs ?? 0;
  const highWater = options.highWaterBytes ?? 1024 * 1024;
  const problem = checkLinkRate(options.rate);
  if (problem !== undefined) throw new RangeError(problem);
  if (!(Number.isFinite(delayMs) && delayMs >= 0)) throw new RangeError(`delayMs must be a finite number ≥ 0, got ${delayMs}`);
  if (!(Number.isFinite(highWater) && highWater > 0)) throw new RangeError(`highWaterBytes must be a finite number > 0, got ${highWater}`);
  const start = clock.now();
  const bucketOf = (rate: LinkRate): TokenBucket =>
    new TokenBucket({ rate, startMs: start, ...(options.loop !== undefined ? { loop: options.loop } : {}), ...(options.burstBytes !== undefined ? { burstBytes: options.burstBytes } : {}) });
  const up = new Link(bucketOf(options.rate), delayMs, highWater, clock);
  const down = new Link(bucketOf(options.shapeReverse === true ? options.rate : Infinity), delayMs, highWater, clock);
  const sockets = new Set<Socket>();
  let open = 0;
  let total = 0;
  let bytesUp = 0;
  let bytesDown = 0;

  const server: Server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
    const id = ++total;
    open++;
    const upstream = createConnection({ host: options.upstream.host, port: options.upstream.port, allowHalfOpen: true });
    sockets.add(client).add(upstream);
    const upPipe = new Pipe(client, upstream, up, (n) => (bytesUp += n));
    const downPipe = new Pipe(upstream, client, down, (n) => (bytesDown += n));
    downPipe.dstReady = true;
    up.pipes.add(upPipe);
    down.pipes.add(downPipe);
    log.log("debug", "link-connection", { id, from: `${client.remoteAddress ?? "?"}:${client.remotePort ?? "?"}` });
    let closedSockets = 0;
    const wire = (p: Pipe, other: Pipe, name: "client" | "upstream"): void => {
      const s = p.src;
      let sawEnd = false;
      s.on("data", (buf: Buffer) => {
        if (p.dead) return; // the destination is gone
        p.queue.push(buf);
        p.queued += buf.length;
        if (!p.paused && p.queued + p.inLine >= p.link.limit()) {
          p.paused = true;
          s.pause();
        }
        p.link.pump();
      });
      s.on("end", () => {
        sawEnd = true;
        p.srcEnded = true;
        p.link.pump();
        deliver(p);
      });
      s.on("drain", () => other.link.pump());
      s.on("error", (e: NodeJS.ErrnoException) => {
        const connecting = name === "upstream" && !upPipe.dstReady;
        log.log(connecting ? "warn" : "debug", connecting ? "link-upstream-failed" : "link-socket-error", { id, side: name, code: e.code ?? "error", message: e.message });
      });
      s.on("close", (hadError: boolean) => {
        // Nothing more can reach this socket: drop what waits for it.
        other.dead = true;
        other.queue = [];
        other.queued = 0;
        if (hadError || !sawEnd) {
          p.dead = true;
          other.src.destroy();
        } else {
          p.srcClosed = true;
          if (p.finished && !other.src.destroyed) other.src.destroySoon();
        }
        if (++closedSockets === 2) {
          open--;
          for (const q of [upPipe, downPipe]) {
            q.link.pipes.delete(q);
            if (q.timer !== undefined) clock.clearTimeout(q.timer);
          }
          sockets.delete(client);
          sockets.delete(upstream);
          log.log("debug", "link-connection-closed", { id });
        }
      });
    };
    wire(upPipe, downPipe, "client");
    wire(downPipe, upPipe, "upstream");
    upstream.on("connect", () => {
      upPipe.dstReady = true;
      up.pump();
    });
    client.resume();
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.listen.port, options.listen.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (e: Error) => log.log("error", "link-server-error", { message: e.message }));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.listen.port;
  log.log("info", "link-listening", { host: options.listen.host, port, upstream: `${options.upstream.host}:${options.upstream.port}` });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      up.close();
      down.close();
      for (const p of [...up.pipes, ...down.pipes]) if (p.timer !== undefined) clock.clearTimeout(p.timer);
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
    return closing;
  };
  return {
    host: options.listen.host,
    port,
    stats: () => ({
      bytesUp,
      bytesDown,
      currentRateBytesPerSec: up.bucket.rateAt(clock.now()),
      connections: open,
      connectionsTotal: total,
      bufferedBytes: [...up.pipes, ...down.pipes].reduce((a, p) => a + p.queued + p.inLine, 0),
    }),
    setRate(rate, opts = {}) {
      const now = clock.now();
      const loop = opts.loop ?? options.loop;
      up.bucket.setRate(rate, now, loop);
      if (options.shapeReverse === true) down.bucket.setRate(rate, now, loop);
      up.pump();
      down.pump();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
