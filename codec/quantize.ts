/**
 * Quantizers: float32 feature maps ↔ c-bit integer symbols (c = 1..16).
 *
 * - `minmax`: the paper's y = (2^c − 1)(x − lo)/(hi − lo), per tensor or per channel. Ranges are
 *   stored as float32 and dequantization computes (lo·(L−q) + hi·q)/L in float64, so lo and hi
 *   themselves round-trip exactly.
 * - clipped ranges: the same, with [lo, hi] chosen at calibration (see `clipping.ts`) and
 *   values outside clamped.
 * - `zero-point`: an affine grid that contains 0 exactly (x = (q − zp)·scale), so ReLU zeros
 *   stay exact zeros.
 * Hot loops run over typed arrays with no per-element allocation.
 */
import { CodecError, CodecErrorCode } from "./errors.js";

/** Granularity of quantization ranges. */
export type Granularity = "tensor" | "channel";

/** Parameters of an affine quantizer, one entry per group (1 group, or one per channel). */
export interface AffineParams {
  readonly kind: "minmax" | "zero-point";
  readonly bits: number;
  readonly granularity: Granularity;
  /** Axis of the channel dim when per channel (NCHW: 1). */
  readonly axis: number;
  /** minmax: per-group lower bounds (float32 values). zero-point: per-group scales. */
  readonly a: Float32Array;
  /** minmax: per-group upper bounds. zero-point: per-group zero points (integers). */
  readonly b: Float32Array;
  /** Whether the range was clipped (values outside were clamped): informational. */
  readonly clipped: boolean;
}

/** How to quantize one tensor. */
export interface QuantizeOptions {
  /** Bits per symbol, 1..16. */
  readonly bits: number;
  /** Per tensor or per channel. Default "tensor". */
  readonly granularity?: Granularity;
  /** Channel axis for per-channel ranges. Default 1 (NCHW). */
  readonly axis?: number;
  /** Keep zeros exact (zero-point grid). Default false. */
  readonly zeroExact?: boolean;
  /** Fixed [lo, hi] (from calibration) instead of the tensor's own min/max; one pair per group. */
  readonly range?: { readonly lo: ArrayLike<number>; readonly hi: ArrayLike<number> };
}

function checkBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 1 || bits > 16) throw new CodecError(CodecErrorCode.BadInput, "bits", `must be an integer in 1..16, got ${bits}`);
}

/** Groups (channels) of a tensor and the run length of one group's contiguous block. */
export function groupGeometry(dims: readonly number[], granularity: Granularity, axis: number): { groups: number; inner: number } {
  if (granularity === "tensor") return { groups: 1, inner: dims.reduce((x, y) => x * y, 1) };
  if (axis < 0 || axis >= dims.length) throw new CodecError(CodecErrorCode.BadInput, "axis", `channel axis ${axis} is outside a rank-${dims.length} tensor`);
  let inner = 1;
  for (let i = axis + 1; i < dims.length; i++) inner *= dims[i] as number;
  return { groups: dims[axis] as number, inner };
}

/** Per-group min and max of `x`. */
export function groupMinMax(x: Float32Array, groups: number, inner: number): { lo: Float32Array; hi: Float32Array } {
  const lo = new Float32Array(groups).fill(Infinity);
  const hi = new Float32Array(groups).fill(-Infinity);
  const blocks = x.length / inner;
  for (let blk = 0; blk < blocks; blk++) {
    const g = blk % groups;
    let mn = lo[g] as number;
    let mx = hi[g] as number;
    const end = (blk + 1) * inner;
    // Two accumulator pairs, branch-free: about twice the speed of compare-and-branch here.
    let mn2 = mn;
    let mx2 = mx;
    let i = blk * inner;
    for (; i + 1 < end; i += 2) {
      const v = x[i] as number;
      const w = x[i + 1] as number;
      mn = Math.min(mn, v);
      mx = Math.max(mx, v);
      mn2 = Math.min(mn2, w);
      mx2 = Math.max(mx2, w);
    }
    if (i < end) {
      mn = Math.min(mn, x[i] as number);
      mx = Math.max(mx, x[i] as number);
    }
    lo[g] = Math.min(mn, mn2);
    hi[g] = Math.max(mx, mx2);
  }
  for (let g = 0; g < groups; g++) {
    if (!Number.isFinite(lo[g]) || !Number.isFinite(hi[g])) throw new CodecError(CodecErrorCode.BadInput, "tensor", `group ${g} has a non-finite range [${lo[g]}, ${hi[g]}] (NaN, Inf or no elements)`);
  }
  return { lo, hi };
}

/**
 * The hot loop: out[i] = clamp(floor(x[i]·k + b), 0, L) for i in [from, to). Storing a value in
 * [0, L] into a Uint16Array truncates, which is floor here, so no Math.floor per element.
 */
function quantizeRun(x: Float32Array, out: Uint16Array, from: number, to: number, k: number, b: number, L: number): void {
  for (let i = from; i < to; i++) {
    // Clamp first (outliers of a clipped range), then the Uint16 store truncates: floor for v ≥ 0; NaN → 0.
    out[i] = Math.min(L, Math.max(0, (x[i] as number) * k + b));
  }
}

