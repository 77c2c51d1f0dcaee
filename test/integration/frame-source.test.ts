// frameSource with real ffmpeg: testsrc, a generated clip (loop, end of file, replay), a missing
// file, process cleanup on unsubscribe, and an RTSP camera (gst-rtsp-server) that goes away and
// comes back on the same port.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { firstValueFrom, toArray } from "rxjs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FrameSourceError, type SourceFrame, frameSource } from "../../operators/frame-source.js";
import { startFfmpegFrames } from "../../services/ffmpeg-process.js";
import { memoryLogger } from "../../services/log.js";
import { startRtspServer } from "../helpers/rtsp.js";

const W = 160;
const H = 120;

/** Polls `ok` every 20 ms; rejects naming `what` if it is not true within `limitMs` (a hang guard, not a timing assertion). */
async function waitFor(ok: () => boolean, what: string, limitMs = 15_000): Promise<void> {
  for (let waited = 0; !ok(); waited += 20) {
    if (waited > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function expectConsecutive(frames: readonly SourceFrame[], first: number): void {
  expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => first + i));
  for (let i = 1; i < frames.length; i++) expect((frames[i] as SourceFrame).capturedAt).toBeGreaterThanOrEqual((frames[i - 1] as SourceFrame).capturedAt);
  for (const f of frames) {
    expect([f.width, f.height, f.rgb.length]).toEqual([W, H, W * H * 3]);
  }
}

const events = (log: ReturnType<typeof memoryLogger>, name: string) => log.events.filter((e) => e.event === name).map((e) => e.fields);

let dir: string;
let clip: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "jalad-frame-source-"));
  clip = join(dir, "five.mkv");
  // 5 frames at 25 fps of ffmpeg's testsrc (it draws a frame counter, so every frame differs), MJPEG.
  execFileSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-nostdin", "-f", "lavfi", "-i", `testsrc=size=${W}x${H}:rate=25`, "-frames:v", "5", "-c:v", "mjpeg", "-pix_fmt", "yuvj420p", "-y", clip]);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("frameSource (ffmpeg)", () => {
  test("testsrc2: frames of the right size, consecutive seq from startSeq, moving picture, logged connect and stop", async () => {
    const log = memoryLogger();
    const frames = await firstValueFrom(frameSource({ source: "testsrc2", width: W, height: H, fps: 25, maxFrames: 6, startSeq: 100, logger: log }).pipe(toArray()));
    expect(frames).toHaveLength(6);
    expectConsecutive(frames, 100);
    expect(frames[0]?.origin).toBe("testsrc2");
    expect(Buffer.compare(frames[0]?.rgb ?? new Uint8Array(), frames[5]?.rgb ?? new Uint8Array())).not.toBe(0);
    expect(events(log, "source-connect")).toHaveLength(1);
    expect(events(log, "source-first-frame")[0]).toMatchObject({ attempt: 1, seq: 100 });
    expect(events(log, "source-stopped")[0]).toMatchObject({ attempts: 1, frames: 6 });
  });

  test("a file with loop plays past its end within one ffmpeg process until maxFrames", async () => {
    const log = memoryLogger();
    const frames = await firstValueFrom(frameSource({ source: clip, width: W, height: H, loop: true, maxFrames: 12, logger: log }).pipe(toArray()));
    expect(frames).toHaveLength(12);
    expectConsecutive(frames, 0);
    // The 6th frame is the 1st again, and the 5th is not: the clip looped.
    expect(Buffer.compare(frames[5]?.rgb ?? new Uint8Array(), frames[0]?.rgb ?? new Uint8Array())).toBe(0);
    expect(Buffer.compare(frames[4]?.rgb ?? new Uint8Array(), frames[0]?.rgb ?? new Uint8Array())).not.toBe(0);
    expect(events(log, "source-connect")).toHaveLength(1);
    expect(events(log, "source-ended")).toHaveLength(0);
  });

  test("a file that ends: with endOnEof the stream completes after logging the end", async () => {
    const log = memoryLogger();
    const frames = await firstValueFrom(frameSource({ source: clip, width: W, height: H, fps: 50, endOnEof: true, logger: log }).pipe(toArray()));
    expect(frames.length).toBeGreaterThanOrEqual(5); // the fps filter may duplicate the last frame
    expectConsecutive(frames, 0);
    expect(events(log, "source-ended")).toEqual([expect.objectContaining({ attempt: 1, frames: frames.length, reconnect: false })]);
  });

  test("a file that ends without endOnEof is a failure: it is replayed after a logged backoff, seq going on", async () => {
    const log = memoryLogger();
    const source = frameSource({ source: clip, width: W, height: H, maxFrames: 8, reconnect: { initialDelayMs: 20, jitter: 0 }, logger: log });
    const frames = await firstValueFrom(source.pipe(toArray()));
    expectConsecutive(frames, 0);
    expect(frames).toHaveLength(8);
    expect(Buffer.compare(frames[5]?.rgb ?? new Uint8Array(), frames[0]?.rgb ?? new Uint8Array())).toBe(0);
    expect(events(log, "source-ended")[0]).toMatchObject({ attempt: 1, frames: 5, code: "ENDED", delayMs: 20 });
    expect(events(log, "source-connect").map((f) => f.attempt)).toEqual([1, 2]);
  });

  test("a missing file errors with ATTEMPTS_EXHAUSTED after maxAttempts, each attempt logged with ffmpeg's message", async () => {
    const log = memoryLogger();
    const missing = join(dir, "no-such-clip.mp4");
    const error: unknown = await firstValueFrom(frameSource({ source: missing, width: W, height: H, reconnect: { initialDelayMs: 10, maxDelayMs: 40, maxAttempts: 3 }, logger: log })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FrameSourceError);
    const e = error as FrameSourceError;
    expect(e.code).toBe("ATTEMPTS_EXHAUSTED");
    expect(e.attempts).toBe(3);
    expect(e.cause).toBeInstanceOf(FrameSourceError);
    expect((e.cause as FrameSourceError).code).toBe("FFMPEG_FAILED");
    expect(e.stderrTail).toMatch(/No such file or directory/);
    expect(events(log, "source-connect").map((f) => f.attempt)).toEqual([1, 2, 3]);
    const failed = events(log, "source-failed");
    expect(failed.map((f) => f.attempt)).toEqual([1, 2, 3]);
    expect(failed.map((f) => f.stderr)).toEqual([expect.stringMatching(/No such file/), expect.stringMatching(/No such file/), expect.stringMatching(/No such file/)]);
    expect(failed[0]?.delayMs).toEqual(expect.any(Number));
    expect(failed[1]?.delayMs).toEqual(expect.any(Number));
    expect(failed[2]?.delayMs).toBeNull();
    expect(events(log, "source-gave-up")).toEqual([expect.objectContaining({ attempts: 3 })]);
  });

  test("an image folder plays its images in name order, each frame's origin naming its file", async () => {
    const folder = join(dir, "images");
    mkdirSync(folder);
    for (const [i, name] of ["b.png", "a.png", "c.jpg"].entries()) {
      execFileSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-nostdin", "-f", "lavfi", "-i", `color=c=0x${(i * 0x40 + 0x20).toString(16)}0000:size=64x48`, "-frames:v", "1", "-y", join(folder, name)]);
    }
    writeFileSync(join(folder, "notes.txt"), "not an image");
    const log = memoryLogger();
    const frames = await firstValueFrom(frameSource({ source: folder, width: W, height: H, fps: 100, endOnEof: true, logger: log }).pipe(toArray()));
    expect(frames.map((f) => f.origin)).toEqual(["a.png", "b.png", "c.jpg"]);
    expectConsecutive(frames, 0);
    // Red of the first pixel: a.png was drawn with 0x60, b.png with 0x20, c.jpg with 0xa0 (JPEG: roughly).
    [0x60, 0x20, 0xa0].forEach((red, i) => expect(Math.abs((frames[i]?.rgb[0] ?? -1) - red)).toBeLessThan(8));
    expect(events(log, "source-connect")[0]).toMatchObject({ kind: "folder", attempt: 1 });
  });

  test("bad options error the stream with BAD_OPTIONS", async () => {
    const error: unknown = await firstValueFrom(frameSource({ source: "testsrc", width: 0, height: H, logger: memoryLogger() })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FrameSourceError);
    expect((error as FrameSourceError).code).toBe("BAD_OPTIONS");
  });

  test("unsubscribing kills ffmpeg: its pid is gone", async () => {
    const log = memoryLogger();
    const frames: SourceFrame[] = [];
    const sub = frameSource({ source: "testsrc2", width: W, height: H, logger: log }).subscribe((f) => frames.push(f));
    await waitFor(() => frames.length >= 3, "3 frames");
    const pid = events(log, "source-connect")[0]?.pid as number;
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(true);
    sub.unsubscribe();
    await waitFor(() => !alive(pid), `ffmpeg pid ${pid} to exit`);
    expect(alive(pid)).toBe(false);
  });

  test("a process that ignores SIGTERM is SIGKILLed after the grace period", async () => {
    let frames = 0;
    const proc = startFfmpegFrames({ binary: "/bin/sh", args: ["-c", "trap '' TERM; while :; do head -c 100 /dev/zero; sleep 0.05; done"], frameBytes: 100, killGraceMs: 300 }, () => frames++);
    await waitFor(() => frames >= 2, "the shell's output");
    await proc.stop();
    const exit = await proc.exited;
    expect(exit.signal).toBe("SIGKILL");
    expect(exit.stopped).toBe(true);
    expect(alive(proc.pid ?? -1)).toBe(false);
  });
  test("a binary that cannot be started resolves exited with the spawn error (no frames, no pid)", async () => {
    const proc = startFfmpegFrames({ binary: join(dir, "no-such-ffmpeg"), args: [], frameBytes: 3 }, () => undefined);
    const exit = await proc.exited;
    expect(proc.pid).toBeUndefined();
    expect(exit.spawnError?.message).toMatch(/ENOENT/);
    expect([exit.code, exit.frames, exit.stopped]).toEqual([null, 0, false]);
    await proc.stop(); // idempotent on a process that never ran
  });
});

