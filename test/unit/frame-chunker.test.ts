import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { FrameChunker } from "../../services/ffmpeg-process.js";

describe("FrameChunker", () => {
  test("however the stream is cut into chunks, the frames are its consecutive frameBytes-sized slices", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), (frameBytes, chunks) => {
        const stream = Uint8Array.from(chunks.flatMap((c) => [...c]));
        const chunker = new FrameChunker(frameBytes);
        const frames = chunks.flatMap((c) => chunker.push(c));
        expect(frames.length).toBe(Math.floor(stream.length / frameBytes));
        frames.forEach((f, i) => expect(f).toEqual(stream.subarray(i * frameBytes, (i + 1) * frameBytes)));
        expect(chunker.pendingBytes).toBe(stream.length % frameBytes);
      }),
    );
  });

  test("frames handed out are never overwritten by later chunks", () => {
    const chunker = new FrameChunker(3);
    const [first] = chunker.push(Uint8Array.of(1, 2, 3, 4));
    chunker.push(Uint8Array.of(5, 6, 7, 8, 9));
    expect(first).toEqual(Uint8Array.of(1, 2, 3));
  });

  test("rejects a frame size that is not a positive integer", () => {
    expect(() => new FrameChunker(0)).toThrow(RangeError);
    expect(() => new FrameChunker(2.5)).toThrow(RangeError);
  });
});
