/** The registry of entropy coders by CLI name and wire id. */
import { type CoderName, CODER_NAMES, type SymbolCoder } from "./coder.js";
import { ctxCoder } from "./context-coder.js";
import { deflateCoder } from "./deflate.js";
import { CodecError, CodecErrorCode } from "./errors.js";
import { huffmanCoder } from "./huffman.js";
import { ansCoder } from "./rans.js";

/** Wire id of uncoded payloads (float passthroughs, or symbols stored as bytes). */
export const RAW_CODER_ID = 0;

/** Every coder, by name. */
export const CODERS: Readonly<Record<CoderName, SymbolCoder>> = { huffman: huffmanCoder, ans: ansCoder, ctx: ctxCoder, deflate: deflateCoder };

/** The coder the codec recommends when none is named: the best compression at streaming speed. */
export const DEFAULT_CODER: CoderName = "ans";

/** Looks up a coder by name, with a typed error listing the valid names. */
export function coderByName(name: string): SymbolCoder {
  if ((CODER_NAMES as readonly string[]).includes(name)) return CODERS[name as CoderName];
  throw new CodecError(CodecErrorCode.BadInput, "coder", `unknown coder "${name}"; expected one of ${CODER_NAMES.join(", ")}`);
}

/** Looks up a coder by wire id (undefined for {@link RAW_CODER_ID} or unknown ids). */
export function coderById(id: number): SymbolCoder | undefined {
  return Object.values(CODERS).find((c) => c.id === id);
}
