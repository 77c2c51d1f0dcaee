/**
 * The analytic device model for what-if planning, from the paper's simulation (Table III):
 * T = w · FLOPs / F, with F the device's peak FLOP/s and w an efficiency factor.
 */

/** A device: peak FLOP/s and the paper's efficiency weight. */
export interface DevicePreset {
  readonly name: string;
  /** Peak throughput, FLOP/s. */
  readonly flops: number;
  /** Efficiency weight w (measured time = w · FLOPs / F). */
  readonly weight: number;
  readonly description: string;
}

/** The paper's devices. */
export const DEVICE_PRESETS: readonly DevicePreset[] = [
  { name: "cloud-12tflops", flops: 12e12, weight: 2.1761, description: "the paper's cloud GPU (12 TFLOPS, w_c = 2.1761)" },
  { name: "jetson-tx2", flops: 2e12, weight: 1.1176, description: "NVIDIA Jetson TX2 edge (2 TFLOPS, w_e = 1.1176)" },
  { name: "tegra-k1", flops: 300e9, weight: 1.1176, description: "NVIDIA Tegra K1 edge (300 GFLOPS, w_e = 1.1176)" },
];

/** Milliseconds a device needs for `flops` FLOPs. */
export function deviceMs(d: DevicePreset, flops: number): number {
  return (1000 * d.weight * flops) / d.flops;
}

/**
 * Fits a device to measured (FLOPs, ms) pairs: the effective FLOP/s by least squares through
 * the origin (weight 1). This is "this machine" for what-if planning.
 */
export function fitDevice(name: string, samples: ReadonlyArray<{ readonly flops: number; readonly ms: number }>): DevicePreset {
  let sxy = 0;
  let sxx = 0;
  for (const s of samples) {
    sxy += s.flops * s.ms;
    sxx += s.flops * s.flops;
  }
  if (sxy <= 0) throw new RangeError("cannot fit a device: no positive timings");
  const msPerFlop = sxy / sxx;
  return { name, flops: 1000 / msPerFlop, weight: 1, description: `fitted from ${samples.length} measured segments: ${(1 / msPerFlop / 1e6).toFixed(2)} GFLOP/s effective` };
}
