/**
 * Typed errors of the `model/` layer, in the style of nats.js `jserrors.ts`:
 * one class, a stable `code` from an `as const` map, a message that names what is wrong and where.
 */

/** Every code a {@link ModelError} can carry, with when it is thrown. */
export const ModelErrorCode = {
  /** Thrown when the bytes are not a protobuf-encoded ONNX ModelProto (bad tag, wire type, or field). */
  NotOnnx: "NOT_ONNX",
  /** Thrown when a length or varint runs past the end of the buffer (a cut-off download, a partial copy). */
  Truncated: "TRUNCATED",
  /** Thrown when an initializer's external-data file is absent, unreadable or too short. */
  MissingExternalData: "MISSING_EXTERNAL_DATA",
  /** Thrown when an opset import is one onnxruntime cannot run (too new, too old, or an unknown domain). */
  UnsupportedOpset: "UNSUPPORTED_OPSET",
  /** Thrown when the graph is not a valid DAG: a cycle, a tensor produced twice, an input nobody produces. */
  InvalidGraph: "INVALID_GRAPH",
  /** Thrown when an input shape is missing, malformed, or does not fit the model's declared input. */
  BadInputShape: "BAD_INPUT_SHAPE",
  /** Thrown when a cut id is not one of the listed cuts. */
  UnknownCut: "UNKNOWN_CUT",
  /** Thrown when the file cannot be read at all (absent path, permissions). */
  Unreadable: "UNREADABLE",
} as const;

/** Union of the values of {@link ModelErrorCode}. */
export type ModelErrorCode = (typeof ModelErrorCode)[keyof typeof ModelErrorCode];

/** The one error type thrown by `model/`. `code` says what kind of problem; the message says where. */
export class ModelError extends Error {
  override readonly name = "ModelError";
  constructor(
    readonly code: ModelErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
