/** Helpers for pipeline tests: jalad processes, reading streams back, waiting on conditions. */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { NatsConnection } from "@nats-io/transport-node";
import { DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/jalad.js");

/** A running jalad process. */
export interface JaladProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit status and output when it ends. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  stderr(): string;
}

/** Starts `jalad ...args` in the background (killed with SIGKILL after `timeoutMs`). */
export function startJalad(args: readonly string[], timeoutMs = 180_000): JaladProcess {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, JALAD_LOG_LEVEL: "info" } });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-200_000)));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, exited, stderr: () => stderr };
}

/** Every message on `subject` in `stream`, as parsed JSON, with its headers. */
export async function readAll<T>(nc: NatsConnection, stream: string, subject: string): Promise<{ data: T; headers: Record<string, string> }[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream, { subjects_filter: subject });
  const count = info.state.subjects?.[subject] ?? 0;
  if (count === 0) return [];
  const consumer = await jetstream(nc).consumers.get(stream, { filter_subjects: subject, deliver_policy: DeliverPolicy.All });
  const out: { data: T; headers: Record<string, string> }[] = [];
  const messages = await consumer.consume();
  for await (const m of messages) {
    const headers: Record<string, string> = {};
    for (const k of m.headers?.keys() ?? []) headers[k] = m.headers?.get(k) ?? "";
    out.push({ data: m.json<T>(), headers });
    if (m.info.pending === 0) break;
  }
  await messages.close();
  return out;
}

/** How many messages `stream` holds on `subject`. */
export async function countOn(nc: NatsConnection, stream: string, subject: string): Promise<number> {
  try {
    const info = await (await jetstreamManager(nc)).streams.info(stream, { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  } catch (e) {
    if ((e as Error).name === "StreamNotFoundError") return 0; // not created yet by an edge or worker
    throw e;
  }
}

/** Polls `check` every 250 ms until it returns true; throws after `timeoutMs` with `what`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The test clip with text in the scene (scripts/make-clip.sh): 16 frames per real photo (over 100), 640×640, 10 fps. */
export function textClip(): string {
  const out = join(ROOT, ".cache/clips/photos-text.mp4");
  if (!existsSync(out)) execFileSync("bash", [join(ROOT, "scripts/make-clip.sh"), out, "16"], { stdio: "inherit" });
  return out;
}
