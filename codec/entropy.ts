/** The empirical order-0 entropy bound that coders are measured against. */

/** Order-0 (per-symbol Shannon) entropy of `n` symbols with these counts, in bytes. */
export function orderZeroBytes(counts: ArrayLike<number>, n: number): number {
  let bits = 0;
  for (let s = 0; s < counts.length; s++) {
    const c = counts[s] as number;
    if (c > 0) bits -= c * Math.log2(c / n);
  }
  return bits / 8;
}

/** Order-0 entropy of a symbol array, in bytes. */
export function symbolEntropyBytes(symbols: Uint16Array): number {
  const counts = new Uint32Array(65536);
  for (let i = 0; i < symbols.length; i++) {
    const s = symbols[i] as number;
    counts[s] = (counts[s] as number) + 1;
  }
  return orderZeroBytes(counts, symbols.length);
}
