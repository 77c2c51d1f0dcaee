/**
 * Candidates and their predicted cost: one encoding at its cut, the unit every planner chooses from.
 *
 * For an encoding x at cut c and a bandwidth bw (bytes/s):
 * - edge stage  = c.edgeMs + x.encodeMs
 * - transfer    = x.bytes / bw · 1000 (0 when x.bytes is 0, even at bw = 0; ∞ when bw = 0 otherwise)
 * - cloud stage = x.decodeMs + c.cloudMs
 * - latency     = (edge stage + cloud stage) + transfer, the paper's T_E + T_C + S/BW
 * - fps         = 1000 / max(edge stage, transfer, cloud stage): a pipelined stream runs at the pace of its slowest stage.
 *
 * Every planner computes these with exactly these expressions, in this order, so that exact
 * comparisons (and ties) agree across the fast planner, the brute force and the MILP checks.
 */
import { PlannerError, PlannerErrorCode } from "./errors.js";
import type { Profile } from "./profile.js";

/** One encoding joined with its cut: all a planner needs, bandwidth aside. Times in ms per frame. */
export interface Candidate {
  /** Index of the encoding in `profile.encodings`. */
  readonly encoding: number;
  readonly cut: number;
  readonly codec: string;
  readonly bits: number | null;
  /** Bytes sent per frame. */
  readonly bytes: number;
  readonly accuracyDrop: number;
  /** Edge stage: edge compute up to the cut plus encoding. */
  readonly edgeMs: number;
  /** Cloud stage: decoding plus cloud compute after the cut. */
  readonly cloudMs: number;
}

/** What a plan is predicted to cost per frame. Times in milliseconds. */
export interface Prediction {
  /** Edge stage: edge compute up to the cut plus encoding. */
  readonly edgeMs: number;
  /** Time to send one frame's data at the planned bandwidth. */
  readonly transferMs: number;
  /** Cloud stage: decoding plus cloud compute after the cut. */
  readonly cloudMs: number;
  /** End-to-end latency of one frame: edge + transfer + cloud. */
  readonly totalMs: number;
  /** Frames per second of the pipelined stream: 1000 / the slowest stage (∞ when every stage is 0). */
  readonly fps: number;
  /** Bytes sent per frame. */
  readonly bytes: number;
  /** Accuracy drop against the unsplit model, in [0, 1]. */
  readonly accuracyDrop: number;
}

/** A chosen encoding with its prediction. */
export interface PlanChoice {
  readonly cut: number;
  readonly codec: string;
  readonly bits: number | null;
  /** Index of the encoding in `profile.encodings`. */
  readonly encoding: number;
  readonly predicted: Prediction;
}

/** Transfer time in ms of `bytes` at `bandwidth` bytes/s: 0 for 0 bytes (even at bandwidth 0), else bytes / bandwidth · 1000. */
export function transferMs(bytes: number, bandwidth: number): number {
  return bytes === 0 ? 0 : (bytes / bandwidth) * 1000;
}

/** Frames per second of a pipeline whose slowest stage takes `periodMs`. */
export function fpsOf(periodMs: number): number {
  return 1000 / periodMs;
}

/** The prediction for candidate `c` at `bandwidth` bytes/s. */
export function predict(c: Candidate, bandwidth: number): Prediction {
  const t = transferMs(c.bytes, bandwidth);
  return {
    edgeMs: c.edgeMs,
    transferMs: t,
    cloudMs: c.cloudMs,
    totalMs: c.edgeMs + c.cloudMs + t,
    fps: fpsOf(Math.max(c.edgeMs, t, c.cloudMs)),
    bytes: c.bytes,
    accuracyDrop: c.accuracyDrop,
  };
}

/** Candidate `c` with its prediction at `bandwidth`. */
export function choose(c: Candidate, bandwidth: number): PlanChoice {
  return { cut: c.cut, codec: c.codec, bits: c.bits, encoding: c.encoding, predicted: predict(c, bandwidth) };
}

/** The tie order: fewer bytes, then lower cut id, then earlier in the profile. */
export function tieOrder(a: Candidate, b: Candidate): number {
  return a.bytes - b.bytes || a.cut - b.cut || a.encoding - b.encoding;
}

/**
 * Every encoding of `profile` joined with its cut, in the tie order ({@link tieOrder}).
 * @throws PlannerError `BAD_PROFILE` if an encoding names a cut the profile lacks (impossible for a profile from `parseProfile`).
 */
export function candidatesOf(profile: Profile): Candidate[] {
  const cuts = new Map(profile.cuts.map((c) => [c.id, c]));
  const out = profile.encodings.map((x, encoding): Candidate => {
    const c = cuts.get(x.cut);
    if (c === undefined) {
      throw new PlannerError(PlannerErrorCode.BadProfile, `invalid profile: encodings[${encoding}].cut: no cut with id ${x.cut}`, { path: `encodings[${encoding}].cut` });
    }
    return { encoding, cut: x.cut, codec: x.codec, bits: x.bits, bytes: x.bytes, accuracyDrop: x.accuracyDrop, edgeMs: c.edgeMs + x.encodeMs, cloudMs: x.decodeMs + c.cloudMs };
  });
  return out.sort(tieOrder);
}

/** Names a choice for messages: `cut 3 ans c=4`, `cut 0 png`. */
export function describeChoice(c: { cut: number; codec: string; bits: number | null }): string {
  return `cut ${c.cut} ${c.codec}${c.bits === null ? "" : ` c=${c.bits}`}`;
}
