/**
 * Model analysis pipeline: load → index → resolve input shapes → probe shapes in onnxruntime →
 * list cuts. Shared by `jalad model inspect`, `jalad model split` and later calibration.
 */
import { type CutAnalysis, type CutOptions, listCuts } from "../model/cuts.js";
import { indexGraph } from "../model/graph.js";
import { type LoadedModel, loadModel } from "../model/load.js";
import { type InputShapes, parseInputShapeSpec, resolveInputShapes } from "../model/shapes.js";
import { type CatalogEntry, findCatalogEntry } from "../model/catalog.js";
import { probeShapes } from "../services/onnxruntime/probe.js";

/** Options for {@link analyzeModel}. */
export interface AnalyzeOptions extends CutOptions {
  /** Input shape spec (`1x3x640x640` or `name=dims,...`). Default: the catalog's shape, else declared dims with batch 1. */
  readonly inputShape?: string;
}

/** A loaded model with its cuts at one input shape. */
export interface ModelAnalysis {
  readonly loaded: LoadedModel;
  readonly inputShapes: InputShapes;
  readonly analysis: CutAnalysis;
  /** The bundled-model catalog entry the file matches (its preprocessing and task), if any. */
  readonly entry: CatalogEntry | undefined;
}

/** Loads and analyses a model (path or bytes). Throws `ModelError` on any bad input. */
export async function analyzeModel(model: string | Uint8Array, options: AnalyzeOptions = {}): Promise<ModelAnalysis> {
  const loaded = loadModel(model);
  const index = indexGraph(loaded.model.graph);
  const entry = typeof model === "string" ? findCatalogEntry(model) : undefined;
  const spec = options.inputShape ?? entry?.inputShape;
  const inputShapes = resolveInputShapes(index, spec === undefined ? undefined : parseInputShapeSpec(spec));
  const infos = await probeShapes(loaded, index, inputShapes);
  return { loaded, inputShapes, analysis: listCuts(index, infos, options), entry };
}
