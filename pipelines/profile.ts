/**
 * Latency profiles per device role (`jalad profile`): the front segment of every cut (edge role)
 * or the back segment (cloud role) timed on this machine after a warm-up, plus encode (edge) or
 * decode (cloud) time per codec setting on a real frame's features. `mergeProfiles` folds edge
 * and cloud profiles into a calibration profile.
 */
import { cpus } from "node:os";
import ort from "onnxruntime-node";
import type { CoderName } from "../codec/coder.js";
import { decodeFeatures, encodeFeatures, quantizerByName } from "../codec/features.js";
import type { Cut } from "../model/cuts.js";
import { extractSegments } from "../model/extract.js";
import { rgbToTensor } from "../model/preprocess.js";
import { type DevicePreset, deviceMs, fitDevice } from "../planner/device-model.js";
import { readRgbResized } from "../services/image.js";
import { analyzeModel } from "./analyze-model.js";
import { paretoCuts } from "./calibrate.js";
import { timed } from "./timing.js";

/** Options for {@link measureProfile}. */
export interface ProfileOptions {
  readonly model: string;
  readonly role: "edge" | "cloud";
  /** Intra-op threads. Default: onnxruntime's default. */
  readonly threads?: number;
  /** Execution provider. Default "cpu". */
  readonly provider?: "cpu" | "cuda";
  /** Cut ids (default: the Pareto front, as calibration). */
  readonly cuts?: readonly number[];
  readonly maxCuts?: number;
  /** Image whose features time the codec (default: mid-grey). */
  readonly image?: string;
  readonly bits?: readonly number[];
  readonly coders?: readonly CoderName[];
  /** Timed runs after warm-up. Default 10. */
  readonly runs?: number;
  /** Edge emulation factor recorded with the profile (times are multiplied by it). Default 1. */
  readonly edgeSlowdown?: number;
  readonly inputShape?: string;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Measures a latency profile for one role. */
export async function measureProfile(o: ProfileOptions) {
  const a = await analyzeModel(o.model, o.inputShape !== undefined ? { inputShape: o.inputShape } : {});
  const entry = a.entry;
  const all = a.analysis.cuts;
  const last = all[all.length - 1] as Cut;
  const chosen = [all[0] as Cut, ...(o.cuts ? o.cuts.map((id) => all[id]).filter((c): c is Cut => c !== undefined && c.id !== 0 && c !== last) : paretoCuts(all, o.maxCuts ?? 10)), last];
  const [inputName, dims] = [...a.inputShapes][0] ?? [];
  if (inputName === undefined || dims === undefined) throw new Error("model has no input");
  const [, , h, w] = dims as [number, number, number, number];
  const rgb = o.image !== undefined ? (await readRgbResized(o.image, w, h)).data : new Uint8Array(w * h * 3).fill(128);
  const x = new ort.Tensor("float32", rgbToTensor(rgb, w, h, entry?.normalize ?? { channelOrder: "rgb", mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] }), dims);
  const sessionOptions: ort.InferenceSession.SessionOptions = { ...(o.threads ? { intraOpNumThreads: o.threads } : {}), executionProviders: [o.provider ?? "cpu"], logSeverityLevel: 3 };
  const slowdown = o.edgeSlowdown ?? 1;
  const runs = o.runs ?? 10;
  const cutRows: { id: number; ms: number; p95Ms: number; flops: number }[] = [];
  const codecRows: { cut: number; codec: string; bits: number; ms: number }[] = [];
  for (const [k, cut] of chosen.entries()) {
    const seg = extractSegments(a.loaded, a.analysis.index, cut);
    const front = await ort.InferenceSession.create(seg.front, sessionOptions);
    const back = await ort.InferenceSession.create(seg.back, sessionOptions);
    try {
      const mid = await front.run({ [inputName]: x });
      const isEdge = o.role === "edge";
      const flops = isEdge ? cut.edgeFlops : cut.cloudFlops;
      const t = flops === 0 ? { ms: 0, p95Ms: 0 } : await timed(() => (isEdge ? front.run({ [inputName]: x }) : back.run(mid)), runs);
      const factor = isEdge ? slowdown : 1;
      cutRows.push({ id: cut.id, ms: t.ms * factor, p95Ms: t.p95Ms * factor, flops });
      if (cut.kind !== "cloud-only" && cut.kind !== "edge-only" && mid !== undefined) {
        const tensors = seg.crossing.map((name) => ({ name, dims: (mid[name] as ort.Tensor).dims, data: (mid[name] as ort.Tensor).data as Float32Array }));
        if (tensors.every((t2) => t2.data instanceof Float32Array)) {
          const meta = { camera: "profile", seq: 0, capturedAt: 0, modelSha256: a.loaded.sha256, cutId: cut.id, planId: "profile" };
          for (const bits of o.bits ?? [2, 3, 4, 6, 8]) {
            for (const codec of o.coders ?? ["ans", "ctx"]) {
              const spec = { quantizer: quantizerByName("minmax", bits), coder: codec };
              const msg = encodeFeatures(meta, tensors, spec);
              const tc = await timed(() => Promise.resolve(isEdge ? encodeFeatures(meta, tensors, spec) : decodeFeatures(msg)), Math.max(3, Math.floor(runs / 2)));
              codecRows.push({ cut: cut.id, codec, bits, ms: tc.ms * factor });
            }
          }
        }
      }
    } finally {
      await Promise.all([front.release(), back.release()]);
    }
    o.onProgress?.(k + 1, chosen.length);
  }
  const fitted: DevicePreset = fitDevice(`this-machine-${o.role}`, cutRows.filter((r) => r.flops > 0).map((r) => ({ flops: r.flops, ms: r.ms })));
  return {
    version: 1, kind: "latency-profile", role: o.role,
    model: { name: entry?.name ?? a.loaded.source, sha256: a.loaded.sha256 },
    device: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, threads: o.threads ?? null, provider: o.provider ?? "cpu", edgeSlowdown: slowdown, fitted },
    runs, cuts: cutRows, codecs: codecRows,
  };
}

