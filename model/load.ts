/**
 * Loading ONNX models from a path or from bytes, with external-data resolution and an opset
 * check against what onnxruntime can run.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, normalize } from "node:path";
import { ModelError, ModelErrorCode } from "./errors.js";
import { type OnnxModel, decodeModel } from "./onnx.js";
import { fieldString, readFields } from "./protobuf.js";

/** Highest ai.onnx opset onnxruntime-node 1.30 runs (checked by probing session creation). */
export const MAX_ORT_OPSET = 26;
/** Lowest ai.onnx opset onnxruntime supports. */
export const MIN_ORT_OPSET = 7;
/** Operator domains onnxruntime's CPU build implements. */
export const ORT_DOMAINS: ReadonlySet<string> = new Set(["", "ai.onnx", "ai.onnx.ml", "com.microsoft", "com.microsoft.nchwc", "com.microsoft.experimental", "ai.onnx.training", "ai.onnx.preview.training", "com.ms.internal.nhwc"]);

/** A decoded model with its identity and external data resolved. */
export interface LoadedModel {
  readonly model: OnnxModel;
  /** The model file's bytes. */
  readonly bytes: Uint8Array;
  /** Hex sha256 of {@link bytes}: the model's identity on the wire (`Jalad-Model`). */
  readonly sha256: string;
  /** Where it came from: a path, or "<bytes>". */
  readonly source: string;
  /** Bytes of every externally stored initializer, by tensor name. */
  readonly externalData: ReadonlyMap<string, Uint8Array>;
}

/** Options for {@link loadModel}. */
export interface LoadOptions {
  /** Folder that external-data locations are relative to. Default: the model file's folder; none for bytes. */
  readonly baseDir?: string;
  /** Skip the opset check (for tooling that only reads the graph). Default false. */
  readonly skipOpsetCheck?: boolean;
}

/** Domains of the model-local functions (ModelProto.functions, field 25): their ops are defined in the file. */
function functionDomains(model: OnnxModel): Set<string> {
  const out = new Set<string>();
  for (const f of model.otherFields) {
    if (f.no !== 25) continue;
    for (const g of readFields(f.bytes, "model.functions")) if (g.no === 10) out.add(fieldString(g, "model.functions.domain"));
  }
  return out;
}

/** Throws `UNSUPPORTED_OPSET` when an opset import is one onnxruntime cannot run. */
export function checkOpsets(model: OnnxModel): void {
  const local = functionDomains(model);
  if (model.opsetImports.length === 0) throw new ModelError(ModelErrorCode.NotOnnx, "model has no opset_import (truncated or not ONNX)");
  for (const o of model.opsetImports) {
    if (o.domain === "" || o.domain === "ai.onnx") {
      if (o.version > MAX_ORT_OPSET || o.version < MIN_ORT_OPSET) {
        throw new ModelError(ModelErrorCode.UnsupportedOpset, `model imports ai.onnx opset ${o.version}; onnxruntime runs opsets ${MIN_ORT_OPSET}..${MAX_ORT_OPSET}`);
      }
    } else if (!ORT_DOMAINS.has(o.domain) && !local.has(o.domain)) {
      throw new ModelError(ModelErrorCode.UnsupportedOpset, `model imports operator domain "${o.domain}" (version ${o.version}), which onnxruntime does not implement`);
    }
  }
}

function resolveExternal(model: OnnxModel, baseDir: string | undefined, source: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const files = new Map<string, Uint8Array>();
  for (const t of model.graph.initializers) {
    if (t.external === null) continue;
    const where = `initializer "${t.name}" of ${source}`;
    if (baseDir === undefined) throw new ModelError(ModelErrorCode.MissingExternalData, `${where} is stored in external file "${t.external.location}", but the model was given as bytes with no base folder`);
    if (isAbsolute(t.external.location) || normalize(t.external.location).startsWith("..")) {
      throw new ModelError(ModelErrorCode.MissingExternalData, `${where} names external file "${t.external.location}" outside the model's folder`);
    }
    const path = join(baseDir, t.external.location);
    let file = files.get(path);
    if (file === undefined) {
      try {
        file = readFileSync(path);
      } catch (e) {
        throw new ModelError(ModelErrorCode.MissingExternalData, `${where} is stored in "${path}", which cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`, { cause: e });
      }
      files.set(path, file);
    }
    const length = t.external.length ?? file.length - t.external.offset;
    if (t.external.offset + length > file.length || length < 0) {
      throw new ModelError(ModelErrorCode.MissingExternalData, `${where} needs bytes ${t.external.offset}..${t.external.offset + length} of "${path}", which has ${file.length}`);
    }
    out.set(t.name, file.subarray(t.external.offset, t.external.offset + length));
  }
  return out;
}

/**
 * Loads a model from a file path or from bytes. Throws {@link ModelError}: `UNREADABLE`,
 * `NOT_ONNX`, `TRUNCATED`, `MISSING_EXTERNAL_DATA` or `UNSUPPORTED_OPSET`.
 */
export function loadModel(pathOrBytes: string | Uint8Array, options: LoadOptions = {}): LoadedModel {
  let bytes: Uint8Array;
  let source: string;
  let baseDir = options.baseDir;
  if (typeof pathOrBytes === "string") {
    source = pathOrBytes;
    try {
      if (statSync(pathOrBytes).isDirectory()) throw new ModelError(ModelErrorCode.Unreadable, `${pathOrBytes} is a directory, not an ONNX file`);
      bytes = readFileSync(pathOrBytes);
    } catch (e) {
      if (e instanceof ModelError) throw e;
      throw new ModelError(ModelErrorCode.Unreadable, `cannot read model ${pathOrBytes} (${(e as NodeJS.ErrnoException).code ?? "error"})`, { cause: e });
    }
    baseDir ??= dirname(pathOrBytes);
  } else {
    source = "<bytes>";
    bytes = pathOrBytes;
  }
  let model: OnnxModel;
  try {
    model = decodeModel(bytes);
  } catch (e) {
    if (e instanceof ModelError) throw new ModelError(e.code, `${source}: ${e.message}`, { cause: e });
    throw e;
  }
  if (options.skipOpsetCheck !== true) {
    try {
      checkOpsets(model);
    } catch (e) {
      if (e instanceof ModelError) throw new ModelError(e.code, `${source}: ${e.message}`, { cause: e });
      throw e;
    }
  }
  const externalData = resolveExternal(model, baseDir, source);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  return { model, bytes, sha256, source, externalData };
}
