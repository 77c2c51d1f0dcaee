// Split equivalence on PP-OCRv4 detection, even cut ids (odd ids run in a parallel file).
import { describe, expect, test } from "vitest";
import { PADDLE_DET_NORMALIZE } from "../../model/preprocess.js";
import { analyzeModel, defineSplitSuite } from "../helpers/equivalence.js";
import { photoBatch } from "../helpers/ort.js";
import { bundled } from "../helpers/models.js";

await defineSplitSuite({ describe, test, expect }, "PP-OCRv4 det @640×640 on imageTextN.png (even ids)",
  () => analyzeModel(bundled("ppocr-det"), { inputShape: "1x3x640x640" }),
  async () => ({ x: await photoBatch(["imageTextN.png"], 640, 640, PADDLE_DET_NORMALIZE) }),
  (id) => id % 2 === 0);
