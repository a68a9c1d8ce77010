import {
  ConnectionPool,
  type Database,
  type DatabaseFailure,
  type InvalidDatabaseUrl,
  type MissingAuthToken,
  Pool,
  type PoolConfig
} from "@memory-turso/pool"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import type * as Scope from "effect/Scope"
import { Measurements } from "./internal/measurements.js"
import { decode, type KeepAliveConfigError, type KeepAliveSection, worstIdleMs } from "./KeepAliveConfig.js"
import type { KeepAliveStats } from "./KeepAliveStats.js"

/**
 * Read-only statements an owner sends in keep-alive's background pings (see `KeepAlive.board`), so its periodic reads
 * ride in requests keep-alive sends anyway.
 */
export interface Passenger {
  /** The statements to carry in the ping being sent now, or undefined when none are wanted. */
  readonly board: () => ReadonlyArray<Database.Statement> | undefined
  /** Their results, or None when the ping did not answer (its connection is replaced). */
  readonly deliver: (results: Option.Option<ReadonlyArray<Database.ResultSet>>) => Effect.Effect<void>
}

/** Keep-alive of the pool's remote connections: its configuration and statistics. */
export class KeepAlive extends Context.Tag("@memory-turso/keepalive/KeepAlive")<
  KeepAlive,
  {
    readonly config: KeepAliveSection
    readonly stats: Effect.Effect<KeepAliveStats>
    /** One round of background pings now (what the loop runs every interval); returns how many were sent. */
    readonly pingIdle: Effect.Effect<number>
    /**
     * Sends read-only `statements` as the keep-alive ping of the idle connection most overdue for one (idle for at
     * least half an interval), so its owner's reads ride in a request keep-alive sends anyway: their results (and
     * the connection counts as pinged), or None when no ping is due now, keep-alive is inactive or the ping failed
     * (the caller then sends its own request).
     */
    readonly carry: (
      statements: ReadonlyArray<Database.Statement>
    ) => Effect.Effect<Option.Option<ReadonlyArray<Database.ResultSet>>>
    /**
     * Lets `passenger` ride in the background pings while the scope lasts: each round's first ping asks it for
     * statements and sends them in place of `SELECT 1`, then hands it their results. Inactive keep-alive: never.
     */
    readonly board: (passenger: Passenger) => Effect.Effect<void, never, Scope.Scope>
  }
>() {}

const startWarning = (section: KeepAliveSection): string | undefined => {
  const serverIdle = section.server_idle_timeout_secs
  if (!section.enabled || serverIdle === undefined) return undefined
  if (!section.enable_proactive_ping) {
    return section.stale_threshold_secs >= serverIdle
      ? `keepalive: proactive pings are off and stale_threshold_secs (${section.stale_threshold_secs}) is not below ` +
          `the server idle timeout (${serverIdle} s): idle sockets will be closed before they count as stale`
      : undefined
  }
  const worst = worstIdleMs(section) / 1000
  return worst >= serverIdle
    ? `keepalive: interval_secs = ${section.interval_secs} cannot keep sockets open: a connection may stay idle up ` +
        `to ${worst} s before its ping, but the server closes idle sockets after ${serverIdle} s ` +
        `(set keepalive.interval_secs below ${Math.floor((serverIdle / 1.5) * 10) / 10})`
    : undefined
}

/** What `make` builds: the `KeepAlive` service, and the pool to provide in place of the one in context. */
interface Decorated {
  readonly keepAlive: KeepAlive["Type"]
  readonly pool: ConnectionPool.Service
}

/**
 * Decorates the `ConnectionPool` in context: checkouts of stale connections are checked first, and (with
 * `enable_proactive_ping`) a background fiber pings idle connections every `interval_secs`. Embedded pools and a
 * disabled section pass through unchanged.
 */
