/** Image file decoding and resizing with sharp. */
import sharp from "sharp";

/** Decoded interleaved RGB pixels. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** width·height·3 bytes, row-major. */
  readonly data: Uint8Array;
}

/** Typed error for unreadable or undecodable images. */
export class ImageError extends Error {
  override readonly name = "ImageError";
}

/**
 * Decodes an image file (PNG, JPEG, ...) and resizes it to exactly `width`×`height`
 * (aspect ratio not kept, as PaddleOCR's fixed-size detection resize does), after an optional
 * crop in source pixels. Alpha is dropped.
 */
export async function readRgbResized(path: string | Uint8Array, width: number, height: number, crop?: { left: number; top: number; width: number; height: number }): Promise<RgbImage> {
  try {
    const img = sharp(path);
    if (crop !== undefined) img.extract(crop);
    const { data, info } = await img.removeAlpha().resize(width, height, { fit: "fill" }).raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (e) {
    throw new ImageError(`cannot decode image ${typeof path === "string" ? path : "<bytes>"}: ${(e as Error).message}`, { cause: e });
  }
}

/** Encodes RGB pixels as PNG or JPEG (quality 1..100) with sharp (runs off the event loop). */
export async function encodeRgb(img: RgbImage, format: "png" | "jpeg", quality = 90): Promise<Uint8Array> {
  const s = sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
  const b = await (format === "png" ? s.png() : s.jpeg({ quality })).toBuffer();
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
