/**
 * The profile file (`*.profile.json`), version 1: the planner's whole input for one model, so any
 * plan can be reproduced offline. Documented field by field in `docs/profile-format.md`.
 *
 * Unknown fields are kept (passthrough) at every level, so profiling tools can record more than
 * the planner reads.
 */
import { z } from "zod";
import { PlannerError, PlannerErrorCode } from "./errors.js";

const ms = z.number().finite().nonnegative();

/** One cut of the model, with its compute times. Times in milliseconds per frame. */
export const ProfileCutSchema = z.looseObject({
  /** Cut id: 0 is cloud only, the largest id is edge only. */
  id: z.int().nonnegative(),
  /** Edge compute time from the frame up to the cut (0 for cut 0). */
  edgeMs: ms,
  /** Cloud compute time from the cut to the outputs (0 for the last cut). */
  cloudMs: ms,
});

/** One way of sending a cut's data. Times in milliseconds per frame. */
export const ProfileEncodingSchema = z.looseObject({
  /** The cut whose crossing tensors this encodes (cut 0: the frame itself; last cut: the results). */
  cut: z.int().nonnegative(),
  /** Codec name, e.g. `ans`, `huffman`, `raw`, `png`, `jpeg-q90`. */
  codec: z.string().min(1),
  /** Quantizer bit width, or null when the codec does not quantize (frames, float data, results). */
  bits: z.int().positive().nullable(),
  /** Mean bytes sent per frame. */
  bytes: z.number().finite().nonnegative(),
  /** Accuracy drop against the unsplit model, as a fraction in [0, 1]. */
  accuracyDrop: z.number().min(0).max(1),
  /** Edge time to encode one frame's data (added to the edge stage). */
  encodeMs: ms,
  /** Cloud time to decode one frame's data (added to the cloud stage). */
  decodeMs: ms,
});

/** The model a profile was measured on. */
export const ProfileModelSchema = z.looseObject({
  /** Human-readable model name. */
  name: z.string().min(1),
  /** sha256 of the ONNX model file, 64 hex digits. */
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, "expected 64 hex digits"),
});

function checkInvariants(p: { cuts: readonly { id: number; edgeMs: number; cloudMs: number }[]; encodings: readonly { cut: number; codec: string; bits: number | null }[] }, ctx: z.RefinementCtx): void {
  const byId = new Map<number, number>();
  p.cuts.forEach((c, i) => {
    const seen = byId.get(c.id);
    if (seen !== undefined) ctx.addIssue({ code: "custom", path: ["cuts", i, "id"], message: `duplicate cut id ${c.id} (also cuts[${seen}])` });
    else byId.set(c.id, i);
  });
  const first = byId.get(0);
  if (first === undefined) ctx.addIssue({ code: "custom", path: ["cuts"], message: "no cut with id 0 (cloud only)" });
  else if ((p.cuts[first]?.edgeMs ?? 0) !== 0) ctx.addIssue({ code: "custom", path: ["cuts", first, "edgeMs"], message: "cut 0 is cloud only: its edgeMs must be 0" });
  const lastId = Math.max(...byId.keys());
  const last = byId.get(lastId);
  if (last !== undefined && (p.cuts[last]?.cloudMs ?? 0) !== 0) {
    ctx.addIssue({ code: "custom", path: ["cuts", last, "cloudMs"], message: `cut ${lastId} is the last (edge only): its cloudMs must be 0` });
  }
  const keys = new Map<string, number>();
  p.encodings.forEach((e, j) => {
    if (!byId.has(e.cut)) ctx.addIssue({ code: "custom", path: ["encodings", j, "cut"], message: `no cut with id ${e.cut}` });
    const key = `${e.cut}\u0000${e.codec}\u0000${e.bits}`;
    const seen = keys.get(key);
    if (seen !== undefined) ctx.addIssue({ code: "custom", path: ["encodings", j], message: `same cut, codec and bits as encodings[${seen}]` });
    else keys.set(key, j);
  });
}

/** The profile file, version 1 (see `docs/profile-format.md`). */
export const ProfileSchema = z
  .looseObject({
    /** Format version: 1. */
    version: z.literal(1),
    model: ProfileModelSchema,
    /** Every cut, cut 0 (cloud only) and the last (edge only) included. */
    cuts: z.array(ProfileCutSchema).min(1),
    /** Every way of sending every cut's data. */
    encodings: z.array(ProfileEncodingSchema).min(1),
  })
  .superRefine(checkInvariants);

/** A parsed profile. Treat it as immutable: planners cache work per profile object. */
export type Profile = z.output<typeof ProfileSchema>;
/** One cut of a {@link Profile}. */
export type ProfileCut = z.output<typeof ProfileCutSchema>;
/** One encoding of a {@link Profile}. */
export type ProfileEncoding = z.output<typeof ProfileEncodingSchema>;

/** Writes a zod issue path as `encodings[3].accuracyDrop` (`(root)` when empty). */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const k of path) out += typeof k === "number" ? `[${k}]` : out === "" ? String(k) : `.${String(k)}`;
  return out === "" ? "(root)" : out;
}

/**
 * Validates a parsed JSON value as a version-1 profile.
 * Checks the schema, then: cut ids unique, cut 0 present with edgeMs 0, the largest id has
 * cloudMs 0, every encoding's cut exists, no two encodings share (cut, codec, bits).
 * @throws PlannerError `BAD_PROFILE` whose `path` names the first offending field; the message lists up to 5 issues.
 */
export function parseProfile(json: unknown): Profile {
  const r = ProfileSchema.safeParse(json);
  if (r.success) return r.data;
  const issues = r.error.issues;
  const first = formatPath(issues[0]?.path ?? []);
  const listed = issues.slice(0, 5).map((i) => `${formatPath(i.path)}: ${i.message}`);
  if (issues.length > 5) listed.push(`... and ${issues.length - 5} more`);
  throw new PlannerError(PlannerErrorCode.BadProfile, `invalid profile: ${listed.join("; ")}`, { path: first, cause: r.error });
}
