/**
 * Edge-device emulation at plan time: a profile measured with edge and cloud on the same
 * hardware, turned into one for an edge k times slower (edge compute and encoding × k), as the
 * pipeline's `--edge-slowdown k` makes the real edge. Pure; returns a new profile.
 */
import { PlannerError, PlannerErrorCode } from "./errors.js";
import type { Profile } from "./profile.js";

/** `profile` with every edge-side time multiplied by `k` (≥ 1); records k in `edgeSlowdown`. */
export function withEdgeSlowdown(profile: Profile, k: number): Profile {
  if (!(k >= 1) || !Number.isFinite(k)) throw new PlannerError(PlannerErrorCode.BadArgument, `edge slowdown must be a finite number ≥ 1, got ${k}`);
  if (k === 1) return profile;
  return {
    ...profile,
    edgeSlowdown: k,
    cuts: profile.cuts.map((c) => ({ ...c, edgeMs: c.edgeMs * k })),
    encodings: profile.encodings.map((e) => ({ ...e, encodeMs: e.encodeMs * k })),
  };
}