/**
 * Quantizes `x` (dims `dims`) into `out` symbols and returns the parameters needed to
 * dequantize. `out` must have x.length entries.
 */
export function quantize(x: Float32Array, dims: readonly number[], options: QuantizeOptions, out: Uint16Array): AffineParams {
  checkBits(options.bits);
  const granularity = options.granularity ?? "tensor";
  const axis = options.axis ?? 1;
  const { groups, inner } = groupGeometry(dims, granularity, axis);
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== x.length || out.length !== x.length) throw new CodecError(CodecErrorCode.BadInput, "dims", `dims [${dims.join(",")}] hold ${count} elements, but the tensor has ${x.length} and the output ${out.length}`);
  let lo: Float32Array;
  let hi: Float32Array;
  if (options.range !== undefined) {
    lo = Float32Array.from(options.range.lo);
    hi = Float32Array.from(options.range.hi);
    if (lo.length !== groups || hi.length !== groups) throw new CodecError(CodecErrorCode.BadInput, "range", `expected ${groups} range pairs, got ${lo.length}/${hi.length}`);
  } else ({ lo, hi } = groupMinMax(x, groups, inner));
  const L = 2 ** options.bits - 1;
  const blocks = x.length / inner;
  if (options.zeroExact === true) {
    const scale = new Float32Array(groups);
    const zp = new Float32Array(groups);
    for (let g = 0; g < groups; g++) {
      const l = Math.min(0, lo[g] as number);
      const h = Math.max(0, hi[g] as number);
      const step = Math.fround((h - l) / L);
      const s = step > 0 ? step : 1; // a constant (or denormal-wide) tensor: any positive step keeps it exact enough
      scale[g] = s;
      zp[g] = Math.min(L, Math.max(0, Math.round(-l / s)));
    }
    for (let blk = 0; blk < blocks; blk++) {
      const g = blk % groups;
      quantizeRun(x, out, blk * inner, (blk + 1) * inner, 1 / (scale[g] as number), (zp[g] as number) + 0.5, L);
    }
    return { kind: "zero-point", bits: options.bits, granularity, axis, a: scale, b: zp, clipped: options.range !== undefined };
  }
  for (let blk = 0; blk < blocks; blk++) {
    const g = blk % groups;
    const l = lo[g] as number;
    const span = (hi[g] as number) - l;
    const k = span > 0 ? L / span : 0;
    quantizeRun(x, out, blk * inner, (blk + 1) * inner, k, 0.5 - l * k, L);
  }
  return { kind: "minmax", bits: options.bits, granularity, axis, a: lo, b: hi, clipped: options.range !== undefined };
}

/** The value of min-max symbol `s`: the ends are lo and hi themselves (even −0), the rest (lo·(L−s) + hi·s)/L. */
function minmaxValue(lo: number, hi: number, L: number, s: number): number {
  return s === 0 ? lo : s === L ? hi : (lo * (L - s) + hi * s) / L;
}

/** Dequantizes symbols into `out` (float32) with the parameters {@link quantize} returned. */
export function dequantize(q: Uint16Array, p: AffineParams, dims: readonly number[], out: Float32Array): Float32Array {
  const { groups, inner } = groupGeometry(dims, p.granularity, p.axis);
  const L = 2 ** p.bits - 1;
  const blocks = inner > 0 ? q.length / inner : 0;
  // Up to 10 bits: a per-group lookup table from symbol to value; above: compute per element.
  const useTable = p.bits <= 10;
  const table = new Float32Array(useTable ? L + 1 : 0);
  let tableGroup = -1;
  for (let blk = 0; blk < blocks; blk++) {
    const g = blk % groups;
    const a = p.a[g] as number;
    const b = p.b[g] as number;
    const end = (blk + 1) * inner;
    if (!useTable) {
      if (p.kind === "minmax") for (let i = blk * inner; i < end; i++) out[i] = minmaxValue(a, b, L, q[i] as number);
      else for (let i = blk * inner; i < end; i++) out[i] = ((q[i] as number) - b) * a;
      continue;
    }
    if (g !== tableGroup) {
      if (p.kind === "minmax") for (let s = 0; s <= L; s++) table[s] = minmaxValue(a, b, L, s);
      else for (let s = 0; s <= L; s++) table[s] = (s - b) * a;
      tableGroup = g;
    }
    for (let i = blk * inner; i < end; i++) out[i] = table[q[i] as number] as number;
  }
  return out;
}

/** The largest dequantization error of an unclipped value: half a step of the widest group. */
export function maxStep(p: AffineParams): number {
  const L = 2 ** p.bits - 1;
  let m = 0;
  for (let g = 0; g < p.a.length; g++) {
    const step = p.kind === "minmax" ? ((p.b[g] as number) - (p.a[g] as number)) / L : (p.a[g] as number);
    if (step > m) m = step;
  }
  return m;
}
