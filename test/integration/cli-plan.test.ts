// `jalad plan` and `jalad report profile` on a hand-made profile whose optima are worked out below.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { expectUsageError, jalad } from "../helpers/cli.js";

const PROFILE = join(import.meta.dirname, "../fixtures/profiles/small.profile.json");
const tmp = mkdtempSync(join(tmpdir(), "jalad-plan-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface PlanJson { cut: number; codec: string; bits: number | null; predicted: { edgeMs: number; transferMs: number; cloudMs: number; totalMs: number; fps: number; bytes: number; accuracyDrop: number } }

async function planJson(...args: string[]): Promise<PlanJson> {
  const r = await jalad(["plan", "--profile", PROFILE, "--json", ...args]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as PlanJson;
}

describe("jalad plan", () => {
  test("picks the latency optimum at each bandwidth", async () => {
    // 300 KB/s, budget 1%: edge only (60 + 100 B at 300 KB/s = 60.33 ms) beats c=8 (22 + 200 + 6 = 228 ms) and JPEG (3 + 333 + 12).
    expect(await planJson("--bandwidth", "300KB/s", "--max-accuracy-drop", "0.01")).toMatchObject({ cut: 2, codec: "result", bits: null });
    // 10 MB/s: JPEG (3 + 10 + 12 = 25 ms) beats c=8 (22 + 6 + 6 = 34 ms).
    const fast = await planJson("--bandwidth", "10MB/s", "--max-accuracy-drop", "0.01");
    expect(fast).toMatchObject({ cut: 0, codec: "jpeg-q90" });
    expect(fast.predicted.totalMs).toBeCloseTo(25, 9);
    // 1 MB/s with a 2% budget: c=4 (22 + 30 + 6 = 58 ms) beats edge only (60.1 ms).
    const mid = await planJson("--bandwidth", "1MB/s", "--max-accuracy-drop", "0.02");
    expect(mid).toMatchObject({ cut: 1, codec: "ans", bits: 4 });
    expect(mid.predicted).toMatchObject({ edgeMs: 22, cloudMs: 6, bytes: 30000, accuracyDrop: 0.02 });
    // Units: 8 Mbit/s is 1 MB/s.
    expect(await planJson("--bandwidth", "8Mbit/s", "--max-accuracy-drop", "0.02")).toMatchObject({ cut: 1, bits: 4 });
  });

  test("throughput and latency-at-fps objectives", async () => {
    // Throughput at 1 MB/s, 2%: c=4's slowest stage is 30 ms transfer (33.3 fps); edge only's is 60 ms.
    expect(await planJson("--bandwidth", "1MB/s", "--max-accuracy-drop", "0.02", "--objective", "throughput")).toMatchObject({ cut: 1, bits: 4 });
    // At 10 MB/s with ≥ 60 fps, JPEG (slowest stage 12 ms: 83 fps) is the fastest-latency plan that qualifies.
    expect(await planJson("--bandwidth", "10MB/s", "--max-accuracy-drop", "0.01", "--objective", "latency-at-fps", "--min-fps", "60")).toMatchObject({ cut: 0, codec: "jpeg-q90" });
  });

  test("an infeasible budget exits 3 with one line naming the closest plan", async () => {
    const r = await jalad(["plan", "--profile", PROFILE, "--bandwidth", "1KB/s", "--max-accuracy-drop", "0.01", "--objective", "latency-at-fps", "--min-fps", "100"]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/INFEASIBLE: .*the fastest is cut/);
  });

  test("--edge-slowdown plans for a slower edge: the face embedder's cut moves earlier as k grows", async () => {
    const profile = join(import.meta.dirname, "../../profiles/face-embed.profile.json");
    const at = async (k: string): Promise<{ cut: number; predicted: { edgeMs: number } }> => {
      const r = await jalad(["plan", "--profile", profile, "--bandwidth", "300KB/s", "--edge-slowdown", k, "--json"]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { cut: number; predicted: { edgeMs: number } };
    };
    const fast = await at("1");
    const slow = await at("8");
    expect(slow.cut).not.toBe(fast.cut);
    expect(slow.cut).toBeLessThan(fast.cut); // less of a slow edge's compute before the cut
    expectUsageError(await jalad(["plan", "--profile", profile, "--bandwidth", "300KB/s", "--edge-slowdown", "0.5"]), /--edge-slowdown expects a number ≥ 1/);
  });

  test("the human output lists the choice and ranked alternatives", async () => {
    const r = await jalad(["plan", "--profile", PROFILE, "--bandwidth", "1MB/s", "--max-accuracy-drop", "0.02"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/chosen\s+1\s+ans\s+4/);
    expect(r.stdout).toMatch(/#2\s+2\s+result/);
  });

  test("plans many cameras jointly on one uplink", async () => {
    const cams = join(tmp, "cams.json");
    writeFileSync(cams, JSON.stringify({ uplink: "3MB/s", objective: "sum", cameras: [0, 1, 2].map((i) => ({ id: `cam${i}`, profile: PROFILE, maxAccuracyDrop: 0.02, fps: 10 })) }));
    const r = await jalad(["plan", "--cameras", cams, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout) as { cameras: { camera: string; bytesPerSec: number }[]; uplinkBytesPerSec: number };
    expect(p.cameras.map((c) => c.camera)).toEqual(["cam0", "cam1", "cam2"]);
    expect(p.uplinkBytesPerSec).toBeLessThanOrEqual(3_000_000);
  });

  test("bad profiles and arguments are one-line errors with exit 2", async () => {
    const bad = join(tmp, "bad.json");
    writeFileSync(bad, JSON.stringify({ version: 1, model: { name: "x", sha256: "y" }, cuts: [{ id: 0, edgeMs: 5, cloudMs: 1 }], encodings: [] }));
    expectUsageError(await jalad(["plan", "--profile", bad, "--bandwidth", "1MB/s"]), /bad\.json: .*cuts/);
    expectUsageError(await jalad(["plan", "--profile", PROFILE, "--bandwidth", "fast"]), /--bandwidth: /);
    expectUsageError(await jalad(["plan", "--profile", PROFILE, "--bandwidth", "1MB/s", "--max-accuracy-drop", "5"]), /fraction in 0\.\.1/);
    expectUsageError(await jalad(["plan", "--profile", PROFILE, "--bandwidth", "1MB/s", "--objective", "speed"]), /--objective expects one of/);
  });
});

describe("jalad report profile", () => {
  test("writes the size, accuracy and latency charts as SVG and PNG", async () => {
    const out = join(tmp, "charts");
    const r = await jalad(["report", "profile", PROFILE, "--out", out, "--max-accuracy-drop", "0.02"]);
    expect(r.code, r.stderr).toBe(0);
    for (const name of ["sizes", "accuracy", "latency"]) {
      expect(readFileSync(join(out, `${name}.svg`), "utf8")).toMatch(/^<svg[\s\S]*<\/svg>$/);
      expect(readFileSync(join(out, `${name}.png`)).subarray(1, 4).toString()).toBe("PNG");
    }
    expect(readFileSync(join(out, "latency.svg"), "utf8")).toMatch(/planner \(envelope\)/);
  });
});