describe("frameSource (RTSP camera)", () => {
  test("frames arrive over RTSP; the camera goes away and comes back on the same port; seq goes on", async () => {
    await using server = await startRtspServer({ width: W, height: H, fps: 10 });
    const log = memoryLogger();
    const frames: SourceFrame[] = [];
    let failure: unknown;
    const sub = frameSource({ source: server.url, width: W, height: H, reconnect: { initialDelayMs: 200, maxDelayMs: 1000 }, logger: log }).subscribe({
      next: (f) => frames.push(f),
      error: (e: unknown) => (failure = e),
    });
    try {
      const t0 = Date.now();
      await waitFor(() => frames.length >= 5 || failure !== undefined, "5 RTSP frames");
      const firstFrameMs = Number(events(log, "source-first-frame")[0]?.connectMs);
      expect(frames[0]?.rgb.some((v) => v > 0)).toBe(true);

      await server.stop();
      const tStop = Date.now();
      // Keep the camera away until a reconnect attempt has been refused, then bring it back.
      await waitFor(() => events(log, "source-failed").some((f) => Number(f.attempt) >= 2), "a refused reconnect to be logged");
      const before = frames.length;
      await server.restart();
      const tRestart = Date.now();
      await waitFor(() => frames.length >= before + 5 || failure !== undefined, "frames after the restart", 30_000);
      expect(failure).toBeUndefined();
      expectConsecutive(frames, 0);
      const connects = events(log, "source-connect");
      expect(connects.length).toBeGreaterThanOrEqual(3);
      const refused = events(log, "source-failed").filter((f) => Number(f.attempt) >= 2)[0];
      expect(refused).toMatchObject({ frames: 0 });
      expect(typeof refused?.delayMs).toBe("number");
      expect(connects.map((c) => c.attempt)).toEqual(connects.map((_, i) => i + 1));
      const resumed = events(log, "source-first-frame").at(-1);
      expect(Number(resumed?.attempt)).toBeGreaterThanOrEqual(2);
      expect(resumed?.seq).toBe(before);
      if (process.env.JALAD_TEST_TIMINGS === "1") {
        const tResumed = frames[before]?.capturedAt ?? NaN;
        process.stderr.write(
          `rtsp timings: first frame ${firstFrameMs} ms after spawn (${(frames[0]?.capturedAt ?? NaN) - t0} ms after subscribe); ` +
            `resumed ${tResumed - tRestart} ms after restart (${tResumed - tStop} ms after stop), last connect took ${String(resumed?.connectMs)} ms; ` +
            `${connects.length} connects; events: ${log.events.map((e) => `${e.event}#${JSON.stringify(e.fields.attempt ?? "")}${e.fields.delayMs === undefined ? "" : `(${JSON.stringify(e.fields.delayMs)} ms)`}`).join(" ")}\n`,
        );
      }
    } finally {
      sub.unsubscribe();
    }
  });
});
