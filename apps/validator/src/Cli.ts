import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import type * as Terminal from "@effect/platform/Terminal"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import packageJson from "../package.json" with { type: "json" }
import * as ApiClient from "./ApiClient.js"
import * as ExitCode from "./ExitCode.js"
import * as Present from "./Present.js"
import * as Report from "./Report.js"
import * as Run from "./Run.js"
import * as Thresholds from "./Thresholds.js"
import { UsageError } from "./ValidatorError.js"
import * as Watch from "./Watch.js"

/** Where a handler leaves the process exit code. */
class ExitStatus extends Context.Tag("@memory-turso/validator/ExitStatus")<ExitStatus, Ref.Ref<ExitCode.ExitCode>>() {}

const url = Options.text("url").pipe(Options.withDescription("Base URL of the API, e.g. http://127.0.0.1:3000"))
const token = Options.redacted("token").pipe(
  Options.withDescription("Sent as Authorization: Bearer (never printed); default: $VALIDATOR_TOKEN"),
  Options.optional
)
const namespace = Options.text("namespace").pipe(
  Options.withDescription(
    "Sent as X-Memory-Namespace on every request: seed, read and remove in this namespace; default: $VALIDATOR_NAMESPACE, else the token's default"
  ),
  Options.optional
)
// Paths are plain text, checked by the validator itself: any file-access problem is a usage error (exit 4).
const reportDir = Options.text("report-dir").pipe(
  Options.withDescription(
    "Write the JSON report, the markdown summary and the SVG chart here (created and checked before the API is called)"
  ),
  Options.optional
)
const baseline = Options.text("baseline").pipe(
  Options.withDescription("A report.json of an earlier passing run: enables the error-rate and p50-slowdown triggers"),
  Options.optional
)
const acceptFailedBaseline = Options.boolean("accept-failed-baseline").pipe(
  Options.withDescription("Accept a --baseline report whose outcome was not pass")
)
const thresholds = Options.text("thresholds").pipe(
  Options.withDescription(`JSON file overriding any of: ${Thresholds.keys.join(", ")}`),
  Options.optional
)
const keepData = Options.boolean("keep-data").pipe(Options.withDescription("Leave the seeded episodes in place"))
const allowMissingSections = Options.boolean("allow-missing-sections").pipe(
  Options.withDescription(
    "Skip the criteria of a /metrics section the API does not publish at all, instead of exit 3 (APIs that predate the full /metrics contract)"
  )
)
const format = Options.choice("format", ["table", "markdown", "json"]).pipe(
  Options.withDescription("What to print on stdout"),
  Options.withDefault("table" as const)
)
const timeoutMs = Options.integer("timeout-ms").pipe(
  Options.withDescription("A request without an answer after this long means the API is unreachable (exit 3)"),
  Options.withDefault(10_000)
)

/** Options both commands take. */
const shared = {
  url,
  token,
  namespace,
  reportDir,
  baseline,
  acceptFailedBaseline,
  thresholds,
  keepData,
  allowMissingSections,
  format,
  timeoutMs
}

interface Common {
  readonly url: string
  readonly token: Option.Option<Redacted.Redacted<string>>
  readonly namespace: Option.Option<string>
  readonly reportDir: Option.Option<string>
  readonly baseline: Option.Option<string>
  readonly acceptFailedBaseline: boolean
  readonly thresholds: Option.Option<string>
  readonly keepData: boolean
  readonly allowMissingSections: boolean
  readonly format: Present.Format
  readonly timeoutMs: number
  readonly samples: number
}

const color = (format: Present.Format) =>
  format === "table" && process.stdout.isTTY === true && process.env["NO_COLOR"] === undefined

/** Thresholds, baseline, the report directory (created and checked) and the API client layer, before any request. */
const prepare = (o: Common) =>
  Effect.gen(function* () {
    if (!Number.isInteger(o.samples) || o.samples < Run.MIN_SAMPLES)
      return yield* new UsageError({ detail: `--samples must be at least ${Run.MIN_SAMPLES} (got ${o.samples})` })
    if (o.timeoutMs <= 0) return yield* new UsageError({ detail: `--timeout-ms must be positive (got ${o.timeoutMs})` })
    const limits = Option.isSome(o.thresholds) ? yield* Thresholds.load(o.thresholds.value) : Thresholds.defaults
    const base = Option.isSome(o.baseline)
      ? yield* Report.loadBaseline(o.baseline.value, { acceptFailed: o.acceptFailedBaseline })
      : undefined
    if (Option.isSome(o.reportDir)) yield* Report.prepareDir(o.reportDir.value)
    const envToken = yield* Config.option(Config.redacted("VALIDATOR_TOKEN")).pipe(
      Effect.mapError(() => new UsageError({ detail: "VALIDATOR_TOKEN is not readable" }))
    )
    const envNamespace = yield* Config.option(Config.string("VALIDATOR_NAMESPACE")).pipe(
      Effect.mapError(() => new UsageError({ detail: "VALIDATOR_NAMESPACE is not readable" }))
    )
    const chosen = Option.orElse(o.namespace, () => envNamespace)
    if (Option.isSome(chosen)) yield* ApiClient.parseNamespace(chosen.value)
    const api = ApiClient.layer({
      url: o.url,
      token: Option.orElse(o.token, () => envToken),
      namespace: chosen,
      timeout: o.timeoutMs
    })
    const session: Run.SessionOptions = {
      samples: o.samples,
      keepData: o.keepData,
      allowMissingSections: o.allowMissingSections,
      runId: Run.newRunId(),
      thresholds: limits,
      baseline: base
    }
    return { session, api }
  })

