/** Paths of bundled models for tests. */
import { findCatalogEntry } from "../../model/catalog.js";
import { catalogPath } from "../../services/bundled-models.js";

/** Absolute path of a bundled model by catalog name; throws when the package is missing. */
export function bundled(name: string): string {
  const entry = findCatalogEntry(name);
  const p = entry === undefined ? undefined : catalogPath(entry);
  if (p === undefined) throw new Error(`bundled model ${name} not found: run npm ci`);
  return p;
}
