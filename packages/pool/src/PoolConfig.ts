import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/** `schema` whose every failure reads "expected <what>, got <value>" (the message style of config sections). */
export const expecting = <A, I>(schema: Schema.Schema<A, I>, what: string) =>
  schema.annotations({
    message: (issue) => ({
      message: `expected ${what}, got ${JSON.stringify(issue.actual) ?? String(issue.actual)}`,
      override: true
    })
  })

const Seconds = expecting(Schema.Number.pipe(Schema.finite(), Schema.positive()), "a positive number of seconds")
const withDefault = <S extends Schema.Schema.Any>(schema: S, value: Schema.Schema.Type<S>) =>
  Schema.optionalWith(schema, { default: () => value, exact: true })

/**
 * The operator config section `[connection_pool]` (snake_case keys, all optional with defaults). Durations are in
 * seconds and may be fractional.
 */
export const ConnectionPoolSection = Schema.Struct({
  /** Most connections (and so most database requests in flight) at once. */
  max_connections: withDefault(
    expecting(Schema.Int.pipe(Schema.between(1, 10_000)), "a positive integer (1-10000)"),
    20
  ),
  /** How long a caller waits for a free connection before failing with `PoolTimeout`. */
  connection_timeout_secs: withDefault(Seconds, 10),
  /** Check a remote connection with `SELECT 1` before use when it has been idle long enough to be doubtful. */
  enable_health_check: withDefault(expecting(Schema.Boolean, "true or false"), true),
  /** Bound on one health check; a connection that does not answer in time is replaced. */
  health_check_timeout_secs: withDefault(Seconds, 2),
  /** A connection idle at least this long is doubtful: it is checked before use (warm ones never are). */
  health_check_idle_secs: withDefault(Seconds, 30)
})

/** The decoded `[connection_pool]` section. */
export type ConnectionPoolSection = Schema.Schema.Type<typeof ConnectionPoolSection>

/** All defaults. */
export const defaults: ConnectionPoolSection = Schema.decodeUnknownSync(ConnectionPoolSection)({})

/** One problem in the `[connection_pool]` section, with its key path (e.g. `connection_pool.max_connections`). */
export interface PoolConfigIssue {
  readonly path: string
  readonly message: string
}

/** The `[connection_pool]` section does not decode; every issue names its key path. */
export class PoolConfigError extends Data.TaggedError("PoolConfigError")<{
  readonly issues: ReadonlyArray<PoolConfigIssue>
}> {
  override get message(): string {
    return `Invalid [connection_pool] config: ${this.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`
  }
}

const decodeSection = Schema.decodeUnknownEither(ConnectionPoolSection, { errors: "all", onExcessProperty: "error" })

const decodeEither = (input: unknown): Either.Either<ConnectionPoolSection, PoolConfigError> =>
  Either.mapLeft(decodeSection(input ?? {}), (error) => {
    const issues = ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
      path: ["connection_pool", ...issue.path.map(String)].join("."),
      message: issue.message
    }))
    return new PoolConfigError({ issues })
  })

/** Decodes the `[connection_pool]` section (`undefined` means all defaults); unknown keys are rejected. */
export const decode = (input: unknown): Effect.Effect<ConnectionPoolSection, PoolConfigError> => decodeEither(input)

/**
 * The section from the environment: `MAX_CONNECTIONS` (as operators set it) overrides `max_connections` of `base`
 * (the file section, default all defaults).
 */
export const fromEnv = (base: unknown = {}): Config.Config<ConnectionPoolSection> =>
  Config.option(Config.integer("MAX_CONNECTIONS")).pipe(
    Config.mapOrFail((max) =>
      Either.mapLeft(
        decodeEither(
          Option.match(max, { onNone: () => base, onSome: (m) => ({ ...(base as object), max_connections: m }) })
        ),
        (error) => ConfigError.InvalidData([], error.message)
      )
    )
  )
