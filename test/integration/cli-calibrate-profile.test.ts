// `jalad calibrate`, `jalad profile` and `jalad profile merge` end to end on real models and photos.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { expectUsageError, jalad } from "../helpers/cli.js";
import { photo } from "../helpers/ort.js";

const tmp = mkdtempSync(join(tmpdir(), "jalad-calib-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Profile { version: number; task: string; cuts: { id: number; edgeMs: number; cloudMs: number }[]; encodings: { cut: number; codec: string; bits: number | null; bytes: number; accuracyDrop: number; stability: { epochs: number } }[] }

function photoDir(names: string[]): string {
  const dir = join(tmp, `photos-${names.length}`);
  mkdirSync(dir, { recursive: true });
  for (const n of names) copyFileSync(photo(n), join(dir, n));
  return dir;
}

describe("jalad calibrate", () => {
  test("PP-OCRv4 detection on real photos: tables for every cut, degenerate encodings, drop falls as c grows", async () => {
    const out = join(tmp, "det.profile.json");
    const frames = photoDir(["imageTextN.png", "imageTextR.png", "licenseplate_motion.jpg"]);
    const r = await jalad(["calibrate", "--model", "ppocr-det", "--frames", frames, "--count", "3", "--bits", "2,8", "--coders", "ans,huffman", "--max-cuts", "2", "--epochs", "3", "--out", out], 300_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/3\/3 frames/);
    const p = JSON.parse(readFileSync(out, "utf8")) as Profile;
    expect(p.version).toBe(1);
    expect(p.task).toBe("text-detection");
    const ids = p.cuts.map((c) => c.id);
    expect(ids[0]).toBe(0);
    expect(p.cuts[0]!.edgeMs).toBe(0);
    expect(p.cuts.at(-1)!.cloudMs).toBe(0);
    const codecs = new Set(p.encodings.map((e) => e.codec));
    for (const c of ["raw", "png", "jpeg-q90", "jpeg-q75", "result", "ans", "huffman"]) expect(codecs, c).toContain(c);
    for (const cut of ids.slice(1, -1)) {
      const at = (bits: number): Profile["encodings"][number] => p.encodings.find((e) => e.cut === cut && e.codec === "ans" && e.bits === bits)!;
      expect(at(8).accuracyDrop, `cut ${cut}`).toBeLessThanOrEqual(at(2).accuracyDrop);
      expect(at(8).bytes).toBeGreaterThan(at(2).bytes);
      // Lossless coders see the same decoded features: the same accuracy, different bytes.
      expect(p.encodings.find((e) => e.cut === cut && e.codec === "huffman" && e.bits === 2)!.accuracyDrop).toBe(at(2).accuracyDrop);
      expect(at(2).stability.epochs).toBe(3);
    }
    // The profile is the planner's input as is.
    const planned = await jalad(["plan", "--profile", out, "--bandwidth", "1MB/s", "--max-accuracy-drop", "0.5", "--json"]);
    expect(planned.code, planned.stderr).toBe(0);
    expect(ids).toContain((JSON.parse(planned.stdout) as { cut: number }).cut);
    // Rerunning the same command resumes from <out>.partial.json: no frame is processed again.
    expect(existsSync(`${out}.partial.json`)).toBe(true);
    const again = await jalad(["calibrate", "--model", "ppocr-det", "--frames", frames, "--count", "3", "--bits", "2,8", "--coders", "ans,huffman", "--max-cuts", "2", "--epochs", "3", "--out", out], 300_000);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/frames,/);
    expect((JSON.parse(readFileSync(out, "utf8")) as Profile).encodings.length).toBe(p.encodings.length);
  });

  test("reads frames from a video file through ffmpeg", async () => {
    const clip = join(tmp, "clip.mp4");
    execFileSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-loop", "1", "-i", photo("imageTextN.png"), "-vf", "scale=320:240,zoompan=z='1+0.01*on':d=1:s=320x240", "-frames:v", "4", "-pix_fmt", "yuv420p", "-y", clip]);
    const out = join(tmp, "cls.profile.json");
    const r = await jalad(["calibrate", "--model", "ppocr-cls", "--frames", clip, "--count", "4", "--bits", "4", "--coders", "ans", "--max-cuts", "2", "--out", out], 120_000);
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(readFileSync(out, "utf8")) as Profile;
    expect(p.task).toBe("classification");
    expect(p.encodings.find((e) => e.codec === "raw")).toMatchObject({ bytes: 48 * 192 * 3, accuracyDrop: 0 });
  });

  test("bad sources and arguments are one-line errors", async () => {
    expectUsageError(await jalad(["calibrate", "--model", "ppocr-cls", "--frames", join(tmp, "nothing-here"), "--out", join(tmp, "x.json")]), /nothing-here does not exist/);
    expectUsageError(await jalad(["calibrate", "--model", "ppocr-cls", "--frames", tmp, "--bits", "2,99", "--out", join(tmp, "x.json")]), /--bits: "99" is not an integer in 1\.\.16/);
    expectUsageError(await jalad(["calibrate", "--model", "ppocr-cls", "--frames", tmp, "--coders", "ans,zip", "--out", join(tmp, "x.json")]), /--coders: "zip" is not one of/);
    expectUsageError(await jalad(["calibrate", "--model", "ppocr-cls", "--frames", tmp, "--task", "poetry", "--out", join(tmp, "x.json")]), /--task expects auto or one of/);
  });
});

describe("jalad profile", () => {
  test("measures the edge role and merges with a cloud preset", async () => {
    const edge = join(tmp, "edge.json");
    const r = await jalad(["profile", "--model", "ppocr-cls", "--role", "edge", "--runs", "2", "--coders", "ans", "--edge-slowdown", "4", "--out", edge], 120_000);
    expect(r.code, r.stderr).toBe(0);
    const lp = JSON.parse(readFileSync(edge, "utf8")) as { kind: string; role: string; device: { edgeSlowdown: number }; cuts: { id: number; ms: number }[]; codecs: unknown[] };
    expect(lp).toMatchObject({ kind: "latency-profile", role: "edge", device: { edgeSlowdown: 4 } });
    expect(lp.cuts[0]).toMatchObject({ id: 0, ms: 0 });
    expect(lp.cuts.at(-1)!.ms).toBeGreaterThan(0);
    expect(lp.codecs.length).toBeGreaterThan(0);
    const cal = join(tmp, "cls-cal.json");
    expect((await jalad(["calibrate", "--model", "ppocr-cls", "--frames", photoDir(["imageTextR.png"]), "--count", "1", "--bits", "4", "--coders", "ans", "--out", cal], 120_000)).code).toBe(0);
    const merged = join(tmp, "merged.json");
    const m = await jalad(["profile", "merge", "--calibration", cal, "--edge", edge, "--cloud", "cloud-12tflops", "--out", merged]);
    expect(m.code, m.stderr).toBe(0);
    const mp = JSON.parse(readFileSync(merged, "utf8")) as Profile;
    expect(mp.cuts[0]!.edgeMs).toBe(0);
    expect(mp.cuts.at(-1)!.cloudMs).toBe(0);
    // The cloud preset: 12 TFLOPS at w = 2.1761, so the whole classifier (≈37 MFLOPs) takes ≈ 0.0066 ms.
    expect(mp.cuts[0]!.cloudMs).toBeGreaterThan(0.004);
    expect(mp.cuts[0]!.cloudMs).toBeLessThan(0.01);
    expectUsageError(await jalad(["profile", "merge", "--calibration", cal, "--edge", cal, "--cloud", "cloud-12tflops", "--out", merged]), /expected an edge latency profile/);
  });
});
