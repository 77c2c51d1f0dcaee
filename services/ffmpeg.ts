/**
 * Frames from video files, RTSP cameras or image folders, as RGB at a fixed size.
 * ffmpeg is spawned directly (rawvideo rgb24 on stdout) and its stream cut into frames.
 * Binary: `JALAD_FFMPEG`, else `ffmpeg` on PATH.
 */
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { readRgbResized } from "./image.js";

/** Thrown when ffmpeg is missing, exits with an error, or a source yields no frames. */
export class FrameSourceError extends Error {
  override readonly name = "FrameSourceError";
}

/** One decoded frame. */
export interface RgbFrame {
  /** 0-based sequence number within this source. */
  readonly seq: number;
  /** Capture time, epoch ms (when the bytes arrived). */
  readonly capturedAt: number;
  readonly width: number;
  readonly height: number;
  /** width·height·3 bytes. */
  readonly rgb: Uint8Array;
  /** Where it came from: a file name or the URL. */
  readonly origin: string;
}

/** Options for {@link readFrames}. */
export interface ReadFramesOptions {
  readonly width: number;
  readonly height: number;
  /** Stop after this many frames. Default: all. */
  readonly count?: number;
  /** Frames to skip at the start (for resuming). Default 0. */
  readonly skip?: number;
}

const IMAGE_EXT = new Set([".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"]);

/** The ffmpeg binary to run. */
export function ffmpegBinary(): string {
  return process.env.JALAD_FFMPEG ?? "ffmpeg";
}

/** Builds ffmpeg arguments for a source: RTSP over TCP, scaled to width×height, rgb24 rawvideo on stdout. */
export function ffmpegArgs(source: string, width: number, height: number, count?: number): string[] {
  const args = ["-hide_banner", "-loglevel", "error", "-nostdin"];
  if (/^rtsps?:\/\//.test(source)) args.push("-rtsp_transport", "tcp");
  args.push("-i", source, "-vf", `scale=${width}:${height}`, "-f", "rawvideo", "-pix_fmt", "rgb24");
  if (count !== undefined) args.push("-frames:v", String(count));
  args.push("pipe:1");
  return args;
}

async function* fromFolder(dir: string, o: ReadFramesOptions): AsyncGenerator<RgbFrame> {
  const files = readdirSync(dir).filter((f) => IMAGE_EXT.has(extname(f).toLowerCase())).sort();
  if (files.length === 0) throw new FrameSourceError(`${dir} holds no images (${[...IMAGE_EXT].join(", ")})`);
  const end = Math.min(files.length, (o.skip ?? 0) + (o.count ?? files.length));
  for (let i = o.skip ?? 0; i < end; i++) {
    const img = await readRgbResized(join(dir, files[i] as string), o.width, o.height);
    yield { seq: i, capturedAt: Date.now(), width: o.width, height: o.height, rgb: img.data, origin: files[i] as string };
  }
}

async function* fromFfmpeg(source: string, o: ReadFramesOptions): AsyncGenerator<RgbFrame> {
  const skip = o.skip ?? 0;
  const total = o.count === undefined ? undefined : skip + o.count;
  const child = spawn(ffmpegBinary(), ffmpegArgs(source, o.width, o.height, total), { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on("error", (e) => reject(new FrameSourceError(`cannot run ${ffmpegBinary()}: ${e.message} (install ffmpeg or set JALAD_FFMPEG)`)));
    child.on("close", (code) => resolve(code));
  });
  const size = o.width * o.height * 3;
  let buf: Buffer = Buffer.alloc(0);
  let seq = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= size) {
        const rgb = new Uint8Array(buf.subarray(0, size));
        buf = buf.subarray(size);
        if (seq >= skip) yield { seq, capturedAt: Date.now(), width: o.width, height: o.height, rgb, origin: source };
        seq++;
        if (total !== undefined && seq >= total) return;
      }
    }
    const code = await exited;
    if (code !== 0) throw new FrameSourceError(`ffmpeg failed on ${source} (exit ${code}): ${stderr.trim().split("\n").pop() ?? ""}`);
    if (seq === 0) throw new FrameSourceError(`${source} yielded no frames`);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    await exited.catch(() => undefined);
  }
}

/**
 * Reads frames from a folder of images (sorted by name), a video file, or a camera URL
 * (rtsp://, http://), resized to width×height.
 */
export function readFrames(source: string, o: ReadFramesOptions): AsyncGenerator<RgbFrame> {
  let isDir = false;
  try {
    isDir = statSync(source).isDirectory();
  } catch {
    if (!/^[a-z]+:\/\//.test(source)) throw new FrameSourceError(`${source} does not exist`);
  }
  return isDir ? fromFolder(source, o) : fromFfmpeg(source, o);
}
