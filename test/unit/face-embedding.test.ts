// Face embedding accuracy: nearest gallery identity and cosine similarity to the unsplit descriptors.
import { describe, expect, test } from "vitest";
import { faceEmbeddingAdapter, taskAdapter } from "../../tasks/adapter.js";
import { compareEmbeddings, makeGallery, nearestIdentity } from "../../tasks/face-embedding.js";
import { FACE_GALLERY, FACE_GALLERY_ENTRIES } from "../../tasks/face-gallery.js";

const gallery = makeGallery([
  { name: "a", descriptor: [1, 0, 0] },
  { name: "b", descriptor: [0, 1, 0] },
  { name: "c", descriptor: [0, 0, 1] },
]);

describe("face embedding accuracy", () => {
  test("nearest identity by Euclidean distance", () => {
    expect(nearestIdentity([0.9, 0.2, 0], gallery)).toBe(0);
    expect(nearestIdentity([0, 0, 0, 0.1, 0.2, 0.8], gallery, 3)).toBe(2);
    expect(nearestIdentity([1, 1, 1], makeGallery([]))).toBe(-1);
  });

  test("identical descriptors: no drop", () => {
    const r = Float32Array.from([1, 0, 0, 0, 1, 0]);
    expect(compareEmbeddings(r, r.slice(), gallery)).toEqual({ faces: 2, identityChangeFraction: 0, meanCosine: 1, accuracyDrop: 0 });
  });

  test("drop = fraction of faces whose identity changes + (1 − mean cosine)", () => {
    const ref = Float32Array.from([1, 0.1, 0, 0, 1, 0]);
    // face 0 keeps identity a (slightly rotated), face 1 moves to c.
    const got = Float32Array.from([1, 0.2, 0, 0, 0.6, 0.8]);
    const c = compareEmbeddings(ref, got, gallery);
    const cos0 = (1 + 0.02) / (Math.sqrt(1.01) * Math.sqrt(1.04));
    const cos1 = 0.6;
    expect(c.identityChangeFraction).toBe(0.5);
    expect(c.meanCosine).toBeCloseTo((cos0 + cos1) / 2, 6);
    expect(c.accuracyDrop).toBeCloseTo(0.5 + 1 - (cos0 + cos1) / 2, 6);
  });

  test("the drop is clamped to 1; mismatched batches throw", () => {
    expect(compareEmbeddings(Float32Array.from([1, 0, 0]), Float32Array.from([0, 0, 1]), gallery).accuracyDrop).toBe(1);
    expect(() => compareEmbeddings(Float32Array.from([1, 0, 0]), Float32Array.from([1, 0]), gallery)).toThrow(/differ/);
    expect(() => makeGallery([{ name: "x", descriptor: [1, 2] }, { name: "y", descriptor: [1] }])).toThrow(/"y" has 1 values, expected 2/);
  });

  test("the adapter's agreement is 1 − drop", () => {
    const ad = faceEmbeddingAdapter(gallery);
    const r = ad.predict({ data: Float32Array.from([1, 0.1, 0]), dims: [1, 3] });
    expect(ad.agreement(r, r)).toBe(1);
    expect(ad.agreement(r, Float32Array.from([0, 0, 1]))).toBe(0);
  });

  test("the default gallery holds 128-d descriptors of real faces", () => {
    expect(FACE_GALLERY.dim).toBe(128);
    expect(FACE_GALLERY.names.length).toBe(FACE_GALLERY_ENTRIES.length);
    expect(FACE_GALLERY.names.length).toBeGreaterThanOrEqual(5);
    const ad = taskAdapter("face-embedding");
    const first = FACE_GALLERY.descriptors.slice(0, 128);
    expect(ad.agreement(first, first)).toBe(1);
    expect(nearestIdentity(first, FACE_GALLERY)).toBe(0);
  });
});
