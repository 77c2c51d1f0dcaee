/**
 * Edge-device emulation at plan time: a profile measured with edge and cloud on the same
 * hardware, turned into one for an edge k times slower, exactly as the pipeline's
 * `--edge-slowdown k` makes the real edge: the front segment (the cut's edge compute) takes k×
 * its time; encoding is not slowed (the pipeline does not slow it either). Pure; returns a new
 * profile.
 */
import { PlannerError, PlannerErrorCode } from "./errors.js";
import type { Profile } from "./profile.js";

/** `profile` with every cut's edge compute time multiplied by `k` (≥ 1); records k in `edgeSlowdown`. */
export function withEdgeSlowdown(profile: Profile, k: number): Profile {
  if (!(k >= 1) || !Number.isFinite(k)) throw new PlannerError(PlannerErrorCode.BadArgument, `edge slowdown must be a finite number ≥ 1, got ${k}`);
  if (k === 1) return profile;
  return {
    ...profile,
    edgeSlowdown: k,
    cuts: profile.cuts.map((c) => ({ ...c, edgeMs: c.edgeMs * k })),
  };
}
