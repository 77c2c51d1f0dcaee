/**
 * Typed errors of the face-api importer (`model/face-api/`), in the style of `model/errors.ts`:
 * one class, a stable `code` from an `as const` map, a message that names the weight, shard or
 * manifest field that is wrong.
 */

/** Every code a {@link WeightsError} can carry, with when it is thrown. */
export const WeightsErrorCode = {
  /** Thrown when the manifest is not valid JSON or not a tfjs weights manifest (a field is missing or has the wrong type). */
  BadManifest: "BAD_MANIFEST",
  /** Thrown when a shard named by the manifest is absent or unreadable. */
  MissingShard: "MISSING_SHARD",
  /** Thrown when a group's shards hold fewer (or more) bytes than its weights need. */
  ShardSize: "SHARD_SIZE",
  /** Thrown when a weight's dtype or quantization is one the importer cannot decode (e.g. string weights, int8 quantization). */
  UnsupportedDtype: "UNSUPPORTED_DTYPE",
  /** Thrown when the network needs a weight the manifest does not have. */
  MissingWeight: "MISSING_WEIGHT",
  /** Thrown when a weight's shape is not the one the network needs. */
  WeightShape: "WEIGHT_SHAPE",
} as const;

/** Union of the values of {@link WeightsErrorCode}. */
export type WeightsErrorCode = (typeof WeightsErrorCode)[keyof typeof WeightsErrorCode];

/** The error thrown when face-api weights cannot be read or do not fit the network. */
export class WeightsError extends Error {
  override readonly name = "WeightsError";
  constructor(
    readonly code: WeightsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
