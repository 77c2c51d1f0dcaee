/** IEEE 754 binary16 conversion (round to nearest even), for the float16 passthrough. */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → binary16 bits. Overflow becomes ±Inf, NaN stays NaN. */
export function toHalf(v: number): number {
  f32[0] = v;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1) === 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++;
  e = h; // may carry into the exponent (and to Inf): that is correct rounding
  return sign | e;
}

/** binary16 bits → float32 value. */
export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant !== 0 ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Converts a float32 array to binary16 bits. */
export function floatsToHalf(x: Float32Array, out = new Uint16Array(x.length)): Uint16Array {
  for (let i = 0; i < x.length; i++) out[i] = toHalf(x[i] as number);
  return out;
}

/** Converts binary16 bits to float32 values. */
export function halfToFloats(h: Uint16Array, out = new Float32Array(h.length)): Float32Array {
  // A 64 Ki-entry table is cheaper than branching per element on large maps.
  if (h.length > 65536) {
    const table = halfTable();
    for (let i = 0; i < h.length; i++) out[i] = table[h[i] as number] as number;
  } else for (let i = 0; i < h.length; i++) out[i] = fromHalf(h[i] as number);
  return out;
}

let table: Float32Array | undefined;
function halfTable(): Float32Array {
  if (table === undefined) {
    table = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) table[i] = fromHalf(i);
  }
  return table;
}
