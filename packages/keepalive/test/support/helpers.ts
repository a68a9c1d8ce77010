import { ConnectionPool, Database, type Pool, type PoolConfig } from "@memory-turso/pool"
import { acquireTestServer, captureLogs, type TestServerOptions } from "@memory-turso/testkit"

export { eventually, sleep } from "@memory-turso/testkit"

import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as LogLevel from "effect/LogLevel"
import * as KeepAlive from "../../src/KeepAlive.js"
import type { KeepAliveSection } from "../../src/KeepAliveConfig.js"

/** A test server for the test's scope. */
export const server = (options?: TestServerOptions) => acquireTestServer(options).pipe(Effect.orDie)

export const select1 = { sql: "SELECT 1", args: [] }

/**
 * True once the client's pool holds no open socket: it has seen the server's close. A request sent before that
 * may race the close and is no idle close at all.
 */
export const clientSocketsClosed = (pool: ConnectionPool.ConnectionPool["Type"]) =>
  Effect.runSync(pool.stats).sockets_open === 0

/** Collects the messages of warning (and error) logs. */
export const warnings = () => captureLogs(LogLevel.Warning)

/** The keep-alive stack (Database, ConnectionPool, KeepAlive) for `url`, built in the test's scope. */
export const stack = (
  url: string,
  keepalive: Partial<KeepAliveSection>,
  connection_pool: Partial<PoolConfig.ConnectionPoolSection> = {},
  extra: { readonly logger?: Layer.Layer<never>; readonly options?: Partial<Pool.Options> } = {}
) =>
  Layer.build(
    KeepAlive.layerPool({ url, connection_pool, ...extra.options }, keepalive).pipe(
      Layer.provide(extra.logger ?? Layer.empty)
    )
  ).pipe(
    Effect.map((context) => ({
      db: Context.get(context, Database.Database),
      pool: Context.get(context, ConnectionPool.ConnectionPool),
      keepAlive: Context.get(context, KeepAlive.KeepAlive)
    })),
    Effect.orDie
  )
