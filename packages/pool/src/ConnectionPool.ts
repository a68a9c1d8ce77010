import type { Client, ResultSet } from "@libsql/client"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { ClientOptions, Statement } from "./Database.js"
import * as DatabaseConfig from "./DatabaseConfig.js"
import type { DatabaseFailure, PoolTimeout } from "./DatabaseError.js"
import { makeEmbedded } from "./internal/embeddedPool.js"
import type { SyncClient } from "./internal/preparedClient.js"
import { makeRemote } from "./internal/remotePool.js"
import * as PoolConfig from "./PoolConfig.js"
import type { PoolStats } from "./PoolStats.js"
import type { PreparedStatementStats } from "./PreparedStatements.js"

/**
 * Why a request went out: a caller's operation, a check of a connection before use (health check, stale check),
 * or a keep-alive ping of an idle connection.
 */
export type Purpose = "operation" | "check" | "keepalive"

/** One finished HTTP request of a pooled connection, as measured in its `fetch`. */
export interface RequestObservation {
  readonly connection_id: number
  readonly purpose: Purpose
  /** The request opened a new socket (paid the TCP/TLS connect) rather than reusing a warm one. */
  readonly cold: boolean
  /** From sending the request to the last byte of the response body, in milliseconds. */
  readonly ms: number
  /** False when the request failed in the network (no HTTP response). */
  readonly ok: boolean
  /** What the previous request on the same socket was (undefined when this request opened the socket). */
  readonly previous_on_socket: Purpose | undefined
  /** Time since the previous operation request of this connection ended (undefined for its first). */
  readonly since_last_operation_ms: number | undefined
}

/** A connection checked out of the pool, held until the scope that checked it out closes. */
export interface Lease {
  /** The connection's id (0 in embedded mode, where all leases share one client). */
  readonly id: number
  /** The libSQL client of the connection (changes when `replace` runs). */
  readonly client: Client
  /** How long the connection had been idle when it was checked out, in milliseconds (Clock time). */
  readonly idleMs: number
  /** The connection carried no request yet, or answered a ping in this lease: no need to check it. */
  readonly verified: boolean
  /** A keep-alive socket is open (remote; false when the server closed it or none was opened yet). */
  readonly socketOpen: boolean
  /**
   * `SELECT 1` through this connection, bounded by `timeout`; false when it fails or times out. `purpose` labels
   * its request in observations (default `check`).
   */
  readonly ping: (timeout: Duration.DurationInput, purpose?: Exclude<Purpose, "operation">) => Effect.Effect<boolean>
  /**
   * The same ping carrying read-only `statements` in place of `SELECT 1` (one request): their results, or None when
   * it failed or timed out (then the connection is not verified).
   */
  readonly pingCarrying: (
    statements: ReadonlyArray<Statement>,
    timeout: Duration.DurationInput,
    purpose?: Exclude<Purpose, "operation">
  ) => Effect.Effect<Option.Option<ReadonlyArray<ResultSet>>>
  /**
   * Discards this connection (its socket is destroyed) and continues the lease on a new one. When no new one can be
   * made, it fails and the old connection is discarded when the lease ends.
   */
  readonly replace: Effect.Effect<void, DatabaseFailure>
}

/**
 * Calls run on the calling stack (embedded, with the prepared-statement cache: the engine is synchronous). `tryRun`
 * runs `use` now, holding a permit for its duration, when one is free at once and nobody waits (counted as an
 * acquire that waited 0 ms); otherwise it returns `undefined` and the caller takes `checkout`. It throws what `use`
 * throws.
 */
export interface SyncRunner {
  readonly tryRun: <A>(use: (client: SyncClient) => A) => { readonly value: A } | undefined
}

export type { SyncClient } from "./internal/preparedClient.js"

/** A connection of a remote pool, as seen by maintenance (keep-alive). */
export interface ConnectionInfo {
  readonly id: number
  readonly in_use: boolean
  /** Since the connection was last released (Clock time), in milliseconds. */
  readonly idle_ms: number
  readonly socket_open: boolean
  /** Sockets it opened so far, and requests it sent. */
  readonly sockets: number
  readonly requests: number
}

