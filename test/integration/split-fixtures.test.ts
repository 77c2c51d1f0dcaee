// Split equivalence on the project's own fixture models (residual, inception, U-Net long skip,
// multi-output with runtime Shape), analysed at batch 1 and run at batch 3 (dynamic batch dim).
import { describe, expect, test } from "vitest";
import { FIXTURE_MODELS } from "../fixtures/models.js";
import { analyzeModel, defineSplitSuite } from "../helpers/equivalence.js";
import { photoBatch } from "../helpers/ort.js";

const IMAGENET = { channelOrder: "rgb", mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;

for (const [name, build] of Object.entries(FIXTURE_MODELS)) {
  await defineSplitSuite({ describe, test, expect }, `fixture ${name} (batch 3)`,
    () => analyzeModel(build(), { inputShape: "1x3x32x32" }),
    async () => ({ image: await photoBatch(["fruits.jpg", "baboon.jpg", "building.jpg"], 32, 32, IMAGENET) }));
}