export const make = Effect.fn("KeepAlive.make")(function* (
  input?: Partial<KeepAliveSection>
): Effect.fn.Return<Decorated, KeepAliveConfigError, ConnectionPool.ConnectionPool | Scope.Scope> {
  const section = yield* decode(input)
  const pool = yield* ConnectionPool.ConnectionPool
  const active = section.enabled && pool.kind === "remote"
  const measured = new Measurements(section)
  const keepAlive = KeepAlive.of({
    config: section,
    stats: Effect.map(pool.stats, (stats) => measured.snapshot(active, stats.sockets_opened)),
    pingIdle: Effect.succeed(0),
    carry: () => Effect.succeed(Option.none()),
    board: () => Effect.void
  })
  if (!active) {
    if (section.enabled) yield* Effect.logDebug("keepalive: embedded database, nothing to keep alive")
    return { keepAlive, pool }
  }

  const warning = startWarning(section)
  if (warning !== undefined) yield* Effect.logWarning(warning)
  const runtime = yield* Effect.runtime<never>()
  yield* pool.observe((event) => {
    const late = measured.record(event)
    if (late !== undefined) Runtime.runFork(runtime)(Effect.logWarning(late))
  })

  const pingTimeout = Duration.seconds(section.ping_timeout_secs)
  /** Pings through a lease; a failed ping replaces the connection. */
  const ping = (lease: ConnectionPool.Lease, purpose: "check" | "keepalive") =>
    Effect.gen(function* () {
      measured.pings++
      if (yield* lease.ping(pingTimeout, purpose)) return
      measured.ping_failures++
      measured.connections_refreshed++
      yield* lease.replace
    })

  const staleMs = section.stale_threshold_secs * 1000
  const checkStale = (lease: ConnectionPool.Lease) =>
    Effect.gen(function* () {
      if (lease.idleMs < staleMs) return
      measured.stale_detected++
      if (lease.verified) return
      if (lease.socketOpen) return yield* ping(lease, "check")
      // Its socket is gone already: start it over on a fresh connection rather than probe a dead one.
      measured.connections_refreshed++
      yield* lease.replace
    })

  const passengers = new Set<Passenger>()
  /** The passengers that want to ride now, with their statements. */
  const boarding = () =>
    [...passengers].flatMap((passenger) => {
      const statements = passenger.board()
      return statements === undefined || statements.length === 0 ? [] : [{ passenger, statements }]
    })
  type Riding = ReturnType<typeof boarding>
  const noResults = Option.none<ReadonlyArray<Database.ResultSet>>()

  /** A background ping carrying `riding`'s statements (a plain one without); a failed one replaces the connection. */
  const pingCarrying = (lease: ConnectionPool.Lease, riding: Riding) =>
    Effect.gen(function* () {
      if (riding.length === 0) {
        yield* ping(lease, "keepalive")
        return noResults
      }
      measured.pings++
      const results = yield* lease.pingCarrying(
        riding.flatMap((r) => r.statements),
        pingTimeout,
        "keepalive"
      )
      if (Option.isNone(results)) {
        measured.ping_failures++
        measured.connections_refreshed++
        yield* lease.replace
      }
      return results
    })

  /** Hands each passenger its share of the results, once the connection is back in the pool. */
  const deliver = (riding: Riding, results: Option.Option<ReadonlyArray<Database.ResultSet>>) =>
    Effect.forEach(
      riding,
      ({ passenger, statements }, i) => {
        const at = riding.slice(0, i).reduce((n, r) => n + r.statements.length, 0)
        return passenger.deliver(Option.map(results, (all) => all.slice(at, at + statements.length)))
      },
      { discard: true }
    )

  const dueMs = (section.interval_secs * 1000) / 2
  const pingIdle = Effect.gen(function* () {
    const due = (yield* pool.connections).filter((c) => !c.in_use && c.idle_ms >= dueMs)
    const sent = yield* Effect.forEach(
      due,
      (connection, i) => {
        // the round's first ping carries the passengers
        const riding = i === 0 ? boarding() : []
        return Effect.scoped(
          Effect.flatMap(pool.reserveIdle(connection.id), (lease) =>
            Option.isNone(lease)
              ? Effect.succeed({ sent: 0, results: noResults })
              : // A failed ping whose replacement cannot be made either: the pool discards the connection.
                Effect.map(
                  Effect.catchAll(pingCarrying(lease.value, riding), () => Effect.succeed(noResults)),
                  (results) => ({ sent: 1, results })
                )
          )
        ).pipe(Effect.tap(({ results }) => deliver(riding, results)))
      },
      { concurrency: "unbounded" }
    )
    return sent.reduce((a, b) => a + b.sent, 0)
  }).pipe(Effect.withSpan("KeepAlive.pingIdle"))

  const board = (passenger: Passenger) =>
    Effect.asVoid(
      Effect.acquireRelease(
        Effect.sync(() => passengers.add(passenger)),
        () => Effect.sync(() => passengers.delete(passenger))
      )
    )

  const carry = (statements: ReadonlyArray<Database.Statement>) =>
    Effect.gen(function* () {
      const due = (yield* pool.connections)
        .filter((c) => !c.in_use && c.idle_ms >= dueMs)
        .sort((a, b) => b.idle_ms - a.idle_ms)[0]
      if (due === undefined) return Option.none()
      const lease = yield* pool.reserveIdle(due.id)
      if (Option.isNone(lease)) return Option.none()
      const results = yield* lease.value.pingCarrying(statements, pingTimeout, "keepalive")
      if (Option.isSome(results)) measured.pings++
      return results
    }).pipe(Effect.scoped, Effect.withSpan("KeepAlive.carry"))

  if (section.enable_proactive_ping) {
    // Warm connections are this pinger's care: the pool's health check leaves them alone.
    yield* pool.keptWarm(worstIdleMs(section))
    // A round every interval_secs on a fixed beat: each round runs in its own fiber, so a slow or stalled ping
    // (up to ping_timeout_secs) delays no other connection's ping. A connection being pinged is in use, so the
    // next round skips it.
    const scope = yield* Effect.scope
    const interval = Duration.seconds(section.interval_secs)
    yield* Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sleep(interval), Effect.forkIn(pingIdle, scope))))
  }

  return {
    // Without proactive pings no ping is ever due: nothing to carry.
    keepAlive: KeepAlive.of({
      ...keepAlive,
      pingIdle,
      ...(section.enable_proactive_ping ? { carry, board } : {})
    }),
    pool: ConnectionPool.ConnectionPool.of({ ...pool, checkout: Effect.tap(pool.checkout, checkStale) })
  }
})