/** What a remote pool reports as it happens: each finished request, and each socket the server closed idle. */
export type PoolEvent =
  | ({ readonly _tag: "Request" } & RequestObservation)
  | { readonly _tag: "IdleClose"; readonly connection_id: number; readonly idle_ms: number }

/**
 * The connections behind the `Database` service: a bounded pool with a FIFO queue and acquire timeout, health
 * checks of doubtful connections, replacement of broken ones, and the hooks keep-alive needs (idle connections,
 * reservation for pings, request observations). Decorators (such as keep-alive) wrap `checkout`.
 */
export class ConnectionPool extends Context.Tag("@memory-turso/pool/ConnectionPool")<
  ConnectionPool,
  {
    readonly kind: DatabaseConfig.DatabaseKind
    readonly config: PoolConfig.ConnectionPoolSection
    /** The auth token, for redacting error messages; never logged. */
    readonly authToken: Redacted.Redacted<string> | undefined
    /** The deadline of each database call made through this pool, in milliseconds (`requestTimeoutMs`). */
    readonly requestTimeoutMs: number
    /**
     * Waits (FIFO, up to `connection_timeout_secs`) for a connection, checks it when doubtful, holds it for the
     * scope. Fails with `PoolTimeout`, or with `DatabaseUnavailable` when a connection cannot be made.
     */
    readonly checkout: Effect.Effect<Lease, PoolTimeout | DatabaseFailure, Scope.Scope>
    /** The idle connection `id` for the scope, if it is idle and a slot is free with nobody waiting; never waits. */
    readonly reserveIdle: (id: number) => Effect.Effect<Option.Option<Lease>, never, Scope.Scope>
    /** The remote connections now (empty in embedded mode). */
    readonly connections: Effect.Effect<ReadonlyArray<ConnectionInfo>>
    /**
     * Declares, while the scope is open, that a decorator pings idle connections so that none stays silent longer
     * than `maxSilenceMs` (keep-alive does). The health check then leaves connections idle for less than that
     * alone: they are kept warm, and checking them would cost a round trip for nothing. No effect when embedded.
     */
    readonly keptWarm: (maxSilenceMs: number) => Effect.Effect<void, never, Scope.Scope>
    /** Calls `listener` for every pool event while the scope is open. */
    readonly observe: (listener: (event: PoolEvent) => void) => Effect.Effect<void, never, Scope.Scope>
    readonly stats: Effect.Effect<PoolStats>
    /** The embedded prepared-statement cache's statistics; undefined when there is none (remote, or turned off). */
    readonly preparedStatements: (() => PreparedStatementStats) | undefined
    /** Synchronous calls, when the pool can make them (embedded with the statement cache); see `SyncRunner`. */
    readonly synchronous?: SyncRunner | undefined
  }
>() {}

/** The pool's shape, for decorators. */
export type Service = ConnectionPool["Type"]

/** Options: the database, and the `[connection_pool]` section (missing keys take their defaults). */
export interface Options extends ClientOptions {
  readonly connection_pool?: Partial<PoolConfig.ConnectionPoolSection> | undefined
  /**
   * Embedded only: how many prepared statements to keep for re-use (default 256); 0 turns the cache off and every
   * statement is prepared again by the client.
   */
  readonly statementCacheSize?: number | undefined
}

/** Builds the pool for the scope: remote URLs get pooled HTTP connections, `file:` URLs one shared client. */
export const make = Effect.fn("ConnectionPool.make")(function* (options: Options) {
  const config = yield* PoolConfig.decode(options.connection_pool)
  // Typed as the service: the implementations' own types (the remote lease class) stay internal.
  const pool: Service =
    DatabaseConfig.kindOf(options.url) === "embedded"
      ? yield* makeEmbedded(options, config)
      : yield* makeRemote(options, config)
  return pool
})

/** The pool as a layer. */
export const layer = (options: Options) => Layer.scoped(ConnectionPool, make(options))
