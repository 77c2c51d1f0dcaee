/**
 * Frames from video files, RTSP cameras, lavfi test sources or image folders, as RGB at a
 * fixed size. ffmpeg is spawned directly (rawvideo rgb24 on stdout) and its stream cut into
 * frames (services/ffmpeg-process.ts). Binary: `JALAD_FFMPEG`, else `ffmpeg` on PATH.
 */
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { FrameChunker } from "./ffmpeg-process.js";
import { FrameSourceError, lastLine } from "./frame-source-error.js";
import { readRgbResized } from "./image.js";

export { FrameSourceError, FrameSourceErrorCode } from "./frame-source-error.js";

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

/** File extensions (lower case, with the dot) that count as images in a folder source. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"]);

/** The ffmpeg binary to run. */
export function ffmpegBinary(): string {
  return process.env.JALAD_FFMPEG ?? "ffmpeg";
}

/** What a source string names: an RTSP camera, another URL, a lavfi test source, an image folder or a file. */
export type SourceKind = "rtsp" | "url" | "lavfi" | "folder" | "file";

const LAVFI = /^(testsrc2?)(?:=(.*))?$/;

/**
 * Classifies a source: `rtsp://`/`rtsps://` → rtsp; any other `scheme://` → url; `testsrc`,
 * `testsrc2` (optionally `=lavfi options`) → lavfi; an existing directory → folder; anything
 * else → file (which may not exist: ffmpeg then says so).
 */
export function sourceKind(source: string): SourceKind {
  if (/^rtsps?:\/\//i.test(source)) return "rtsp";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return "url";
  if (LAVFI.test(source)) return "lavfi";
  try {
    if (statSync(source).isDirectory()) return "folder";
  } catch {
    // missing: a file that ffmpeg will report
  }
  return "file";
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

/** Options for {@link ffmpegSourceArgs}. */
export interface FfmpegSourceArgs {
  /** A file path, rtsp:// or other URL, or `testsrc`/`testsrc2[=options]` (not a folder). */
  readonly source: string;
  /** Output frame width, px. */
  readonly width: number;
  /** Output frame height, px. */
  readonly height: number;
  /** Output rate, frames/s (ffmpeg `fps` filter). Default: the source's own rate (testsrc: 25). */
  readonly fps?: number;
  /** Files: play again from the start forever (`-stream_loop -1`). Default false. */
  readonly loop?: boolean;
  /** Extra ffmpeg input options, placed just before `-i`. Default none. */
  readonly inputArgs?: readonly string[];
}

/**
 * ffmpeg arguments for a live-paced frame source: RTSP over TCP; files and testsrc read in real
 * time (`-re`, i.e. at their own rate, or at `fps`); first video stream only, scaled to
 * width×height, rgb24 rawvideo on stdout.
 */
export function ffmpegSourceArgs(o: FfmpegSourceArgs): string[] {
  const kind = sourceKind(o.source);
  if (kind === "folder") throw new FrameSourceError("BAD_OPTIONS", `${o.source} is a folder: ffmpeg reads files, URLs and testsrc`);
  const args = ["-hide_banner", "-loglevel", "error", "-nostdin"];
  let input = o.source;
  if (kind === "rtsp") args.push("-rtsp_transport", "tcp");
  if (kind === "file") {
    if (o.loop === true) args.push("-stream_loop", "-1");
    args.push("-re");
  }
  if (kind === "lavfi") {
    const m = LAVFI.exec(o.source);
    const name = m?.[1] ?? "testsrc2";
    const given = m?.[2] ?? "";
    const opts = given === "" ? [] : [given];
    if (!/(^|:)(size|s)=/.test(given)) opts.push(`size=${o.width}x${o.height}`);
    if (!/(^|:)(rate|r)=/.test(given)) opts.push(`rate=${o.fps ?? 25}`);
    input = `${name}=${opts.join(":")}`;
    args.push("-re", "-f", "lavfi");
  }
  args.push(...(o.inputArgs ?? []), "-i", input, "-map", "0:v:0", "-an", "-sn");
  const filters = [...(o.fps === undefined ? [] : [`fps=${o.fps}`]), `scale=${o.width}:${o.height}`];
  args.push("-vf", filters.join(","), "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1");
  return args;
}

/** The image files of a folder (by extension, see {@link IMAGE_EXTENSIONS}), sorted by name. */
export function listImages(dir: string): string[] {
  return readdirSync(dir).filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase())).sort();
}

async function* fromFolder(dir: string, o: ReadFramesOptions): AsyncGenerator<RgbFrame> {
  const files = listImages(dir);
  if (files.length === 0) throw new FrameSourceError("NO_IMAGES", `${dir} holds no images (${[...IMAGE_EXTENSIONS].join(", ")})`);
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
    child.on("error", (e) => reject(new FrameSourceError("SPAWN_FAILED", `cannot run ${ffmpegBinary()}: ${e.message} (install ffmpeg or set JALAD_FFMPEG)`, { cause: e })));
    child.on("close", (code) => resolve(code));
  });
  const chunker = new FrameChunker(o.width * o.height * 3);
  let seq = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      for (const rgb of chunker.push(chunk)) {
        if (seq >= skip) yield { seq, capturedAt: Date.now(), width: o.width, height: o.height, rgb, origin: source };
        seq++;
        if (total !== undefined && seq >= total) return;
      }
    }
    const code = await exited;
    if (code !== 0) throw new FrameSourceError("FFMPEG_FAILED", `ffmpeg failed on ${source} (exit ${code}): ${lastLine(stderr)}`, { stderrTail: stderr });
    if (seq === 0) throw new FrameSourceError("NO_FRAMES", `${source} yielded no frames`, { stderrTail: stderr });
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    await exited.catch(() => undefined);
  }
}

/**
 * Reads frames from a folder of images (sorted by name), a video file, or a camera URL
 * (rtsp://, http://), resized to width×height, as fast as they decode.
 */
export function readFrames(source: string, o: ReadFramesOptions): AsyncGenerator<RgbFrame> {
  let isDir = false;
  try {
    isDir = statSync(source).isDirectory();
  } catch {
    if (!/^[a-z]+:\/\//.test(source)) throw new FrameSourceError("NOT_FOUND", `${source} does not exist`);
  }
  return isDir ? fromFolder(source, o) : fromFfmpeg(source, o);
}
