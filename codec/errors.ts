/**
 * Typed errors of the `codec/` layer. Every malformed message or payload becomes a
 * {@link CodecError} naming the field; decoders throw nothing else.
 */

/** Every code a {@link CodecError} can carry, with when it is thrown. */
export const CodecErrorCode = {
  /** Thrown when the message does not start with the magic bytes. */
  BadMagic: "BAD_MAGIC",
  /** Thrown when the message's format version is not one this decoder reads. */
  UnsupportedVersion: "UNSUPPORTED_VERSION",
  /** Thrown when a field runs past the end of the buffer. */
  Truncated: "TRUNCATED",
  /** Thrown when the CRC32C does not match the bytes. */
  BadChecksum: "BAD_CHECKSUM",
  /** Thrown when a field holds a value outside its domain (unknown id, zero dim, bad UTF-8, ...). */
  BadField: "BAD_FIELD",
  /** Thrown when a count or size exceeds the decoder's configured limits. */
  LimitExceeded: "LIMIT_EXCEEDED",
  /** Thrown when an entropy-coded payload is inconsistent (bad table, overrun, trailing garbage). */
  CorruptPayload: "CORRUPT_PAYLOAD",
  /** Thrown when an encoder is given input it cannot represent (bad bit width, NaN range, ...). */
  BadInput: "BAD_INPUT",
} as const;

/** Union of the values of {@link CodecErrorCode}. */
export type CodecErrorCode = (typeof CodecErrorCode)[keyof typeof CodecErrorCode];

/** The one error type thrown by `codec/`. */
export class CodecError extends Error {
  override readonly name = "CodecError";
  constructor(
    readonly code: CodecErrorCode,
    /** The field or stage at fault, e.g. `tensor[1].dims[2]` or `payload[0]`. */
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${message}`, options);
  }
}
