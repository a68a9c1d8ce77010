import { createClient } from "@libsql/client"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { ConnectionPool, Lease, Options, PoolEvent, Purpose } from "../ConnectionPool.js"
import type { Statement } from "../Database.js"
import * as DatabaseConfig from "../DatabaseConfig.js"
import { type DatabaseFailure, InvalidDatabaseUrl, PoolTimeout } from "../DatabaseError.js"
import type { ConnectionPoolSection } from "../PoolConfig.js"
import { DEFAULT_REQUEST_TIMEOUT_MS, toFailure } from "./client.js"
import { Counters, checkoutWith, type Take } from "./counters.js"
import * as Permits from "./permits.js"
import { pingClient, pingClientCarrying } from "./ping.js"
import { type Listener, RemoteConnection } from "./remote.js"

/** A lease on a remote connection; `current` moves to a new connection when `replace` runs. */
class RemoteLease implements Lease {
  verified: boolean
  constructor(
    public current: RemoteConnection,
    readonly idleMs: number,
    private readonly replaceWith: (lease: RemoteLease) => Effect.Effect<void, DatabaseFailure>
  ) {
    this.verified = current.requests === 0
  }
  get id() {
    return this.current.id
  }
  get client() {
    return this.current.client
  }
  get socketOpen() {
    return this.current.socketsOpen > 0
  }
  ping = (timeout: Duration.DurationInput, purpose: Exclude<Purpose, "operation"> = "check") =>
    Effect.suspend(() => {
      const connection = this.current
      connection.purpose = purpose
      return pingClient(connection.client, timeout).pipe(
        Effect.tap((ok) => {
          this.verified = ok
        }),
        Effect.ensuring(Effect.sync(() => (connection.purpose = "operation")))
      )
    })
  pingCarrying = (
    statements: ReadonlyArray<Statement>,
    timeout: Duration.DurationInput,
    purpose: Exclude<Purpose, "operation"> = "check"
  ) =>
    Effect.suspend(() => {
      const connection = this.current
      connection.purpose = purpose
      return pingClientCarrying(connection.client, statements, timeout).pipe(
        Effect.tap((results) => {
          this.verified = Option.isSome(results)
        }),
        Effect.ensuring(Effect.sync(() => (connection.purpose = "operation")))
      )
    })
  get replace() {
    return this.replaceWith(this)
  }
}

/**
 * The remote pool: up to `max_connections` connections, each a libSQL client over its own undici keep-alive
 * socket, created on demand and reused most-recently-released first (so a light load keeps few sockets warm).
 */
