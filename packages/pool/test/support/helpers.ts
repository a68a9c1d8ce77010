import { acquireTestServer, type TestServerOptions } from "@memory-turso/testkit"

export { eventually, sleep } from "@memory-turso/testkit"

import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ConnectionPool from "../../src/ConnectionPool.js"
import * as Database from "../../src/Database.js"
import * as Pool from "../../src/Pool.js"
import type * as PoolConfig from "../../src/PoolConfig.js"

/** A test server for the test's scope. */
export const server = (options?: TestServerOptions) => acquireTestServer(options).pipe(Effect.orDie)

export const select1 = { sql: "SELECT 1", args: [] }

/** The pooled Database and its ConnectionPool for `url`, built in the test's scope. */
export const pooled = (
  url: string,
  connection_pool: Partial<PoolConfig.ConnectionPoolSection> = {},
  options: Partial<Pool.Options> = {}
) =>
  Layer.build(Pool.layer({ url, connection_pool, ...options })).pipe(
    Effect.map((context) => ({
      db: Context.get(context, Database.Database),
      pool: Context.get(context, ConnectionPool.ConnectionPool)
    })),
    Effect.orDie
  )
