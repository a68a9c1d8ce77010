import { PoolConfig } from "@memory-turso/pool"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/** Seconds within `[min, max]`; failures read "expected a number of seconds from <min> to <max>, got <value>". */
const Seconds = (min: number, max: number) =>
  PoolConfig.expecting(Schema.Number.pipe(Schema.between(min, max)), `a number of seconds from ${min} to ${max}`)
const Flag = PoolConfig.expecting(Schema.Boolean, "true or false")
const withDefault = <S extends Schema.Schema.Any>(schema: S, value: Schema.Schema.Type<S>) =>
  Schema.optionalWith(schema, { default: () => value, exact: true })

/**
 * The operator config section `[keepalive]` (snake_case keys, all optional with defaults). Durations are seconds
 * and may be fractional.
 */
export const KeepAliveSection = Schema.Struct({
  enabled: withDefault(Flag, true),
  /** How often idle connections are pinged (each connection idle for at least half an interval), 0.1-3600 s. */
  interval_secs: withDefault(Seconds(0.1, 3600), 30),
  /**
   * A connection idle this long is stale: checked (pinged, or replaced if its socket closed) before use, 0.1-86400 s.
   * With proactive pings on, at least 1.5 × `interval_secs` (the longest a warm connection stays idle).
   */
  stale_threshold_secs: withDefault(Seconds(0.1, 86_400), 60),
  /** Ping idle connections in the background every `interval_secs`. */
  enable_proactive_ping: withDefault(Flag, true),
  /** Bound on one ping, 0.01-300 s; a connection that does not answer in time is replaced. */
  ping_timeout_secs: withDefault(Seconds(0.01, 300), 5),
  /**
   * The server's (or load balancer's) idle timeout, when known (0.01-86400 s): a warning is logged at start when
   * pings cannot come often enough to beat it, and time saved is credited against it. Without it, the idle time
   * after which the server was seen closing a socket is used instead.
   */
  server_idle_timeout_secs: Schema.optionalWith(Seconds(0.01, 86_400), { exact: true })
}).pipe(
  Schema.filter((section) =>
    section.enabled && section.enable_proactive_ping && section.stale_threshold_secs < worstIdleMs(section) / 1000
      ? {
          path: ["stale_threshold_secs"],
          message:
            `expected at least 1.5 × interval_secs = ${worstIdleMs(section) / 1000} while enable_proactive_ping ` +
            "is on (a connection the pinger keeps warm may stay idle that long, and checking it again costs a round " +
            `trip), got ${section.stale_threshold_secs}`
        }
      : undefined
  )
)

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
 * The longest a connection can stay silent while the pinger runs: a round every `interval_secs` (on a fixed beat)
 * pings connections idle for at least half an interval, so one just under that waits for the next round.
 */
export function worstIdleMs(section: { readonly interval_secs: number }): number {
  return section.interval_secs * 1000 * 1.5
}
