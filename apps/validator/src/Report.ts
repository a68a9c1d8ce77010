import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Baseline, Check } from "./Evaluate.js"
import * as ExitCode from "./ExitCode.js"
import * as JsonFile from "./JsonFile.js"
import type { Observations } from "./Observations.js"
import type { Thresholds } from "./Thresholds.js"
import { UsageError } from "./ValidatorError.js"

/** Overall verdict of a run or watch; "error": a watch stopped without a verdict (exit 3, its report says why). */
export type Outcome = "pass" | "fail" | "rollback" | "error"

/** The JSON report of `validator run` (also what `--baseline` reads). Never holds the token. */
export interface RunReport {
  readonly tool: "@memory-turso/validator"
  readonly kind: "run"
  readonly version: 1
  readonly url: string
  /** The namespace named on every request, or null (the token's default). */
  readonly namespace: string | null
  readonly run_id: string
  readonly started_at: string
  readonly finished_at: string
  readonly samples: number
  readonly seeded_episodes: number
  readonly removed_episodes: number
  readonly kept_data: boolean
  readonly outcome: Outcome
  readonly exit_code: ExitCode.ExitCode
  readonly baseline: string | null
  /** The run id of the baseline report. */
  readonly baseline_run_id: string | null
  readonly thresholds: Thresholds
  readonly criteria: ReadonlyArray<Check>
  readonly triggers: ReadonlyArray<Check>
  readonly operations: Observations["operations"]
  readonly observations: Omit<Observations, "operations">
}

/** The verdict of a set of criteria and triggers: a fired trigger wins over a failed criterion. */
export const verdict = (
  criteria: ReadonlyArray<Check>,
  triggers: ReadonlyArray<Check>
): { readonly outcome: Outcome; readonly exit_code: ExitCode.ExitCode } =>
  triggers.some((c) => c.status === "fail")
    ? { outcome: "rollback", exit_code: ExitCode.ROLLBACK }
    : criteria.some((c) => c.status === "fail")
      ? { outcome: "fail", exit_code: ExitCode.CRITERION_FAILED }
      : { outcome: "pass", exit_code: ExitCode.PASS }

const BaselineFile = Schema.Struct({
  kind: Schema.Literal("run"),
  run_id: Schema.String,
  outcome: Schema.Literal("pass", "fail", "rollback"),
  operations: Schema.Record({ key: Schema.String, value: Schema.Struct({ p50_ms: Schema.Number }) }),
  observations: Schema.Struct({ errors: Schema.Struct({ error_rate_pct: Schema.Number }) })
})

/** Options of {@link loadBaseline}. */
export interface BaselineOptions {
  /** Accept a report whose outcome is not "pass" (`--accept-failed-baseline`). */
  readonly acceptFailed: boolean
}

/**
 * Reads a run report written earlier as the baseline of rollback triggers. It must be a passing run (unless
 * `acceptFailed`), and every operation's p50 must be a positive number (a ratio against 0 means nothing).
 */
export const loadBaseline = (
  path: string,
  options: BaselineOptions = { acceptFailed: false }
): Effect.Effect<Baseline, UsageError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const json = yield* JsonFile.read(path, "the baseline file")
    const decoded = yield* Schema.decodeUnknown(BaselineFile)(json).pipe(
      Effect.mapError(
        (error) =>
          new UsageError({
            detail: `the baseline file ${path} is not a report of \`validator run\` (${JsonFile.issues(error, 3)})`
          })
      )
    )
    if (decoded.outcome !== "pass" && !options.acceptFailed)
      return yield* new UsageError({
        detail: `the baseline file ${path} is a run whose outcome was "${decoded.outcome}" (run ${decoded.run_id}); use a passing run, or --accept-failed-baseline`
      })
    for (const [operation, { p50_ms }] of Object.entries(decoded.operations))
      if (!Number.isFinite(p50_ms) || p50_ms <= 0)
        return yield* new UsageError({
          detail: `the baseline file ${path} has p50_ms ${p50_ms} for ${operation}; a baseline needs a positive p50 for every operation`
        })
    return {
      source: path,
      run_id: decoded.run_id,
      operations: decoded.operations,
      error_rate_pct: decoded.observations.errors.error_rate_pct
    }
  })

const cannotWrite = (dir: string) => (error: { readonly message: string }) =>
  new UsageError({ detail: `cannot write the report directory ${dir} (${error.message})` })

/** Creates `dir` if needed, then writes each `[path within dir, content]` in order; returns the paths written. */
const writeInto = (dir: string, files: ReadonlyArray<readonly [string, string]>) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const fail = cannotWrite(dir)
    yield* fs.makeDirectory(dir, { recursive: true }).pipe(Effect.mapError(fail))
    const written: Array<string> = []
    for (const [name, content] of files) {
      const file = path.join(dir, name)
      yield* fs.writeFileString(file, content).pipe(Effect.mapError(fail))
      written.push(file)
    }
    return written
  })

/**
 * Creates `dir` if needed and checks a file can be written there (written, then removed), so a report directory that
 * cannot be used is a usage error before the API is called.
 */
export const prepareDir = (dir: string): Effect.Effect<void, UsageError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const [probe] = yield* writeInto(dir, [[`.validator-write-check-${process.pid}`, ""]])
    yield* fs.remove(probe!).pipe(Effect.mapError(cannotWrite(dir)))
  })

/** Writes named files into `dir` (created if needed); returns their paths. */
export const writeFiles = (
  dir: string,
  files: Readonly<Record<string, string>>
): Effect.Effect<ReadonlyArray<string>, UsageError, FileSystem.FileSystem | Path.Path> =>
  writeInto(dir, Object.entries(files))
