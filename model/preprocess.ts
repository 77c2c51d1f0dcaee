/**
 * Image → input tensor preprocessing (pure): channel order, scale, mean/std normalisation,
 * HWC uint8 → NCHW float32.
 */

/** How a model expects its image input normalised: value = (pixel·scale − mean[c]) / std[c]. */
export interface NormalizeSpec {
  /** Channel order of the tensor. PaddleOCR models read BGR (OpenCV). */
  readonly channelOrder: "rgb" | "bgr";
  /** Multiplier applied to 0..255 pixels first. Default 1/255. */
  readonly scale?: number;
  /** Per-channel mean, in tensor channel order. */
  readonly mean: readonly [number, number, number];
  /** Per-channel standard deviation, in tensor channel order. */
  readonly std: readonly [number, number, number];
}

/** ImageNet mean/std on RGB pixels: the default for models jalad has no preprocessing for. */
export const IMAGENET_NORMALIZE: NormalizeSpec = { channelOrder: "rgb", mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** PaddleOCR's detection normalisation (ImageNet mean/std applied to BGR pixels, as PaddleOCR does). */
export const PADDLE_DET_NORMALIZE: NormalizeSpec = { channelOrder: "bgr", mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
/** PaddleOCR's recognition and classifier normalisation: (x/255 − 0.5)/0.5. */
export const PADDLE_REC_NORMALIZE: NormalizeSpec = { channelOrder: "bgr", mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };

/**
 * Converts interleaved RGB pixels (`width`·`height`·3 bytes, row-major) to a CHW float32 tensor,
 * written into `out` at `offset` (so several images can fill one batch). Returns `out`.
 */
export function rgbToTensor(rgb: Uint8Array, width: number, height: number, spec: NormalizeSpec, out = new Float32Array(3 * width * height), offset = 0): Float32Array {
  const plane = width * height;
  if (rgb.length < plane * 3) throw new RangeError(`rgbToTensor: expected ${plane * 3} bytes for ${width}x${height}, got ${rgb.length}`);
  if (out.length < offset + 3 * plane) throw new RangeError(`rgbToTensor: output too small for ${width}x${height} at offset ${offset}`);
  const scale = spec.scale ?? 1 / 255;
  for (let c = 0; c < 3; c++) {
    const src = spec.channelOrder === "rgb" ? c : 2 - c;
    const m = spec.mean[c] as number;
    const k = scale / (spec.std[c] as number);
    const b = m / (spec.std[c] as number);
    const base = offset + c * plane;
    for (let i = 0; i < plane; i++) out[base + i] = (rgb[i * 3 + src] as number) * k - b;
  }
  return out;
}
