// Split equivalence on the project's own fixture models (residual, inception, U-Net long skip,
// multi-output with runtime Shape), analysed at batch 1 and run at batch 3 (dynamic batch dim).
import { describe, expect, test } from "vitest";
import { IMAGENET_NORMALIZE } from "../../model/preprocess.js";
import { FIXTURE_MODELS } from "../fixtures/models.js";
import { analyzeModel, defineSplitSuite } from "../helpers/equivalence.js";
import { photoBatch } from "../helpers/ort.js";


for (const [name, build] of Object.entries(FIXTURE_MODELS)) {
  await defineSplitSuite({ describe, test, expect }, `fixture ${name} (batch 3)`,
    () => analyzeModel(build(), { inputShape: "1x3x32x32" }),
    async () => ({ image: await photoBatch(["fruits.jpg", "baboon.jpg", "building.jpg"], 32, 32, IMAGENET_NORMALIZE) }));
}
