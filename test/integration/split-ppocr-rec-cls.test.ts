// Split equivalence on PP-OCRv4 recognition and the PP-OCR direction classifier, on a real text-line crop.
import { describe, expect, test } from "vitest";
import { PADDLE_REC_NORMALIZE } from "../../model/preprocess.js";
import { analyzeModel, defineSplitSuite } from "../helpers/equivalence.js";
import { photoBatch } from "../helpers/ort.js";
import { bundled } from "../helpers/models.js";

// The second text line of imageTextN.png (a scanned book page), in source pixels.
const LINE = { left: 0, top: 18, width: 540, height: 24 };

await defineSplitSuite({ describe, test, expect }, "PP-OCRv4 rec @48×320",
  () => analyzeModel(bundled("ppocr-rec"), { inputShape: "1x3x48x320" }),
  async () => ({ x: await photoBatch(["imageTextN.png"], 320, 48, PADDLE_REC_NORMALIZE, LINE) }));

await defineSplitSuite({ describe, test, expect }, "PP-OCR direction classifier @48×192",
  () => analyzeModel(bundled("ppocr-cls"), { inputShape: "1x3x48x192" }),
  async () => ({ x: await photoBatch(["imageTextN.png"], 192, 48, PADDLE_REC_NORMALIZE, LINE) }));
