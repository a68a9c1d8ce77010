import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { ConnectionPool, Lease, Options, SyncRunner } from "../ConnectionPool.js"
import * as DatabaseConfig from "../DatabaseConfig.js"
import type { ConnectionPoolSection } from "../PoolConfig.js"
import { busyTimeoutOf, DEFAULT_REQUEST_TIMEOUT_MS, openClient } from "./client.js"
import { Counters, checkoutWith } from "./counters.js"
import * as Permits from "./permits.js"
import { pingClient, pingClientCarrying } from "./ping.js"
import { withPreparedStatements } from "./preparedClient.js"

/** Prepared statements kept for re-use by default (the storage layer uses a few dozen distinct texts). */
const DEFAULT_STATEMENT_CACHE = 256

/**
 * The embedded (`file:`) pool: the engine runs in-process and synchronously, so there is nothing to keep warm or
 * health-check. The pool bounds operations and transactions in flight with the same FIFO permits and statistics,
 * over one client (which opens its own connections for transactions and concurrent calls). Its `execute` and
 * `batch` run on one native connection with a cache of prepared statements (unless `statementCacheSize` is 0), also
 * synchronously (`synchronous`) when a permit is free at once.
 */
export const makeEmbedded = (options: Options, config: ConnectionPoolSection) =>
  Effect.gen(function* () {
    const path = DatabaseConfig.filePath(options.url)
    const capacity = options.statementCacheSize ?? DEFAULT_STATEMENT_CACHE
    const opened = yield* Effect.acquireRelease(
      Effect.map(openClient(options), (raw) =>
        path === undefined || capacity <= 0
          ? { client: raw, sync: undefined, stats: undefined }
          : withPreparedStatements(raw, { path, capacity, busyTimeoutMs: busyTimeoutOf(options) })
      ),
      ({ client }) => Effect.sync(() => client.close())
    )
    const client = opened.client
    const permits = Permits.make(config.max_connections, Duration.seconds(config.connection_timeout_secs))
    const counters = new Counters()
    const lease: Lease = {
      id: 0,
      client,
      idleMs: 0,
      verified: true,
      socketOpen: false,
      ping: (timeout) => pingClient(client, timeout),
      pingCarrying: (statements, timeout) => pingClientCarrying(client, statements, timeout),
      replace: Effect.void
    }
    const release = Effect.sync(() => permits.release())
    const sync = opened.sync
    const synchronous: SyncRunner | undefined =
      sync === undefined
        ? undefined
        : {
            tryRun: (use) => {
              if (!permits.tryAcquire()) return undefined
              counters.acquired(0)
              try {
                return { value: use(sync) }
              } finally {
                permits.release()
              }
            }
          }
    return {
      kind: "embedded",
      config,
      authToken: options.authToken,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      checkout: checkoutWith(
        permits,
        counters,
        () => Effect.succeed([lease, 0] as const),
        () => release
      ),
      reserveIdle: () => Effect.succeed(Option.none()),
      keptWarm: () => Effect.void,
      connections: Effect.succeed([]),
      observe: () => Effect.void,
      stats: counters.snapshot(permits, () => permits.max - permits.active()),
      preparedStatements: opened.stats,
      synchronous
    } satisfies ConnectionPool["Type"]
  })
