/**
 * Calibration (the paper's lookup tables A_i(c) and S_i(c)): for each selected cut, bit width,
 * quantizer and coder, run front → encode → decode → back on real frames and record compressed
 * bytes per frame and the accuracy drop against the unsplit model on the same frame, plus the
 * cloud-only (raw/PNG/JPEG) and edge-only (results) encodings. Writes a version-1 profile.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import ort from "onnxruntime-node";
import sharp from "sharp";
import type { CoderName } from "../codec/coder.js";
import { type EncodingSpec, decodeFeatures, encodeFeatures, quantizerByName } from "../codec/features.js";
import type { Cut } from "../model/cuts.js";
import { extractSegments } from "../model/extract.js";
import { IMAGENET_NORMALIZE, rgbToTensor } from "../model/preprocess.js";
import { buildProbeModel } from "../model/shapes.js";
import { readFrames } from "../services/ffmpeg.js";
import { openSession } from "../services/onnxruntime/session.js";
import { type TaskAdapter, type TaskName, taskAdapter } from "../tasks/adapter.js";
import { analyzeModel } from "./analyze-model.js";
import { type Sample, summarize } from "./calibration-stats.js";
import { timed } from "./timing.js";

/** Options for {@link calibrate}. */
export interface CalibrateOptions {
  /** Model path (catalog names resolved by the caller). */
  readonly model: string;
  /** Image folder, video file or camera URL. */
  readonly frames: string;
  /** Frames to use. Default 200. */
  readonly count?: number;
  /** Bit widths. Default [2, 3, 4, 6, 8]. */
  readonly bits?: readonly number[];
  /** Coders. Default ["ans", "ctx"]. */
  readonly coders?: readonly CoderName[];
  /** Quantizer names (codec `quantizerByName`). Default ["minmax"]. */
  readonly quantizers?: readonly string[];
  /** Task, or "auto" (the catalog's, else generic). Default "auto". */
  readonly task?: TaskName | "auto";
  /** Labels by frame origin (file name), for a labelled accuracy drop. */
  readonly labels?: Readonly<Record<string, unknown>>;
  /** Cut ids, or "pareto" (cuts no other cut beats on both edge FLOPs and bytes). Default "pareto". */
  readonly cuts?: "pareto" | "all" | readonly number[];
  /** Most cuts to calibrate when choosing automatically. Default 10. */
  readonly maxCuts?: number;
  /** Epochs for the stability spread. Default 5. */
  readonly epochs?: number;
  /** JPEG qualities for cloud-only frames. Default [90, 75]. */
  readonly jpegQualities?: readonly number[];
  readonly inputShape?: string;
  /** Where to write the profile; `<out>.partial.json` holds progress for resuming. */
  readonly out: string;
  /** Called after each frame. */
  readonly onProgress?: (done: number, total: number, elapsedMs: number) => void;
}

/** Interior cuts not dominated on (edge FLOPs, bytes), spread over depth, at most `max`. */
export function paretoCuts(cuts: readonly Cut[], max: number): Cut[] {
  const interior = cuts.filter((c) => c.kind === "prefix" || c.kind === "refined").filter((c) => c.tensors.every((t) => t.dataType === 1));
  const front = interior.filter((c) => !interior.some((d) => d !== c && d.edgeFlops <= c.edgeFlops && d.bytes <= c.bytes && (d.edgeFlops < c.edgeFlops || d.bytes < c.bytes)));
  front.sort((a, b) => a.edgeFlops - b.edgeFlops);
  if (front.length <= max) return front;
  return Array.from({ length: max }, (_, k) => front[Math.round((k * (front.length - 1)) / Math.max(1, max - 1))] as Cut);
}

interface Partial { key: string; done: number; samples: Record<string, Sample[]>; timings: Record<string, { edgeMs: number; cloudMs: number }> }

