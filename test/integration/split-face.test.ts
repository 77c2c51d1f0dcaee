// Split equivalence on the imported face-api models (generated on first use): the SSD-MobileNetV1
// face detector on a real photo with a face, and the ResNet-34 embedder on a real face crop.
import { describe, expect, test } from "vitest";
import { FACE_EMBED_NORMALIZE, FACE_SSD_NORMALIZE } from "../../model/face-api/nets.js";
import { analyzeModel, defineSplitSuite } from "../helpers/equivalence.js";
import { bundled } from "../helpers/models.js";
import { photoBatch } from "../helpers/ort.js";

// The astronaut's face in astronaut.png (scikit-image data), squared around the box our detector
// finds there (181,73 → 264,175), in source pixels.
const FACE = { left: 171, top: 73, width: 102, height: 102 };

await defineSplitSuite({ describe, test, expect }, "face-api SSD-MobileNetV1 @512×512",
  () => analyzeModel(bundled("face-ssd"), { inputShape: "1x3x512x512" }),
  async () => ({ image: await photoBatch(["astronaut.png"], 512, 512, FACE_SSD_NORMALIZE) }));

await defineSplitSuite({ describe, test, expect }, "face-api face recognition (ResNet-34) @150×150",
  () => analyzeModel(bundled("face-embed"), { inputShape: "1x3x150x150" }),
  async () => ({ image: await photoBatch(["astronaut.png"], 150, 150, FACE_EMBED_NORMALIZE, FACE) }));