export const makeRemote = (options: Options, config: ConnectionPoolSection) =>
  Effect.gen(function* () {
    yield* DatabaseConfig.validate(options)
    const token = options.authToken === undefined ? undefined : Redacted.value(options.authToken)
    // The client's own checks of the URL (its query parameters, ...) now, so a URL it refuses fails the layer
    // rather than every operation. An HTTP client opens nothing until its first request.
    yield* Effect.try({
      try: () => createClient({ url: options.url, ...(token ? { authToken: token } : {}) }).close(),
      catch: (error) =>
        new InvalidDatabaseUrl({
          url: DatabaseConfig.redactUrl(options.url),
          reason: toFailure("open", error, options.authToken).message
        })
    })
    const permits = Permits.make(config.max_connections, Duration.seconds(config.connection_timeout_secs))
    const counters = new Counters()
    const all = new Map<number, RemoteConnection>()
    const idle: Array<RemoteConnection> = []
    /** Leases taken by maintenance (keep-alive pings), each with a signal for when it is released. */
    const maintenance = new Map<RemoteLease, Deferred.Deferred<void>>()
    const listeners = new Set<(event: PoolEvent) => void>()
    const emit = (event: PoolEvent) => {
      for (const listener of listeners) listener(event)
    }
    const listener: Listener = {
      socketOpened: () => void counters.sockets_opened++,
      socketClosed: (connection, wasIdle, idleMs) => {
        counters.sockets_closed++
        if (!wasIdle) return
        counters.sockets_closed_idle++
        emit({ _tag: "IdleClose", connection_id: connection.id, idle_ms: idleMs })
      },
      request: (observation) => {
        counters.requests++
        emit({ _tag: "Request", ...observation })
      }
    }
    let nextId = 1

    const create = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.try({
        try: () => {
          const connection = new RemoteConnection(nextId, { url: options.url, authToken: token }, now, listener)
          nextId++
          all.set(connection.id, connection)
          counters.connections_created++
          return connection
        },
        catch: (error) => toFailure("connect", error, options.authToken)
      })
    )

    const discard = (connection: RemoteConnection) => {
      all.delete(connection.id)
      counters.connections_replaced++
      void connection.close()
    }

    const replace = (lease: RemoteLease) =>
      create.pipe(
        Effect.tap((next) => {
          discard(lease.current)
          next.inUse = true
          lease.current = next
          lease.verified = true
        }),
        // No new connection: the old one is not reused either (it goes when the lease is released).
        Effect.tapError(() =>
          Effect.sync(() => {
            lease.current.broken = true
          })
        ),
        Effect.asVoid
      )

    const release = (lease: RemoteLease) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const connection = lease.current
        connection.inUse = false
        // A request still in flight here was abandoned (interrupted): the socket is not reusable.
        if (connection.broken || connection.inFlight > 0) discard(connection)
        else {
          connection.lastUsedAt = now
          idle.push(connection)
        }
        permits.release()
        const pinged = maintenance.get(lease)
        if (pinged !== undefined) {
          maintenance.delete(lease)
          Deferred.unsafeDone(pinged, Exit.void)
        }
      })

    const timeoutMs = config.connection_timeout_secs * 1000
    const take: Take<RemoteLease, DatabaseFailure | PoolTimeout> = (restore, waitedMs) =>
      Effect.gen(function* () {
        const start = yield* Clock.currentTimeMillis
        // No idle connection, but one is busy with a ping: its answer is at most a round trip (bounded by the ping
        // timeout) away, sooner and cheaper than opening a new socket. The wait is interruptible, counted as
        // waiting, and bounded by what is left of the acquire timeout.
        while (idle.length === 0 && maintenance.size > 0) {
          const left = Math.max(0, timeoutMs - waitedMs - ((yield* Clock.currentTimeMillis) - start))
          counters.waiting_for_ping++
          yield* restore(
            Deferred.await(maintenance.values().next().value!).pipe(
              Effect.timeoutFail({
                duration: left,
                onTimeout: () =>
                  new PoolTimeout({
                    waited_ms: timeoutMs,
                    max_connections: config.max_connections,
                    waiting: permits.waiting() + counters.waiting_for_ping - 1
                  })
              })
            )
          ).pipe(Effect.ensuring(Effect.sync(() => counters.waiting_for_ping--)))
        }
        const now = yield* Clock.currentTimeMillis
        const connection = idle.pop() ?? (yield* create)
        connection.inUse = true
        const lease = new RemoteLease(connection, connection.requests === 0 ? 0 : now - connection.lastUsedAt, replace)
        return [lease, now - start] as const
      })

    /** Silences that decorators (keep-alive) promise to stay within, by their pings; see `keptWarm`. */
    const keptWarm = new Set<{ readonly ms: number }>()
    const idleThresholdMs = () => Math.max(config.health_check_idle_secs * 1000, ...[...keptWarm].map((k) => k.ms))
    const healthCheck = (lease: RemoteLease) =>
      Effect.gen(function* () {
        if (!config.enable_health_check || lease.verified || !lease.socketOpen) return
        if (lease.idleMs < idleThresholdMs()) return
        counters.health_checks++
        if (yield* lease.ping(Duration.seconds(config.health_check_timeout_secs))) return
        counters.health_check_failures++
        yield* lease.replace
      })

    yield* Effect.addFinalizer(() =>
      Effect.promise(() => Promise.all([...all.values()].map((connection) => connection.close())))
    )

    return {
      kind: "remote",
      config,
      authToken: options.authToken,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      checkout: checkoutWith(permits, counters, take, release).pipe(Effect.tap(healthCheck)),
      reserveIdle: (id: number) =>
        Effect.uninterruptible(
          Effect.gen(function* () {
            const connection = all.get(id)
            if (connection === undefined || connection.inUse || !permits.tryAcquire()) return Option.none<Lease>()
            idle.splice(idle.indexOf(connection), 1)
            connection.inUse = true
            const now = yield* Clock.currentTimeMillis
            const lease = new RemoteLease(connection, now - connection.lastUsedAt, replace)
            maintenance.set(lease, yield* Deferred.make<void>())
            yield* Effect.addFinalizer(() => release(lease))
            return Option.some<Lease>(lease)
          })
        ),
      connections: Effect.map(Clock.currentTimeMillis, (now) =>
        [...all.values()].map((c) => ({
          id: c.id,
          in_use: c.inUse,
          idle_ms: c.inUse ? 0 : Math.max(0, now - c.lastUsedAt),
          socket_open: c.socketsOpen > 0,
          sockets: c.sockets,
          requests: c.requests
        }))
      ),
      keptWarm: (maxSilenceMs: number) =>
        Effect.acquireRelease(
          Effect.sync(() => {
            const entry = { ms: maxSilenceMs }
            keptWarm.add(entry)
            return entry
          }),
          (entry) => Effect.sync(() => keptWarm.delete(entry))
        ).pipe(Effect.asVoid),
      observe: (callback: (event: PoolEvent) => void) =>
        Effect.acquireRelease(
          Effect.sync(() => listeners.add(callback)),
          () => Effect.sync(() => listeners.delete(callback))
        ).pipe(Effect.asVoid),
      stats: counters.snapshot(permits, () => idle.length),
      // Remote statements are cached by the client per stream (`store_sql`), not here.
      preparedStatements: undefined
    } satisfies ConnectionPool["Type"]
  })
