/**
 * `npm run bench:codec`: the feature codec on real PP-OCRv4 detection activations.
 *
 * For each selected cut × bit width × quantizer × coder, over real photos (Debian opencv-doc):
 * bytes, bits/element, ratios against float32 and against the frame's PNG and JPEG q90
 * (measured in the same run with sharp), gap to the order-0 entropy bound, text-pixel flips,
 * and encode/decode MB/s of float32 on one core. Prints a table, writes reports/bench-codec.json.
 *
 * Options: --photos N (default 4), --cuts N (default 6), --bits 2,3,4,6,8, --coders list,
 * --quantizers list (minmax, channel, zero, channel-zero, clip), --quick (2 photos, 3 cuts, c=2,4,8).
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import ort from "onnxruntime-node";
import sharp from "sharp";
import { mseOptimalRange } from "../codec/clipping.js";
import { CODER_NAMES, type CoderName, layoutOf } from "../codec/coder.js";
import { coderByName } from "../codec/coders.js";
import { dequantize, quantize, type QuantizeOptions } from "../codec/quantize.js";
import { histogram } from "../codec/rans.js";
import { orderZeroBytes } from "../codec/entropy.js";
import type { Cut } from "../model/cuts.js";
import { extractSegments } from "../model/extract.js";
import { PADDLE_DET_NORMALIZE, rgbToTensor } from "../model/preprocess.js";
import { analyzeModel } from "../pipelines/analyze-model.js";
import { median } from "../pipelines/timing.js";
import { catalogPath } from "../services/bundled-models.js";
import { findCatalogEntry } from "../model/catalog.js";
import { probabilityFlips } from "../tasks/text-detection.js";
import { arg, printTable, writeReport } from "./report.js";

const SIZE = 640;
const quick = process.argv.includes("--quick");
const nPhotos = Number(arg("--photos") ?? (quick ? 2 : 4));
const nCuts = Number(arg("--cuts") ?? (quick ? 3 : 6));
const bitsList = (arg("--bits") ?? (quick ? "2,4,8" : "2,3,4,6,8")).split(",").map(Number);
const coders = (arg("--coders") ?? CODER_NAMES.join(",")).split(",") as CoderName[];
const quantizers = (arg("--quantizers") ?? "minmax,channel,zero,clip").split(",");

const photoDir = join(import.meta.dirname, "../../.cache/photos");
// PROVENANCE.txt lists the photos with text first: those are the ones text flips are about.
const listed = readFileSync(join(photoDir, "PROVENANCE.txt"), "utf8").split("\n").filter((l) => /\.(png|jpe?g)$/i.test(l.trim())).map((l) => l.trim());
const photos = (listed.length > 0 ? listed : readdirSync(photoDir).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort()).slice(0, nPhotos);
if (photos.length === 0) throw new Error(`no photos in ${photoDir}: run scripts/setup.sh`);

/** Picks interior cuts spread over edge FLOPs: in each bucket the one sending the fewest float bytes. */
function pickCuts(cuts: readonly Cut[], total: number, n: number): Cut[] {
  // Interior cuts that leave real work to the cloud (≤ 95% of FLOPs on the edge).
  const interior = cuts.filter((c) => c.kind !== "cloud-only" && c.kind !== "edge-only" && c.edgeFlops <= 0.95 * total && c.tensors.every((t) => t.dataType === 1));
  const picks: Cut[] = [];
  for (let k = 0; k < n; k++) {
    const lo = (0.95 * k) / n;
    const hi = (0.95 * (k + 1)) / n;
    const bucket = interior.filter((c) => c.edgeFlops / total >= lo && c.edgeFlops / total < hi);
    const best = bucket.sort((a, b) => a.bytes - b.bytes)[0];
    if (best !== undefined && !picks.includes(best)) picks.push(best);
  }
  return picks;
}

const entry = findCatalogEntry("ppocr-det");
const modelPath = entry && catalogPath(entry);
if (modelPath === undefined) throw new Error("PP-OCRv4 detection model not installed: run npm ci");
const a = await analyzeModel(modelPath, { inputShape: `1x3x${SIZE}x${SIZE}` });
const cuts = pickCuts(a.analysis.cuts, a.analysis.totalFlops, nCuts);
// No spinning worker threads: they would steal the core the codec timings run on.
const ORT_OPTS: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 2, extra: { session: { intra_op: { allow_spinning: "0" } } } };
const full = await ort.InferenceSession.create(a.loaded.bytes, ORT_OPTS);
const outName = a.analysis.index.outputNames[0] as string;

