import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ModelError } from "../../model/errors.js";
import { ProtoWriter, pushFloats, pushInts, readFields } from "../../model/protobuf.js";

describe("protobuf wire format", () => {
  test("varints round-trip across the int64 range, negatives included", () => {
    fc.assert(fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(0, -1, 2 ** 53 - 1, -(2 ** 53) + 1, 2 ** 31, -(2 ** 31))), (v) => {
      const f = readFields(new ProtoWriter().varint(3, v).finish(), "t");
      expect(f).toHaveLength(1);
      expect(f[0]?.no).toBe(3);
      expect(f[0]?.varint).toBe(v);
    }));
  });

  test("packed ints and floats round-trip", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -1e9, max: 1e9 })), fc.array(fc.float({ noNaN: true })), (ints, floats) => {
      const bytes = new ProtoWriter().packedInts(1, ints).packedFloats(2, floats).string(3, "héllo").finish();
      const [a, b, c] = readFields(bytes, "t");
      const gotInts: number[] = [];
      const gotFloats: number[] = [];
      pushInts(a!, gotInts, "t");
      pushFloats(b!, gotFloats, "t");
      expect(gotInts).toEqual(ints);
      expect(gotFloats).toEqual(floats.map((x) => Math.fround(x)));
      expect(new TextDecoder().decode(c!.bytes)).toBe("héllo");
    }));
  });

  test("a length past the end is a typed TRUNCATED error naming the field and position", () => {
    const bytes = new ProtoWriter().bytes(7, new Uint8Array(100)).finish().subarray(0, 50);
    expect(() => readFields(bytes, "model")).toThrowError(ModelError);
    try {
      readFields(bytes, "model");
    } catch (e) {
      expect((e as ModelError).code).toBe("TRUNCATED");
      expect((e as ModelError).message).toMatch(/field 7 at byte 0 in model declares 100 bytes but only 48 remain/);
    }
  });

  test("group wire types and zero field numbers are NOT_ONNX", () => {
    expect(() => readFields(Uint8Array.from([0x0b]), "m")).toThrowError(/wire type 3/);
    expect(() => readFields(Uint8Array.from([0x00, 0x01]), "m")).toThrowError(/invalid field number 0/);
  });

  test("random bytes never throw anything but ModelError", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      try {
        readFields(b, "x");
      } catch (e) {
        expect(e).toBeInstanceOf(ModelError);
      }
    }), { numRuns: 2000 });
  });
});