/**
 * Records the exit code, prints the result and writes the report files. The verdict's exit code stands even if the
 * files cannot be written then (the directory was checked before the run): a warning on stderr says so.
 */
const finish = (o: Common, stdout: string, files: Record<string, string>, exitCode: ExitCode.ExitCode) =>
  Effect.gen(function* () {
    yield* Effect.flatMap(ExitStatus, (status) => Ref.set(status, exitCode))
    yield* Console.log(stdout)
    yield* writeReport(o.reportDir, files)
  })

const writeReport = (dir: Option.Option<string>, files: Record<string, string>) =>
  Option.isNone(dir)
    ? Effect.void
    : Report.writeFiles(dir.value, files).pipe(
        Effect.matchEffect({
          onSuccess: (paths) => Console.error(`wrote ${paths.join(", ")}`),
          onFailure: (error) => Console.error(`warning: the report was not written (${error.detail})`)
        })
      )

const runCommand = Command.make(
  "run",
  {
    ...shared,
    samples: Options.integer("samples").pipe(
      Options.withDescription("Samples per measured operation (at least 5)"),
      Options.withDefault(50)
    )
  },
  (o) =>
    Effect.gen(function* () {
      const { session, api } = yield* prepare(o)
      const report = yield* Run.run(session).pipe(Effect.provide(api))
      yield* finish(o, Present.runStdout(report, o.format, color(o.format)), Present.runFiles(report), report.exit_code)
    })
).pipe(
  Command.withDescription(
    "Seed test data, measure single/cached reads, batch stores, health and db-health N times each, check /metrics, judge the criteria and rollback triggers, then remove the data"
  )
)

const watchCommand = Command.make(
  "watch",
  {
    ...shared,
    schedule: Options.choice("schedule", ["staging"]).pipe(
      Options.withDescription("staging: every 15 min for 2 h, hourly to 8 h, every 4 h to 24 h"),
      Options.withDefault("staging" as const)
    ),
    scale: Options.float("scale").pipe(
      Options.withDescription("Multiply every interval (0.001 turns 15 min into 0.9 s)"),
      Options.withDefault(1)
    ),
    samples: Options.integer("samples").pipe(
      Options.withDescription("Health requests and reads per sample (at least 5)"),
      Options.withDefault(5)
    )
  },
  (o) =>
    Effect.gen(function* () {
      if (!(o.scale > 0) || !Number.isFinite(o.scale))
        return yield* new UsageError({ detail: `--scale must be a positive number (got ${o.scale})` })
      const { session, api } = yield* prepare(o)
      const report = yield* Watch.watch({ ...session, schedule: o.schedule, scale: o.scale }, (sample, total) => {
        const line = Present.watchSampleLine(sample, total)
        return o.format === "table" ? Console.log(line) : Console.error(line)
      }).pipe(Effect.provide(api))
      yield* finish(
        o,
        Present.watchStdout(report, o.format, color(o.format)),
        Present.watchFiles(report),
        report.exit_code
      )
      if (report.error !== null) yield* Console.error(`error: ${report.error}`)
    })
).pipe(
  Command.withDescription(
    "Monitor a deployment on a schedule with light samples (health, a few reads, /metrics); exit 2 as soon as a rollback trigger fires; a sample that fails 4 attempts (or an API restart) ends it with exit 3 and a report of the samples so far"
  )
)

const validator = Command.make("validator").pipe(
  Command.withDescription("Validates a running memory-turso API over HTTP"),
  Command.withSubcommands([runCommand, watchCommand])
)

const cli = Command.run(validator, { name: "memory-turso validator", version: packageJson.version })

/**
 * Runs the CLI on `argv` (as `process.argv`: runtime and script first) and answers the exit code: 0 pass,
 * 1 criterion failed, 2 rollback trigger, 3 API unreachable or garbage, 4 usage error. Errors are printed as one
 * clear line on stderr, never as a stack trace.
 */
export const program = (
  argv: ReadonlyArray<string>
): Effect.Effect<ExitCode.ExitCode, never, FileSystem.FileSystem | Path.Path | Terminal.Terminal> =>
  Effect.gen(function* () {
    const status = yield* Ref.make<ExitCode.ExitCode>(ExitCode.PASS)
    const outcome = yield* cli(argv).pipe(Effect.provideService(ExitStatus, status), Effect.either)
    if (outcome._tag === "Right") return yield* Ref.get(status)
    const error = outcome.left
    // @effect/cli has printed its own message (and the usage) for a bad command line.
    if (ValidationError.isValidationError(error)) {
      yield* Console.error("usage error (exit 4); see: validator --help, validator run --help")
      return ExitCode.USAGE
    }
    yield* Console.error(`error: ${error.message}`)
    return error._tag === "UsageError" ? ExitCode.USAGE : ExitCode.API_PROBLEM
  }).pipe(
    Effect.catchAllDefect((defect) =>
      Console.error(
        `error: the validator failed unexpectedly: ${defect instanceof Error ? defect.message : String(defect)}`
      ).pipe(Effect.as<ExitCode.ExitCode>(ExitCode.API_PROBLEM))
    )
  )
