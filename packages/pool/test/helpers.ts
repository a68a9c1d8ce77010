import { acquireTestServer, type TestServerOptions } from "@memory-turso/testkit"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ConnectionPool from "../src/ConnectionPool.js"
import * as Database from "../src/Database.js"
import * as Pool from "../src/Pool.js"
import type * as PoolConfig from "../src/PoolConfig.js"

/** A test server for the test's scope. */
export const server = (options?: TestServerOptions) => acquireTestServer(options).pipe(Effect.orDie)

/** Polls (real time) until `check` holds, for effects the server or the sockets apply on their own. */
export const eventually = (check: () => boolean, timeoutMs = 15_000): Effect.Effect<void> =>
  Effect.promise(async () => {
    const end = Date.now() + timeoutMs
    while (!check()) {
      if (Date.now() > end) throw new Error("Condition not reached in time")
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  })

/** Real-time sleep (the live tests run against real sockets). */
export const sleep = (ms: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, ms)))

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
