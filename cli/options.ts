/** Argument parsers shared by commands: each throws a one-line CliError naming the bad value. */
import { CliError } from "./errors.js";

/** Parses a non-negative integer option value. */
export function parseCount(flag: string, min = 0): (v: string) => number {
  return (v: string) => {
    if (!/^\d+$/.test(v.trim())) throw new CliError(`${flag} expects an integer ≥ ${min}, got "${v}"`);
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new CliError(`${flag} expects an integer ≥ ${min}, got "${v}"`);
    return n;
  };
}

/** Parses a positive number option value (e.g. a rate or a factor). */
export function parsePositive(flag: string, min = 0): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === "" || !Number.isFinite(n) || n <= min) throw new CliError(`${flag} expects a number > ${min}, got "${v}"`);
    return n;
  };
}

/** Parses a fraction in 0..1 (an accuracy budget: 0.01 = 1%). */
export function parseFraction(flag: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1) throw new CliError(`${flag} expects a fraction in 0..1 (e.g. 0.01 for 1%), got "${v}"`);
    return n;
  };
}

/** The NATS URL: the flag, else `NATS_URL`, else nats://127.0.0.1:4222. */
export function natsUrlOf(flag: string | undefined): string {
  return flag ?? process.env.NATS_URL ?? "nats://127.0.0.1:4222";
}

/** Runs `stop` on the first SIGINT or SIGTERM (a second one exits at once). */
export function onShutdownSignal(stop: () => Promise<unknown>): () => void {
  let signalled = false;
  const handler = (sig: NodeJS.Signals): void => {
    if (signalled) process.exit(130);
    signalled = true;
    process.stderr.write(`jalad: ${sig}: finishing in-flight work (again to exit at once)\n`);
    void stop();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
