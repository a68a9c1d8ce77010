/**
 * Hrana batches: steps run in order, each guarded by an optional condition over the outcome of earlier steps
 * (ok / error / not / and / or) or the stream's autocommit state (is_autocommit).
 */
import { HranaError } from "./errors.js"
import { toStmtError } from "./sqldErrors.js"
import { checkBatchStmts, type ExecContext, executeChecked, type StmtResult } from "./statement.js"

/** A Hrana batch result: for each step, its result or its error (both null when skipped). */
export interface BatchResult {
  readonly step_results: ReadonlyArray<StmtResult | null>
  readonly step_errors: ReadonlyArray<{ readonly message: string; readonly code: string } | null>
}

type Outcome = "ok" | "error" | "skipped"

type Cond =
  | { readonly type: "ok" | "error"; readonly step: number }
  | { readonly type: "not"; readonly cond: Cond }
  | { readonly type: "and" | "or"; readonly conds: ReadonlyArray<Cond> }
  | { readonly type: "is_autocommit" }

const badCond = (message: string) => new HranaError("BATCH_COND_INVALID", message)

/** Checks a condition's shape, and that it only refers to steps before `index`. */
const validateCond = (raw: unknown, index: number): Cond => {
  if (typeof raw !== "object" || raw === null) throw badCond(`The condition of step ${index} is not an object`)
  const cond = raw as { type?: unknown; step?: unknown; cond?: unknown; conds?: unknown }
  switch (cond.type) {
    case "ok":
    case "error":
      if (typeof cond.step !== "number" || !Number.isInteger(cond.step) || cond.step < 0 || cond.step >= index) {
        throw new HranaError("BATCH_COND_BAD_STEP", `A condition of step ${index} refers to step ${cond.step}`)
      }
      return { type: cond.type, step: cond.step }
    case "not":
      return { type: "not", cond: validateCond(cond.cond, index) }
    case "and":
    case "or":
      if (!Array.isArray(cond.conds)) throw badCond(`An ${cond.type} condition needs \`conds\``)
      return { type: cond.type, conds: cond.conds.map((c) => validateCond(c, index)) }
    case "is_autocommit":
      return { type: "is_autocommit" }
    default:
      throw badCond(`Unknown condition type ${JSON.stringify(cond.type)}`)
  }
}

const evaluate = (cond: Cond, outcomes: ReadonlyArray<Outcome>, ctx: ExecContext): boolean => {
  switch (cond.type) {
    case "ok":
      return outcomes[cond.step] === "ok"
    case "error":
      return outcomes[cond.step] === "error"
    case "not":
      return !evaluate(cond.cond, outcomes, ctx)
    case "and":
      return cond.conds.every((c) => evaluate(c, outcomes, ctx))
    case "or":
      return cond.conds.some((c) => evaluate(c, outcomes, ctx))
    case "is_autocommit":
      return ctx.connection().isAutocommit
  }
}

/**
 * Executes a batch. As in sqld, every step is checked before any runs (its SQL text, one statement, its arguments,
 * its parsing, its condition): a malformed batch is one error for the whole request. Errors while steps run are
 * step errors.
 */
export const executeBatch = async (ctx: ExecContext, raw: unknown): Promise<BatchResult> => {
  const steps = (raw as { steps?: unknown } | null)?.steps
  if (!Array.isArray(steps)) throw new HranaError("INVALID_REQUEST", "`batch.steps` must be an array")
  const stmts = checkBatchStmts(
    ctx,
    steps.map((step: { stmt?: unknown } | null) => step?.stmt)
  )
  const conds = steps.map((step: { condition?: unknown } | null, index) =>
    step?.condition === undefined || step.condition === null ? undefined : validateCond(step.condition, index)
  )
  const outcomes: Array<Outcome> = []
  const stepResults: Array<StmtResult | null> = []
  const stepErrors: Array<{ message: string; code: string } | null> = []
  for (let index = 0; index < steps.length; index++) {
    const cond = conds[index]
    if (cond !== undefined && !evaluate(cond, outcomes, ctx)) {
      outcomes.push("skipped")
      stepResults.push(null)
      stepErrors.push(null)
      continue
    }
    try {
      stepResults.push(await executeChecked(ctx, stmts[index]!))
      stepErrors.push(null)
      outcomes.push("ok")
    } catch (error) {
      stepResults.push(null)
      stepErrors.push(toStmtError(error).toProto())
      outcomes.push("error")
    }
  }
  return { step_results: stepResults, step_errors: stepErrors }
}