/** Runs calibration and writes the profile; returns it. */
export async function calibrate(o: CalibrateOptions): Promise<Record<string, unknown>> {
  const a = await analyzeModel(o.model, o.inputShape !== undefined ? { inputShape: o.inputShape } : {});
  const entry = a.entry;
  const inputShape = o.inputShape ?? entry?.inputShape;
  const task: TaskName = o.task === undefined || o.task === "auto" ? (entry?.task ?? "generic") : o.task;
  const adapter: TaskAdapter = taskAdapter(task);
  const all = a.analysis.cuts;
  const last = all[all.length - 1] as Cut;
  const chosen = o.cuts === "all" ? all.filter((c) => c.id !== 0 && c !== last) : Array.isArray(o.cuts) ? (o.cuts as readonly number[]).map((id) => all[id]).filter((c): c is Cut => c !== undefined && c.id !== 0 && c !== last) : paretoCuts(all, o.maxCuts ?? 10);
  const [inputName, dims] = [...a.inputShapes][0] ?? [];
  if (inputName === undefined || dims?.length !== 4 || dims[1] !== 3) throw new Error("calibration needs a model whose first input is an NCHW 3-channel image");
  const [, , h, w] = dims as [number, number, number, number];
  const bitsList = o.bits ?? [2, 3, 4, 6, 8];
  const coders = o.coders ?? ["ans", "ctx"];
  const quantizers = o.quantizers ?? ["minmax"];
  const jpegQ = o.jpegQualities ?? [90, 75];
  const count = o.count ?? 200;
  const key = JSON.stringify({ sha: a.loaded.sha256, frames: o.frames, count, bitsList, coders, quantizers, task, cuts: chosen.map((c) => c.id), jpegQ, inputShape });
  const partialPath = `${o.out}.partial.json`;
  let state: Partial = { key, done: 0, samples: {}, timings: {} };
  if (existsSync(partialPath)) {
    const prev = JSON.parse(readFileSync(partialPath, "utf8")) as Partial;
    if (prev.key === key) state = prev;
  }
  const add = (k: string, s: Sample): void => {
    (state.samples[k] ??= []).push(s);
  };

  const exposed = buildProbeModel(a.loaded, a.analysis.index, chosen.flatMap((c) => c.tensors.map((t) => t.name)));
  const full = await openSession(exposed.bytes, a.loaded.source);
  const segs = new Map<number, { front: ort.InferenceSession; back: ort.InferenceSession; crossing: readonly string[] }>();
  for (const cut of chosen) {
    const s = extractSegments(a.loaded, a.analysis.index, cut);
    segs.set(cut.id, { front: await openSession(s.front, "front"), back: await openSession(s.back, "back"), crossing: s.crossing });
  }
  const outName = a.analysis.index.outputNames[0] as string;
  const normalize = entry?.normalize ?? IMAGENET_NORMALIZE;
  const started = performance.now();
  try {
    let k = state.done;
    for await (const frame of readFrames(o.frames, { width: w, height: h, count: count - state.done, skip: state.done })) {
      const x = new ort.Tensor("float32", rgbToTensor(frame.rgb, w, h, normalize), [1, 3, h, w]);
      const outs = await full.run({ [inputName]: x });
      const refOut = outs[outName] as ort.Tensor;
      const ref = adapter.predict({ data: refOut.data as Float32Array, dims: refOut.dims });
      const label = o.labels?.[frame.origin];
      const refLabelled = label !== undefined && adapter.labelAgreement ? adapter.labelAgreement(ref, label) : undefined;
      const drop = (p: unknown): { accuracyDrop: number; labelledDrop?: number } => ({
        accuracyDrop: 1 - adapter.agreement(ref, p),
        ...(refLabelled !== undefined && adapter.labelAgreement ? { labelledDrop: refLabelled - adapter.labelAgreement(p, label) } : {}),
      });
      if (k === 0) {
        // Per-device timings on this machine (jalad profile measures them properly per role).
        state.timings.full = { edgeMs: 0, cloudMs: (await timed(() => full.run({ [inputName]: x }), 3, 0)).ms };
        for (const cut of chosen) {
          const s = segs.get(cut.id) as { front: ort.InferenceSession; back: ort.InferenceSession };
          const mid = await s.front.run({ [inputName]: x });
          state.timings[cut.id] = { edgeMs: (await timed(() => s.front.run({ [inputName]: x }), 3, 0)).ms, cloudMs: (await timed(() => s.back.run(mid), 3, 0)).ms };
        }
      }
      // Cloud only: the frame itself.
      const img = sharp(frame.rgb, { raw: { width: w, height: h, channels: 3 } });
      add("0|raw|null|raw", { bytes: w * h * 3, accuracyDrop: 0, ...(refLabelled !== undefined ? { labelledDrop: 0 } : {}), encodeMs: 0, decodeMs: 0 });
      let t = performance.now();
      const png = await img.clone().png().toBuffer();
      const pngMs = performance.now() - t;
      t = performance.now();
      await sharp(png).raw().toBuffer();
      add("0|png|null|png", { bytes: png.length, accuracyDrop: 0, ...(refLabelled !== undefined ? { labelledDrop: 0 } : {}), encodeMs: pngMs, decodeMs: performance.now() - t });
      for (const q of jpegQ) {
        t = performance.now();
        const jpg = await img.clone().jpeg({ quality: q }).toBuffer();
        const encMs = performance.now() - t;
        t = performance.now();
        const rgb = new Uint8Array(await sharp(jpg).raw().toBuffer());
        const decMs = performance.now() - t;
        const o2 = (await full.run({ [inputName]: new ort.Tensor("float32", rgbToTensor(rgb, w, h, normalize), [1, 3, h, w]) }))[outName] as ort.Tensor;
        add(`0|jpeg-q${q}|null|jpeg`, { bytes: jpg.length, ...drop(adapter.predict({ data: o2.data as Float32Array, dims: o2.dims })), encodeMs: encMs, decodeMs: decMs });
      }
      // Interior cuts.
      for (const cut of chosen) {
        const s = segs.get(cut.id) as { back: ort.InferenceSession; crossing: readonly string[] };
        const tensors = s.crossing.map((name) => ({ name, dims: (outs[name] as ort.Tensor).dims, data: (outs[name] as ort.Tensor).data as Float32Array }));
        const meta = { camera: "calibration", seq: k, capturedAt: frame.capturedAt, modelSha256: a.loaded.sha256, cutId: cut.id, planId: "calibration" };
        for (const bits of bitsList) {
          for (const qn of quantizers) {
            let accuracy: { accuracyDrop: number; labelledDrop?: number } | undefined;
            for (const coder of coders) {
              const spec: EncodingSpec = { quantizer: quantizerByName(qn, bits), coder };
              t = performance.now();
              const msg = encodeFeatures(meta, tensors, spec);
              const encMs = performance.now() - t;
              t = performance.now();
              const dec = decodeFeatures(msg);
              const decMs = performance.now() - t;
              if (accuracy === undefined) {
                const feeds: Record<string, ort.Tensor> = {};
                for (const d of dec.tensors) feeds[d.name] = new ort.Tensor("float32", d.data, d.dims);
                const got = (await s.back.run(feeds))[outName] as ort.Tensor;
                accuracy = drop(adapter.predict({ data: got.data as Float32Array, dims: got.dims }));
              }
              add(`${cut.id}|${coder}|${bits}|${qn}`, { bytes: msg.length, ...accuracy, encodeMs: encMs, decodeMs: decMs });
            }
          }
        }
      }
      // Edge only: the result.
      add(`${last.id}|result|null|result`, { bytes: Buffer.byteLength(JSON.stringify(adapter.result(ref))), accuracyDrop: 0, ...(refLabelled !== undefined ? { labelledDrop: 0 } : {}), encodeMs: 0, decodeMs: 0 });
      k++;
      state.done = k;
      writeFileSync(`${partialPath}.tmp`, JSON.stringify(state));
      renameSync(`${partialPath}.tmp`, partialPath);
      o.onProgress?.(k, count, performance.now() - started);
      if (k >= count) break;
    }
  } finally {
    await Promise.all([full.release(), ...[...segs.values()].flatMap((s) => [s.front.release(), s.back.release()])]);
  }
  const fullMs = state.timings.full?.cloudMs ?? 0;
  const cutRows = [all[0] as Cut, ...chosen, last].map((c) => {
    const tm = c.id === 0 ? { edgeMs: 0, cloudMs: fullMs } : c === last ? { edgeMs: fullMs, cloudMs: 0 } : (state.timings[c.id] ?? { edgeMs: 0, cloudMs: 0 });
    return { id: c.id, kind: c.kind, edgeMs: tm.edgeMs, cloudMs: tm.cloudMs, edgeFlops: c.edgeFlops, cloudFlops: c.cloudFlops, tensors: c.tensors.map((t) => ({ name: t.name, shape: t.dims })), float32Bytes: c.bytes };
  });
  const encodings = Object.entries(state.samples).map(([k, samples]) => {
    const [cut, codec, bits, quantizer] = k.split("|") as [string, string, string, string];
    // A plan names its encoding by (cut, codec, bits): quantizers other than the default min-max
    // are part of the codec name (e.g. "ans+channel").
    const name = quantizer === "minmax" || bits === "null" ? codec : `${codec}+${quantizer}`;
    return { cut: Number(cut), codec: name, bits: bits === "null" ? null : Number(bits), quantizer, ...summarize(samples, o.epochs ?? 5) };
  });
  const profile = {
    version: 1,
    model: { name: entry?.name ?? a.loaded.source, sha256: a.loaded.sha256 },
    task, inputShape: Object.fromEntries(a.inputShapes),
    calibration: { frames: o.frames, count: state.done, epochs: o.epochs ?? 5, bits: bitsList, coders, quantizers, jpegQualities: jpegQ, date: new Date().toISOString(), timingsMeasuredOn: "this machine, edge and cloud alike (replace with jalad profile per role)" },
    cuts: cutRows,
    encodings,
  };
  writeFileSync(o.out, `${JSON.stringify(profile, null, 1)}\n`);
  return profile;
}
