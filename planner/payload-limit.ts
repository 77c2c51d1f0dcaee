/**
 * Leaving out encodings too large to send inline: frames above the server's max_payload go
 * through the object store, whose chunked, acknowledged uploads cost round trips a profile does
 * not model, so adaptive and static planning alike plan without them. Pure.
 */
import type { Profile } from "./profile.js";

/** The default NATS max_payload (1 MiB) less room for headers, bytes. */
export const INLINE_PAYLOAD_BYTES = 1_040_384;

/** `profile` without the encodings whose mean bytes per frame exceed `maxBytes`. */
export function withinPayload(profile: Profile, maxBytes = INLINE_PAYLOAD_BYTES): Profile {
  return { ...profile, encodings: profile.encodings.filter((e) => e.bytes <= maxBytes) };
}
