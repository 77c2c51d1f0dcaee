/**
 * Typed errors of the `planner/` layer, in the style of nats.js `jserrors.ts`:
 * one class, a stable `code` from an `as const` map, a message that names what is wrong and where.
 */
import type { PlanChoice } from "./candidate.js";

/** Every code a {@link PlannerError} can carry, with when it is thrown. */
export const PlannerErrorCode = {
  /** Thrown when a profile file does not match the schema or breaks an invariant (`path` names the field). */
  BadProfile: "BAD_PROFILE",
  /** Thrown when a rate string is not a non-negative number followed by a known unit. */
  BadRate: "BAD_RATE",
  /** Thrown when an argument is out of its domain (NaN or negative bandwidth, unknown objective, ...). */
  BadArgument: "BAD_ARGUMENT",
  /** Thrown when no plan meets the constraints; the message (and `closest`, when there is one) names the nearest miss. */
  Infeasible: "INFEASIBLE",
  /** Thrown when the MILP solver fails or returns an assignment that does not check out. */
  SolverFailed: "SOLVER_FAILED",
} as const;

/** Union of the values of {@link PlannerErrorCode}. */
export type PlannerErrorCode = (typeof PlannerErrorCode)[keyof typeof PlannerErrorCode];

/** Extra detail a {@link PlannerError} may carry. */
export interface PlannerErrorDetail {
  /** The underlying error, if any. */
  readonly cause?: unknown;
  /** For `BAD_PROFILE`: the offending field, e.g. `encodings[3].accuracyDrop`. */
  readonly path?: string;
  /** For `INFEASIBLE`: the plan that came closest to the constraints. */
  readonly closest?: PlanChoice;
}

/** The one error type thrown by `planner/`. `code` says what kind of problem; the message says where. */
export class PlannerError extends Error {
  override readonly name = "PlannerError";
  /** For `BAD_PROFILE`: the offending field, e.g. `encodings[3].accuracyDrop`. */
  readonly path: string | undefined;
  /** For `INFEASIBLE`: the plan that came closest to the constraints. */
  readonly closest: PlanChoice | undefined;
  constructor(
    readonly code: PlannerErrorCode,
    message: string,
    detail: PlannerErrorDetail = {},
  ) {
    super(message, detail.cause === undefined ? undefined : { cause: detail.cause });
    this.path = detail.path;
    this.closest = detail.closest;
  }
}