interface Row { cut: number; kind: string; edgeFlopsPct: number; bits: number; quantizer: string; coder: string; bytes: number; bitsPerElement: number; vsFloat32: number; vsPng: number; vsJpeg: number; gapToEntropyPct: number; flipPct: number; textFlipPct: number; encodeMBs: number; decodeMBs: number }
const acc = new Map<string, { n: number; bytes: number; bound: number; elements: number; flipped: number; pixels: number; text: number; encMs: number; decMs: number; png: number; jpeg: number; f32: number; cut: Cut; bits: number; q: string; coder: string }>();
const baselines = { pngBytes: 0, jpegBytes: 0, jpegFlipped: 0, pixels: 0, textPixels: 0 };

const t0 = performance.now();
let speedSample: { data: Float32Array; dims: readonly number[]; cut: number; name: string } | undefined;
const frames = await Promise.all(photos.map(async (p) => {
  const { data } = await sharp(join(photoDir, p)).removeAlpha().resize(SIZE, SIZE, { fit: "fill" }).raw().toBuffer({ resolveWithObject: true });
  return { name: p, rgb: new Uint8Array(data) };
}));
const run = async (s: ort.InferenceSession, feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.ReturnType> => s.run(feeds);
const sessions = new Map<number, { front: ort.InferenceSession; back: ort.InferenceSession; crossing: readonly string[] }>();
for (const cut of cuts) {
  const seg = extractSegments(a.loaded, a.analysis.index, cut);
  sessions.set(cut.id, { front: await ort.InferenceSession.create(seg.front, ORT_OPTS), back: await ort.InferenceSession.create(seg.back, ORT_OPTS), crossing: seg.crossing });
}

for (const [fi, frame] of frames.entries()) {
  const img = sharp(frame.rgb, { raw: { width: SIZE, height: SIZE, channels: 3 } });
  const png = await img.clone().png().toBuffer();
  const jpeg = await img.clone().jpeg({ quality: 90 }).toBuffer();
  const jpegRgb = new Uint8Array((await sharp(jpeg).raw().toBuffer()).buffer);
  const x = new ort.Tensor("float32", rgbToTensor(frame.rgb, SIZE, SIZE, PADDLE_DET_NORMALIZE), [1, 3, SIZE, SIZE]);
  const ref = (await run(full, { x }))[outName]?.data as Float32Array;
  const viaJpeg = (await run(full, { x: new ort.Tensor("float32", rgbToTensor(jpegRgb, SIZE, SIZE, PADDLE_DET_NORMALIZE), [1, 3, SIZE, SIZE]) }))[outName]?.data as Float32Array;
  const jf = probabilityFlips(ref, viaJpeg);
  baselines.pngBytes += png.length;
  baselines.jpegBytes += jpeg.length;
  baselines.jpegFlipped += jf.flipped;
  baselines.pixels += jf.pixels;
  baselines.textPixels += jf.textPixels;
  // Clipping ranges are calibrated on another photo, as they would be in production.
  const calib = frames[(fi + 1) % frames.length] as (typeof frames)[number];
  const xc = new ort.Tensor("float32", rgbToTensor(calib.rgb, SIZE, SIZE, PADDLE_DET_NORMALIZE), [1, 3, SIZE, SIZE]);
  for (const cut of cuts) {
    const s = sessions.get(cut.id) as { front: ort.InferenceSession; back: ort.InferenceSession; crossing: readonly string[] };
    const mid = await run(s.front, { x });
    if (fi === 0) for (const name of s.crossing) {
      const t = mid[name] as ort.Tensor;
      if (speedSample === undefined || t.data.length > speedSample.data.length) speedSample = { data: t.data as Float32Array, dims: t.dims, cut: cut.id, name };
    }
    const midCalib = await run(s.front, { x: xc });
    for (const bits of bitsList) {
      for (const q of quantizers) {
        const decodedFeeds: Record<string, ort.Tensor> = {};
        const perCoder = new Map<string, { bytes: number; encMs: number; decMs: number }>();
        let bound = 0;
        let elements = 0;
        for (const name of s.crossing) {
          const t = mid[name] as ort.Tensor;
          const xs = t.data as Float32Array;
          const dims = t.dims;
          const opts: QuantizeOptions = q === "clip" ? (() => { const r = mseOptimalRange((midCalib[name] as ort.Tensor).data as Float32Array, bits); return { bits, range: { lo: [r.lo], hi: [r.hi] } }; })()
            : { bits, granularity: q.startsWith("channel") ? "channel" : "tensor", zeroExact: q.endsWith("zero") };
          const sym = new Uint16Array(xs.length);
          const tq = performance.now();
          const params = quantize(xs, dims, opts, sym);
          const quantMs = performance.now() - tq;
          const td = performance.now();
          const y = dequantize(sym, params, dims, new Float32Array(xs.length));
          const dequantMs = performance.now() - td;
          decodedFeeds[name] = new ort.Tensor("float32", y, dims);
          bound += orderZeroBytes(histogram(sym, bits), sym.length);
          elements += xs.length;
          for (const coderName of coders) {
            const coder = coderByName(coderName);
            const te = performance.now();
            const payload = coder.encode(sym, bits, layoutOf(dims));
            const encMs = performance.now() - te + quantMs;
            const out = new Uint16Array(sym.length);
            const tdd = performance.now();
            coder.decode(payload, bits, layoutOf(dims), out);
            const decMs = performance.now() - tdd + dequantMs;
            for (let i = 0; i < sym.length; i++) if (out[i] !== sym[i]) throw new Error(`${coderName} does not round-trip at cut ${cut.id}, c=${bits}`);
            const prev = perCoder.get(coderName) ?? { bytes: 0, encMs: 0, decMs: 0 };
            perCoder.set(coderName, { bytes: prev.bytes + payload.length, encMs: prev.encMs + encMs, decMs: prev.decMs + decMs });
          }
        }
        const got = (await run(s.back, decodedFeeds))[outName]?.data as Float32Array;
        const f = probabilityFlips(ref, got);
        for (const [coderName, r] of perCoder) {
          const key = `${cut.id}|${bits}|${q}|${coderName}`;
          const e = acc.get(key) ?? { n: 0, bytes: 0, bound: 0, elements: 0, flipped: 0, pixels: 0, text: 0, encMs: 0, decMs: 0, png: 0, jpeg: 0, f32: 0, cut, bits, q, coder: coderName };
          e.n++;
          e.bytes += r.bytes;
          e.bound += bound;
          e.elements += elements;
          e.flipped += f.flipped;
          e.pixels += f.pixels;
          e.text += f.textPixels;
          e.encMs += r.encMs;
          e.decMs += r.decMs;
          e.png += png.length;
          e.jpeg += jpeg.length;
          e.f32 += elements * 4;
          acc.set(key, e);
        }
      }
    }
  }
  process.stderr.write(`bench:codec: photo ${fi + 1}/${frames.length} (${frame.name}) done, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
}

const rows: Row[] = [...acc.values()].map((e) => ({
  cut: e.cut.id, kind: e.cut.kind, edgeFlopsPct: (100 * e.cut.edgeFlops) / a.analysis.totalFlops, bits: e.bits, quantizer: e.q, coder: e.coder,
  bytes: e.bytes / e.n, bitsPerElement: (8 * e.bytes) / e.elements, vsFloat32: e.f32 / e.bytes, vsPng: e.bytes / e.png, vsJpeg: e.bytes / e.jpeg,
  gapToEntropyPct: 100 * (e.bytes / e.bound - 1), flipPct: (100 * e.flipped) / e.pixels, textFlipPct: (100 * e.flipped) / Math.max(1, e.text),
  encodeMBs: e.f32 / 1e6 / (e.encMs / 1000), decodeMBs: e.f32 / 1e6 / (e.decMs / 1000),
}));

const jpegTextFlipPct = (100 * baselines.jpegFlipped) / Math.max(1, baselines.textPixels);
const meanJpeg = baselines.jpegBytes / frames.length;
const meanPng = baselines.pngBytes / frames.length;
printTable(`codec on PP-OCRv4 det @${SIZE}, ${frames.length} photos; baselines per frame: PNG ${(meanPng / 1024).toFixed(1)} KiB, JPEG q90 ${(meanJpeg / 1024).toFixed(1)} KiB (text flips ${jpegTextFlipPct.toFixed(2)}%)`,
  ["cut", "kind", ">edge%", ">c", "quant", "coder", ">KiB", ">bits/el", ">×f32", ">/PNG", ">/JPEG", ">gap H0 %", ">flip %", ">text flip %", ">enc MB/s", ">dec MB/s"],
  rows.map((r) => [String(r.cut), r.kind, r.edgeFlopsPct.toFixed(1), String(r.bits), r.quantizer, r.coder, (r.bytes / 1024).toFixed(1), r.bitsPerElement.toFixed(3), r.vsFloat32.toFixed(1), r.vsPng.toFixed(2), r.vsJpeg.toFixed(2), r.gapToEntropyPct.toFixed(2), r.flipPct.toFixed(3), r.textFlipPct.toFixed(2), r.encodeMBs.toFixed(0), r.decodeMBs.toFixed(0)]));

// Speed on one core, measured apart from the model runs: the largest real tensor, 3 warm-up
// rounds, then the median of 9; encode = quantize + entropy code, decode = entropy decode + dequantize.
const speed: { bits: number; coder: string; tensor: string; elements: number; encodeMBs: number; decodeMBs: number }[] = [];
if (speedSample !== undefined) {
  const { data, dims } = speedSample;
  for (const bits of bitsList) {
    for (const coderName of coders) {
      const coder = coderByName(coderName);
      const sym = new Uint16Array(data.length);
      const out = new Uint16Array(data.length);
      const y = new Float32Array(data.length);
      const enc: number[] = [];
      const dec: number[] = [];
      for (let r = 0; r < 12; r++) {
        const te = performance.now();
        const params = quantize(data, dims, { bits }, sym);
        const payload = coder.encode(sym, bits, layoutOf(dims));
        const tm = performance.now();
        coder.decode(payload, bits, layoutOf(dims), out);
        dequantize(out, params, dims, y);
        const td = performance.now();
        if (r >= 3) {
          enc.push(tm - te);
          dec.push(td - tm);
        }
      }
      const mb = (data.length * 4) / 1e6;
      speed.push({ bits, coder: coderName, tensor: `${speedSample.name} [${dims.join("x")}] (cut ${speedSample.cut})`, elements: data.length, encodeMBs: mb / (median(enc) / 1000), decodeMBs: mb / (median(dec) / 1000) });
    }
  }
  printTable(`speed on one core: ${speed[0]?.tensor ?? ""}, float32 MB/s (median of 9)`, ["c", "coder", ">encode MB/s", ">decode MB/s"], speed.map((r) => [String(r.bits), r.coder, r.encodeMBs.toFixed(0), r.decodeMBs.toFixed(0)]));
}

const ans = rows.filter((r) => r.coder === "ans");
const ans4 = speed.filter((r) => r.coder === "ans" && r.bits === 4);
const winning = rows.filter((r) => r.textFlipPct <= 1 && r.vsJpeg <= 0.5).sort((x, y) => x.bytes - y.bytes);
const ctx4 = rows.filter((r) => r.coder === "ctx" && r.bits === 4);
const targets = {
  ansWithin2PctOfEntropy: { worstGapPct: Math.max(...ans.map((r) => r.gapToEntropyPct)), met: ans.every((r) => r.gapToEntropyPct <= 2) },
  ansEncodeAtLeast200MBs: { medianMBs: median(ans4.map((r) => r.encodeMBs)), met: median(ans4.map((r) => r.encodeMBs)) >= 200 },
  ansDecodeAtLeast300MBs: { medianMBs: median(ans4.map((r) => r.decodeMBs)), met: median(ans4.map((r) => r.decodeMBs)) >= 300 },
  ctxAtLeast30PctBelowEntropyAtC4: { bestGapPct: Math.min(...ctx4.map((r) => r.gapToEntropyPct)), medianGapPct: median(ctx4.map((r) => r.gapToEntropyPct)) },
  splitBeatsJpeg: { met: winning.length > 0, best: winning[0] ?? null, jpegTextFlipPct },
};
console.log(`\ntargets: ${JSON.stringify(targets, null, 2)}`);
writeReport("bench-codec", {
  provenance: { photos, source: readFileSync(join(photoDir, "PROVENANCE.txt"), "utf8"), model: { file: modelPath, sha256: a.loaded.sha256 }, inputSize: SIZE, node: process.version, date: new Date().toISOString() },
  baselines: { pngBytesPerFrame: meanPng, jpegQ90BytesPerFrame: meanJpeg, jpegTextFlipPct },
  cuts: cuts.map((c) => ({ id: c.id, kind: c.kind, tensors: c.tensors.map((t) => ({ name: t.name, shape: t.dims })), float32Bytes: c.bytes, edgeFlopsPct: (100 * c.edgeFlops) / a.analysis.totalFlops })),
  rows, speed, targets,
});

