/**
 * Face embedding (face-api face recognition, 128-d descriptors) comparison (pure): how much a
 * split-and-compressed descriptor still identifies the same person as the unsplit one.
 *
 * Accuracy drop of a batch of faces = (fraction of faces whose nearest gallery identity changes)
 * + (1 − mean cosine similarity to the unsplit descriptors), clamped to [0, 1].
 */
import { cosineSimilarity } from "./generic.js";

/** Known identities: one reference descriptor each. */
export interface Gallery {
  /** Identity names, one per descriptor. */
  readonly names: readonly string[];
  /** Descriptors, row-major, `names.length` × `dim`. */
  readonly descriptors: Float32Array;
  /** Descriptor length (128 for face-api). */
  readonly dim: number;
}

/** Builds a gallery from named descriptors (all of one length). */
export function makeGallery(entries: ReadonlyArray<{ readonly name: string; readonly descriptor: ArrayLike<number> }>): Gallery {
  const dim = entries[0]?.descriptor.length ?? 0;
  const descriptors = new Float32Array(entries.length * dim);
  entries.forEach((e, i) => {
    if (e.descriptor.length !== dim) throw new RangeError(`gallery descriptor "${e.name}" has ${e.descriptor.length} values, expected ${dim}`);
    descriptors.set(Array.from(e.descriptor), i * dim);
  });
  return { names: entries.map((e) => e.name), descriptors, dim };
}

/** Index of the gallery identity nearest (Euclidean distance, as face-api's FaceMatcher) to `x[offset, offset + dim)`; -1 for an empty gallery. */
export function nearestIdentity(x: ArrayLike<number>, gallery: Gallery, offset = 0): number {
  let best = -1;
  let bestD = Infinity;
  const n = gallery.names.length;
  for (let k = 0; k < n; k++) {
    let d = 0;
    for (let i = 0; i < gallery.dim; i++) {
      const v = (x[offset + i] as number) - (gallery.descriptors[k * gallery.dim + i] as number);
      d += v * v;
    }
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

/** How a batch of descriptors compares with the unsplit model's. */
export interface EmbeddingComparison {
  /** Faces in the batch. */
  readonly faces: number;
  /** Fraction of faces whose nearest gallery identity differs from the reference's. */
  readonly identityChangeFraction: number;
  /** Mean cosine similarity of each descriptor to its reference. */
  readonly meanCosine: number;
  /** identityChangeFraction + (1 − meanCosine), clamped to [0, 1]. */
  readonly accuracyDrop: number;
}

/** Compares descriptors (rows of `gallery.dim`) with the reference descriptors of the same faces. */
export function compareEmbeddings(reference: Float32Array, got: Float32Array, gallery: Gallery): EmbeddingComparison {
  const dim = gallery.dim;
  if (dim <= 0) throw new RangeError("gallery has no descriptors");
  if (reference.length !== got.length || reference.length % dim !== 0) throw new RangeError(`descriptor batches differ or are not rows of ${dim}: ${reference.length} vs ${got.length} values`);
  const faces = reference.length / dim;
  if (faces === 0) return { faces, identityChangeFraction: 0, meanCosine: 1, accuracyDrop: 0 };
  let changed = 0;
  let cosSum = 0;
  for (let f = 0; f < faces; f++) {
    if (nearestIdentity(reference, gallery, f * dim) !== nearestIdentity(got, gallery, f * dim)) changed++;
    cosSum += cosineSimilarity(reference.subarray(f * dim, (f + 1) * dim), got.subarray(f * dim, (f + 1) * dim));
  }
  const identityChangeFraction = changed / faces;
  const meanCosine = cosSum / faces;
  return { faces, identityChangeFraction, meanCosine, accuracyDrop: Math.min(1, Math.max(0, identityChangeFraction + (1 - meanCosine))) };
}
