// `jalad codec info` and `jalad codec roundtrip`: real binary, real PP-OCRv4 detector, real photo.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { expectUsageError, jalad } from "../helpers/cli.js";
import { photo } from "../helpers/ort.js";

const tmp = mkdtempSync(join(tmpdir(), "jalad-codec-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const GOLDEN = join(import.meta.dirname, "../fixtures/wire/minmax4-ans-two-tensors.bin");


describe("jalad codec", () => {
  test("info validates a message and prints its header", async () => {
    const r = await jalad(["codec", "info", GOLDEN]);
    expect(r.code, r.stderr).toBe(0);
    const h = JSON.parse(r.stdout) as { camera: string; cutId: number; tensors: { name: string; coder: string; quantizer: { bits: number } }[] };
    expect(h.camera).toBe("golden-cam");
    expect(h.cutId).toBe(43);
    expect(h.tensors.map((t) => t.coder)).toEqual(["ans", "ans"]);
    expect(h.tensors[0]!.quantizer.bits).toBe(4);
  });

  test("info rejects malformed files with exit 2 and one line", async () => {
    const golden = readFileSync(GOLDEN);
    const truncated = join(tmp, "truncated.bin");
    writeFileSync(truncated, golden.subarray(0, golden.length - 10));
    expectUsageError(await jalad(["codec", "info", truncated]), /truncated\.bin: BAD_CHECKSUM/);
    const junk = join(tmp, "junk.bin");
    writeFileSync(junk, "this is not a feature message");
    expectUsageError(await jalad(["codec", "info", junk]), /junk\.bin: BAD_MAGIC/);
    expectUsageError(await jalad(["codec", "info", join(tmp, "absent.bin")]), /cannot read .*absent\.bin \(ENOENT\)/);
  });

  test("roundtrip on PP-OCRv4 detection reports bytes, flips and times, and writes a valid message", async () => {
    const out = join(tmp, "m.bin");
    const r = await jalad(["codec", "roundtrip", "--model", "ppocr-det", "--cut", "43", "--bits", "4", "--coder", "ans", "--image", photo("imageTextN.png"), "--out", out, "--json"], 120_000);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, number>;
    for (const k of ["bytes", "bitsPerElement", "elements", "flipFraction", "textFlipFraction", "encodeMs", "decodeMs"]) expect(j, k).toHaveProperty(k);
    expect(j.bytes).toBe(readFileSync(out).length);
    expect(j.bitsPerElement).toBeCloseTo((j.bytes! * 8) / j.elements!, 6);
    expect(j.bitsPerElement).toBeLessThan(4); // entropy coding beats the raw 4 bits
    expect(j.flipFraction).toBeGreaterThanOrEqual(0);
    expect(j.flipFraction).toBeLessThan(0.05);
    const info = await jalad(["codec", "info", out]);
    expect(info.code, info.stderr).toBe(0);
    expect((JSON.parse(info.stdout) as { cutId: number }).cutId).toBe(43);
  });

  test("a lossless float32 round trip changes nothing", async () => {
    const r = await jalad(["codec", "roundtrip", "--model", "ppocr-cls", "--cut", "5", "--quantizer", "f32", "--coder", "deflate", "--image", photo("imageTextR.png"), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { featureMaxAbsError: number; outputMaxAbsError: number };
    expect(j.featureMaxAbsError).toBe(0);
    expect(j.outputMaxAbsError).toBeLessThanOrEqual(1e-5);
  });

  test("bad arguments are one-line errors with exit 2", async () => {
    const base = ["codec", "roundtrip", "--model", "ppocr-cls", "--cut", "5", "--image", photo("imageTextR.png")];
    expectUsageError(await jalad([...base, "--coder", "zip"]), /--coder expects one of/);
    expectUsageError(await jalad([...base, "--bits", "0"]), /--bits expects an integer ≥ 1/);
    expectUsageError(await jalad([...base, "--bits", "17"]), /--bits expects 1\.\.16/);
    expectUsageError(await jalad([...base, "--quantizer", "fancy"]), /unknown quantizer "fancy"/);
    expectUsageError(await jalad(["codec", "roundtrip", "--model", "ppocr-cls", "--cut", "5", "--image", join(tmp, "nope.png")]), /cannot decode image .*nope\.png/);
    expectUsageError(await jalad(["codec", "roundtrip", "--model", "ppocr-cls", "--cut", "99999", "--image", photo("imageTextR.png")]), /unknown cut id 99999/);
  });
});
