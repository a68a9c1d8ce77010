/**
 * The `[compression]` settings as operators write them (snake_case), as an Effect Schema with defaults
 * and validation, and as an Effect `Config`.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { InvalidConfig } from "./CodecError.js"

/** Algorithm for new writes (decoding always reads every algorithm the format knows). @since 0.1.0 */
export const Algorithm = Schema.Literal("zstd", "gzip").annotations({
  message: (issue) => ({
    message: `unknown algorithm ${JSON.stringify(issue.actual)} (expected "zstd" or "gzip")`,
    override: true
  })
})
/** @since 0.1.0 */
export type Algorithm = typeof Algorithm.Type

/**
 * An integer in `min..max`, with the message operators see ("level 0 is out of range (an integer 1..22)"); storage
 * uses it for its dictionary settings too.
 *
 * @since 0.2.0
 */
export const integerIn = (key: string, min: number, max: number) =>
  Schema.Number.pipe(
    Schema.int(),
    Schema.between(min, max),
    Schema.annotations({
      message: (issue) => ({
        message: `${key} ${String(issue.actual)} is out of range (an integer ${min}..${max})`,
        override: true
      })
    })
  )

const Level = integerIn("level", 1, 22)

const ThresholdBytes = Schema.Number.pipe(
  Schema.int(),
  Schema.nonNegative(),
  Schema.annotations({
    message: (issue) => ({
      message: `threshold_bytes ${String(issue.actual)} must be a non-negative integer`,
      override: true
    })
  })
)

/** Largest raw-content dictionary accepted (zstd-codec's 16 MiB heap must also hold frames). @since 0.1.0 */
export const MAX_DICTIONARY_BYTES = 128 * 1024

const MinSavings = Schema.Number.pipe(
  Schema.between(0, 0.99),
  Schema.annotations({
    message: (issue) => ({
      message: `min_savings ${String(issue.actual)} must be a fraction in 0..0.99`,
      override: true
    })
  })
)

/**
 * The `[compression]` section. Decoding applies defaults; the gzip level is checked against gzip's own range.
 *
 * @since 0.1.0
 */
export const CompressionConfig = Schema.Struct({
  /** Master switch; false stores everything plain. */
  enabled: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  /** Payloads smaller than this stay plain. */
  threshold_bytes: Schema.optionalWith(ThresholdBytes, { default: () => 1024 }),
  /** zstd 1..22, gzip 1..9. */
  level: Schema.optionalWith(Level, { default: () => 3 }),
  algorithm: Schema.optionalWith(Algorithm, { default: () => "zstd" as const }),
  /** Keep the value plain unless compression saves at least this fraction. */
  min_savings: Schema.optionalWith(MinSavings, { default: () => 0.1 })
}).pipe(
  Schema.filter((config) =>
    config.algorithm === "gzip" && config.level > 9
      ? { path: ["level"], message: `level ${config.level} is out of range for gzip (1..9)` }
      : undefined
  )
)

/** Validated settings with defaults applied. @since 0.1.0 */
export type CompressionConfig = typeof CompressionConfig.Type
/** The section as written (every key optional). @since 0.1.0 */
export type CompressionConfigInput = typeof CompressionConfig.Encoded

const formatIssues = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    // Optional keys add an "Expected undefined" alternative to every issue: noise for operators.
    .filter((issue) => !issue.message.startsWith("Expected undefined"))
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ")

/**
 * Decodes a `[compression]` section (e.g. parsed TOML). Unknown keys are errors, so typos do not pass silently.
 *
 * @since 0.1.0
 */
export const decode = (input: unknown): Either.Either<CompressionConfig, InvalidConfig> =>
  Schema.decodeUnknownEither(CompressionConfig, { onExcessProperty: "error", errors: "all" })(input).pipe(
    Either.mapLeft((error) => new InvalidConfig({ reason: formatIssues(error) }))
  )

/** All defaults. @since 0.1.0 */
export const defaults: CompressionConfig = Schema.decodeSync(CompressionConfig)({})

/**
 * The settings as an Effect `Config` with the operator key names at the top level
 * (`Config.nested(config, "compression")` reads them from a `compression` section).
 *
 * @since 0.1.0
 */
export const config: Config.Config<CompressionConfig> = Config.all({
  enabled: Config.option(Config.boolean("enabled")),
  threshold_bytes: Config.option(Config.number("threshold_bytes")),
  level: Config.option(Config.number("level")),
  algorithm: Config.option(Config.string("algorithm")),
  min_savings: Config.option(Config.number("min_savings"))
}).pipe(
  Config.mapOrFail((raw) => {
    const input: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(raw) as Array<[string, Option.Option<unknown>]>) {
      if (Option.isSome(value)) input[key] = value.value
    }
    return decode(input).pipe(Either.mapLeft((error) => ConfigError.InvalidData([], error.reason)))
  })
)

/** `config` read from a `compression` section (`compression.threshold_bytes`; env `compression_threshold_bytes`, or `COMPRESSION_THRESHOLD_BYTES` under `ConfigProvider.constantCase`). @since 0.1.0 */
export const sectionConfig: Config.Config<CompressionConfig> = Config.nested(config, "compression")