/** A latency profile as written by {@link measureProfile}. */
export type LatencyProfile = Awaited<ReturnType<typeof measureProfile>>;

interface CalibrationLike { cuts: { id: number; edgeMs: number; cloudMs: number; edgeFlops?: number; cloudFlops?: number }[]; encodings: { cut: number; codec: string; bits: number | null; encodeMs: number; decodeMs: number }[] }

/**
 * Folds an edge and a cloud latency profile into a calibration profile: cut times from the
 * profiles (or from a device preset via FLOPs), codec times by (cut, codec, bits).
 */
export function mergeProfiles<P extends CalibrationLike>(calibration: P, edge: LatencyProfile | DevicePreset, cloud: LatencyProfile | DevicePreset): P {
  const time = (src: LatencyProfile | DevicePreset, id: number, flops: number | undefined, fallback: number): number => {
    if ("role" in src) return src.cuts.find((c) => c.id === id)?.ms ?? fallback;
    return flops === undefined ? fallback : deviceMs(src, flops);
  };
  const codecTime = (src: LatencyProfile | DevicePreset, e: CalibrationLike["encodings"][number], fallback: number): number =>
    "role" in src ? (src.codecs.find((c) => c.cut === e.cut && c.codec === e.codec && c.bits === e.bits)?.ms ?? fallback) : fallback;
  const last = Math.max(...calibration.cuts.map((c) => c.id));
  return {
    ...calibration,
    cuts: calibration.cuts.map((c) => ({ ...c, edgeMs: c.id === 0 ? 0 : time(edge, c.id, c.edgeFlops, c.edgeMs), cloudMs: c.id === last ? 0 : time(cloud, c.id, c.cloudFlops, c.cloudMs) })),
    encodings: calibration.encodings.map((e) => ({ ...e, encodeMs: codecTime(edge, e, e.encodeMs), decodeMs: codecTime(cloud, e, e.decodeMs) })),
    merged: { edge: "role" in edge ? { role: "edge", device: edge.device } : { preset: edge }, cloud: "role" in cloud ? { role: "cloud", device: cloud.device } : { preset: cloud }, date: new Date().toISOString() },
  };
}
