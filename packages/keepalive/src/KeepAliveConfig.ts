import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

const Seconds = Schema.Number.pipe(Schema.finite(), Schema.positive())
const withDefault = <S extends Schema.Schema.Any>(schema: S, value: Schema.Schema.Type<S>) =>
  Schema.optionalWith(schema, { default: () => value, exact: true })

/**
 * The operator config section `[keepalive]` (snake_case keys, all optional with defaults). Durations are seconds
 * and may be fractional.
 */
export const KeepAliveSection = Schema.Struct({
  enabled: withDefault(Schema.Boolean, true),
  /** How often idle connections are pinged (each connection idle for at least half an interval). */
  interval_secs: withDefault(Seconds, 30),
  /** A connection idle this long is stale: checked (pinged, or replaced if its socket closed) before use. */
  stale_threshold_secs: withDefault(Seconds, 60),
  /** Ping idle connections in the background every `interval_secs`. */
  enable_proactive_ping: withDefault(Schema.Boolean, true),
  /** Bound on one ping; a connection that does not answer in time is replaced. */
  ping_timeout_secs: withDefault(Seconds, 5),
  /**
   * The server's (or load balancer's) idle timeout, when known: a warning is logged at start when pings cannot
   * come often enough to beat it. Without it, the first socket the server closes idle is used instead.
   */
  server_idle_timeout_secs: Schema.optionalWith(Seconds, { exact: true })
})

/** The decoded `[keepalive]` section. */
export type KeepAliveSection = Schema.Schema.Type<typeof KeepAliveSection>

/** One problem in the `[keepalive]` section, with its key path (e.g. `keepalive.interval_secs`). */
export interface KeepAliveConfigIssue {
  readonly path: string
  readonly message: string
}

/** The `[keepalive]` section does not decode; every issue names its key path. */
export class KeepAliveConfigError extends Data.TaggedError("KeepAliveConfigError")<{
  readonly issues: ReadonlyArray<KeepAliveConfigIssue>
}> {
  override get message(): string {
    return `Invalid [keepalive] config: ${this.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`
  }
}

const decodeSection = Schema.decodeUnknownEither(KeepAliveSection, { errors: "all", onExcessProperty: "error" })

/** Decodes the `[keepalive]` section (`undefined` means all defaults); unknown keys are rejected. */
export const decode = (input: unknown): Effect.Effect<KeepAliveSection, KeepAliveConfigError> =>
  Effect.mapError(decodeSection(input ?? {}), (error) => {
    const issues = ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
      path: ["keepalive", ...issue.path.map(String)].join("."),
      message: issue.message
    }))
    return new KeepAliveConfigError({ issues })
  })

/** All defaults. */
export const defaults: KeepAliveSection = Schema.decodeUnknownSync(KeepAliveSection)({})

/**
 * The longest a connection can stay silent while the pinger runs: a tick pings connections idle for at least half
 * an interval, so one just under that waits for the next tick.
 */
export const worstIdleMs = (section: KeepAliveSection): number => section.interval_secs * 1000 * 1.5
