/**
 * Reads `@vladmandic/face-api`'s weight manifests and shards from disk and imports a network to
 * ONNX (the pure work is in `model/face-api/`).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { WeightsError, WeightsErrorCode } from "../model/face-api/errors.js";
import { type FaceApiProvenance, importFaceApi } from "../model/face-api/import.js";
import { parseManifest } from "../model/face-api/manifest.js";
import { FACE_API_NETS, type FaceApiNet } from "../model/face-api/nets.js";

const require = createRequire(import.meta.url);

/** npm package that ships the weights. */
export const FACE_API_PACKAGE = "@vladmandic/face-api";

/** Root folder of the installed face-api package, or undefined when it is not installed. */
export function faceApiPackageDir(): string | undefined {
  // The package hides package.json behind "exports": look in each node_modules folder Node would search.
  for (const dir of require.resolve.paths(FACE_API_PACKAGE) ?? []) {
    const p = join(dir, FACE_API_PACKAGE);
    if (existsSync(join(p, "package.json"))) return p;
  }
  return undefined;
}

function sha256(b: Uint8Array): string {
  return createHash("sha256").update(b).digest("hex");
}

function readOrThrow(path: string, code: WeightsErrorCode, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new WeightsError(code, `${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}

/** The installed face-api version ("unknown" when its package.json cannot be read). */
export function faceApiVersion(packageDir = faceApiPackageDir()): string {
  if (packageDir === undefined) return "unknown";
  try {
    return (JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version?: string }).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Options of {@link importFaceApiNet}. */
export interface ImportFromDiskOptions {
  /** Folder holding the manifest and shards. Default: the installed package's `model/` folder. */
  readonly modelDir?: string;
  /** Manifest file name inside `modelDir`. Default: the net's manifest. */
  readonly manifest?: string;
}

/**
 * Reads the net's manifest and shards and returns the ONNX bytes. Throws `WeightsError`:
 * `MISSING_SHARD` when the package, the manifest or a shard cannot be read, `BAD_MANIFEST`,
 * `SHARD_SIZE`, `UNSUPPORTED_DTYPE`, `MISSING_WEIGHT` or `WEIGHT_SHAPE` for bad contents.
 */
export function importFaceApiNet(net: FaceApiNet, options: ImportFromDiskOptions = {}): Uint8Array {
  const pkg = faceApiPackageDir();
  const modelDir = options.modelDir ?? (pkg !== undefined ? join(pkg, "model") : undefined);
  if (modelDir === undefined) throw new WeightsError(WeightsErrorCode.MissingShard, `${FACE_API_PACKAGE} is not installed (run npm ci)`);
  const manifestName = options.manifest ?? FACE_API_NETS[net].manifest;
  const manifestPath = join(modelDir, manifestName);
  const manifestBytes = readOrThrow(manifestPath, WeightsErrorCode.MissingShard, "cannot read manifest");
  const manifest = parseManifest(manifestBytes.toString("utf8"), manifestName);
  const files: { file: string; sha256: string }[] = [{ file: manifestName, sha256: sha256(manifestBytes) }];
  const shard = (p: string): Uint8Array => {
    const bytes = readOrThrow(join(modelDir, p), WeightsErrorCode.MissingShard, `cannot read shard "${p}" named by ${manifestName}:`);
    files.push({ file: p, sha256: sha256(bytes) });
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
  const provenance: FaceApiProvenance = { packageVersion: faceApiVersion(pkg), files };
  return importFaceApi(net, manifest, shard, provenance);
}
