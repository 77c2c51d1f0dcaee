/** Shared feature-message fixtures for codec tests. */
import { crc32c } from "../../codec/crc32c.js";
import type { FrameMeta } from "../../codec/wire-format.js";

/** Frame metadata used by codec tests. */
export const META: FrameMeta = { camera: "cam-01", seq: 2 ** 40 + 7, capturedAt: 1764115200123.5, modelSha256: "ab".repeat(32), cutId: 17, planId: "cam-01:3" };

/** Re-seals a (mutated) message with a valid CRC so the decoder looks past the checksum. */
export function reseal(m: Uint8Array): Uint8Array {
  const out = m.slice();
  if (out.length >= 4) new DataView(out.buffer).setUint32(out.length - 4, crc32c(out.subarray(0, out.length - 4)), true);
  return out;
}
