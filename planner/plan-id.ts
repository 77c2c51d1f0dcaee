/**
 * Plan ids: what a frame carries (header `Jalad-Plan`, wire field `planId`) so that any worker
 * can tell, from the frame alone, which cut and encoding produced it. An id names a profile
 * encoding — `<cut>.<codec>[.<bits>]`, e.g. `52.ans+channel.4`, `0.jpeg-q90`, `390.result` —
 * so workers need no plan registry, and a switch between plans mid-stream is safe: every frame
 * is decoded by the plan it names.
 */
import { PlannerError, PlannerErrorCode } from "./errors.js";

/** A plan as the pipeline runs it: the cut, the codec name (as in profiles) and the bit width. */
export interface PlanSpec {
  readonly cut: number;
  /** `<coder>[+<quantizer>]` (`ans`, `ans+channel`, `raw`), `png`, `jpeg-q<N>`, `f16`, `f32` or `result`. */
  readonly codec: string;
  /** Quantizer bits, or null for codecs that do not quantize. */
  readonly bits: number | null;
}

/** How a plan's data crosses the network. */
export type PlanTransport =
  /** Quantized and entropy-coded tensors in the wire format. */
  | { readonly kind: "features"; readonly coder: string; readonly quantizer: string; readonly bits: number }
  /** Float tensors in the wire format, unquantized (`f32`, `f16`; optionally deflated: `f16+deflate`). */
  | { readonly kind: "float"; readonly precision: "f32" | "f16"; readonly deflate: boolean }
  /** The camera frame itself (cut 0 only): PNG, JPEG, or `raw` RGB bytes (codec `raw` without bits). */
  | { readonly kind: "image"; readonly format: "raw" | "png" | "jpeg"; readonly quality: number }
  /** Only the result (the last cut: edge only). */
  | { readonly kind: "result" };

const ID_RE = /^(\d{1,6})\.([a-z0-9+-]{1,40})(?:\.(\d{1,2}))?$/;

/** The id of a plan. */
export function planId(p: PlanSpec): string {
  return p.bits === null ? `${p.cut}.${p.codec}` : `${p.cut}.${p.codec}.${p.bits}`;
}

/** Parses a plan id; throws `PlannerError(BAD_ARGUMENT)` naming what is wrong. */
export function parsePlanId(id: string): PlanSpec {
  const m = ID_RE.exec(id);
  if (m === null) throw new PlannerError(PlannerErrorCode.BadArgument, `plan id ${JSON.stringify(id.slice(0, 80))} is not <cut>.<codec>[.<bits>] (e.g. 52.ans+channel.4, 0.jpeg-q90, 390.result)`);
  const spec = { cut: Number(m[1]), codec: m[2] as string, bits: m[3] === undefined ? null : Number(m[3]) };
  transportOf(spec); // validates the codec/bits pairing
  return spec;
}

/** What a plan sends; throws `PlannerError(BAD_ARGUMENT)` for codecs the pipeline cannot run. */
export function transportOf(p: PlanSpec): PlanTransport {
  const bad = (why: string): PlannerError => new PlannerError(PlannerErrorCode.BadArgument, `plan ${planId(p)}: ${why}`);
  const needNoBits = (): void => {
    if (p.bits !== null) throw bad(`codec ${p.codec} takes no bit width`);
  };
  if (p.codec === "result") {
    needNoBits();
    return { kind: "result" };
  }
  const jpeg = /^jpeg-q(\d{1,3})$/.exec(p.codec);
  if (p.codec === "png" || jpeg !== null || (p.codec === "raw" && p.bits === null)) {
    needNoBits();
    if (p.cut !== 0) throw bad("frames are sent as images at cut 0 only");
    const quality = jpeg === null ? 100 : Number(jpeg[1]);
    if (quality < 1 || quality > 100) throw bad(`JPEG quality ${quality} is outside 1..100`);
    return { kind: "image", format: jpeg !== null ? "jpeg" : p.codec === "png" ? "png" : "raw", quality };
  }
  const [coder, quantizer = "minmax", extra] = p.codec.split("+");
  if (coder === "f32" || coder === "f16") {
    needNoBits();
    if (extra !== undefined) throw bad(`codec ${p.codec} is not ${coder}[+deflate]`);
    if (quantizer !== "minmax" && quantizer !== "deflate") throw bad(`${coder} may only be followed by +deflate`);
    return { kind: "float", precision: coder, deflate: quantizer === "deflate" };
  }
  if (extra !== undefined || coder === undefined || coder === "") throw bad(`codec ${p.codec} is not <coder>[+<quantizer>]`);
  if (p.bits === null || p.bits < 1 || p.bits > 16) throw bad(`coder ${coder} needs a bit width in 1..16`);
  if (coder === "raw" && p.bits > 16) throw bad("raw symbols hold at most 16 bits");
  return { kind: "features", coder, quantizer, bits: p.bits };
}