/** Keep-alive over the `ConnectionPool` in context: provides `KeepAlive` and the decorated `ConnectionPool`. */
export const layer = (section?: Partial<KeepAliveSection>) =>
  Layer.scopedContext(
    Effect.map(make(section), ({ keepAlive, pool }) =>
      Context.make(KeepAlive, keepAlive).pipe(Context.add(ConnectionPool.ConnectionPool, pool))
    )
  )

/** The services of the whole stack, and how building it can fail. */
type Stack = Database.Database | ConnectionPool.ConnectionPool | KeepAlive
type StackError =
  | KeepAliveConfigError
  | PoolConfig.PoolConfigError
  | InvalidDatabaseUrl
  | MissingAuthToken
  | DatabaseFailure

/** The whole stack: `Database` over the pool decorated by keep-alive, with `ConnectionPool` and `KeepAlive`. */
export const layerPool = (options: Pool.Options, section?: Partial<KeepAliveSection>): Layer.Layer<Stack, StackError> =>
  Pool.layerDatabase.pipe(Layer.provideMerge(layer(section).pipe(Layer.provide(ConnectionPool.layer(options)))))

/** The whole stack from configuration (default: the pool from the environment, keep-alive defaults). */
export const layerConfig = (
  section: Config.Config<Partial<KeepAliveSection> | undefined> = Config.succeed(undefined),
  pool: Config.Config<Pool.Options> = Pool.config()
) => Layer.unwrapEffect(Effect.map(Config.all([pool, section]), ([options, keep]) => layerPool(options, keep)))

/** The whole stack over a temporary embedded database (keep-alive is inert there). */
export const layerTest = Layer.unwrapScoped(Effect.map(Pool.temporaryUrl, (url) => layerPool({ url })))
