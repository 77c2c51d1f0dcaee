/** `jalad codec info` and `jalad codec roundtrip`. */
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { CODER_NAMES, type CoderName } from "../../codec/coder.js";
import { DEFAULT_CODER, RAW_CODER_ID, coderById } from "../../codec/coders.js";
import { CodecError } from "../../codec/errors.js";
import { type EncodingSpec, QUANTIZER_NAMES, decodeFeatures, quantizerByName } from "../../codec/features.js";
import { codecRoundtrip } from "../../pipelines/codec-roundtrip.js";
import { resolveModelArg } from "../../services/bundled-models.js";
import { ImageError } from "../../services/image.js";
import { CliError } from "../errors.js";
import { readBytes } from "../files.js";
import { formatBytes } from "../format.js";
import { parseCount } from "../options.js";

/** Registers the `codec` command group. */
export function registerCodecCommands(program: Command): void {
  const codec = program.command("codec").description("encode, decode and check feature messages");

  codec.command("info")
    .argument("<message.bin>", "a feature message")
    .description("fully validate a feature message (CRC, every payload) and print its header as JSON")
    .action((path: string) => {
      const buf = readBytes(path);
      let decoded;
      try {
        decoded = decodeFeatures(buf);
      } catch (e) {
        if (e instanceof CodecError) throw new CliError(`${path}: ${e.code}: ${e.message}`, 2, { cause: e });
        throw e;
      }
      const header = {
        bytes: buf.length, ...decoded.meta,
        tensors: decoded.tensors.map((t) => {
          const q = t.header.quantizer;
          return {
            name: t.name, dims: t.dims, dataType: t.header.dataType,
            quantizer: q.kind === "float32" || q.kind === "float16" ? { kind: q.kind } : { kind: q.kind, bits: q.bits, granularity: q.granularity, axis: q.axis, clipped: q.clipped, groups: q.a.length },
            coder: t.header.coderId === RAW_CODER_ID ? "raw" : (coderById(t.header.coderId)?.name ?? t.header.coderId),
            payloadBytes: t.header.payloadLength,
          };
        }),
      };
      console.log(JSON.stringify(header, null, 2));
    });

  codec.command("roundtrip")
    .description("run the front segment on an image, encode, decode, run the back segment; report bytes, error and time")
    .requiredOption("--model <model>", "ONNX file or bundled model name (ppocr-det, ...)")
    .requiredOption("--cut <id>", "cut id (jalad model inspect)", parseCount("--cut"))
    .requiredOption("--image <file>", "PNG or JPEG image, resized to the model input")
    .option("--bits <c>", "bits per value, 1..16 (ignored for f16/f32)", parseCount("--bits", 1), 4)
    .option("--coder <name>", `entropy coder: ${CODER_NAMES.join(", ")} (or raw)`, DEFAULT_CODER)
    .option("--quantizer <name>", `quantizer: ${QUANTIZER_NAMES.join(", ")}`, "minmax")
    .option("--input-shape <dims>", "input shape (default: the bundled model's)")
    .option("--max-crossing <k>", "as for model inspect (cut ids depend on it)", parseCount("--max-crossing", 1), 4)
    .option("--out <message.bin>", "write the encoded message here")
    .option("--json", "print the result as JSON")
    .action(async (flags: { model: string; cut: number; image: string; bits: number; coder: string; quantizer: string; inputShape?: string; maxCrossing: number; out?: string; json?: boolean }) => {
      if (flags.bits > 16) throw new CliError(`--bits expects 1..16, got ${flags.bits}`);
      if (flags.coder !== "raw" && !(CODER_NAMES as readonly string[]).includes(flags.coder)) throw new CliError(`--coder expects one of ${CODER_NAMES.join(", ")}, raw; got "${flags.coder}"`);
      let encoding: EncodingSpec;
      try {
        encoding = { quantizer: quantizerByName(flags.quantizer, flags.bits), coder: flags.coder as CoderName | "raw" };
      } catch (e) {
        throw new CliError(`--quantizer: ${(e as Error).message}`);
      }
      if (encoding.quantizer.kind.startsWith("float") && encoding.coder !== "raw" && encoding.coder !== "deflate") encoding = { ...encoding, coder: "raw" };
      const path = resolveModelArg(flags.model);
      let r;
      try {
        r = await codecRoundtrip({ model: path, cutId: flags.cut, encoding, image: flags.image, maxCrossing: flags.maxCrossing, ...(flags.inputShape !== undefined ? { inputShape: flags.inputShape } : {}) });
      } catch (e) {
        if (e instanceof ImageError) throw new CliError(e.message, 2, { cause: e });
        if (e instanceof CodecError) throw new CliError(`${e.code}: ${e.message}`, 2, { cause: e });
        throw e;
      }
      if (flags.out !== undefined) {
        try {
          writeFileSync(flags.out, r.message);
        } catch (e) {
          throw new CliError(`cannot write ${flags.out} (${(e as NodeJS.ErrnoException).code ?? "error"})`);
        }
      }
      const json = { bytes: r.bytes, bitsPerElement: r.bitsPerElement, elements: r.elements, flipFraction: r.flipFraction, textFlipFraction: r.textFlipFraction, encodeMs: r.encodeMs, decodeMs: r.decodeMs, featureMaxAbsError: r.featureMaxAbsError, outputMaxAbsError: r.outputMaxAbsError };
      if (flags.json === true) {
        console.log(JSON.stringify(json));
        return;
      }
      const pct = (x: number | null): string => (x === null ? "n/a" : `${(100 * x).toFixed(3)}%`);
      console.log([
        `cut ${flags.cut}, ${encoding.quantizer.kind}${"bits" in encoding.quantizer ? ` ${encoding.quantizer.bits} bits` : ""}, ${encoding.coder}`,
        `  bytes        ${r.bytes} (${formatBytes(r.bytes)}; float32 ${formatBytes(r.float32Bytes)}, ${(r.float32Bytes / r.bytes).toFixed(1)}× smaller)`,
        `  bits/element ${r.bitsPerElement.toFixed(3)} over ${r.elements} elements`,
        `  error        features max |Δ| ${r.featureMaxAbsError.toPrecision(3)}, outputs max |Δ| ${r.outputMaxAbsError.toPrecision(3)}`,
        `  flips        ${pct(r.flipFraction)} of pixels, ${pct(r.textFlipFraction)} of text pixels (threshold 0.3)`,
        `  time         encode ${r.encodeMs.toFixed(2)} ms, decode ${r.decodeMs.toFixed(2)} ms (median of 5)`,
      ].join("\n"));
    });
}
