import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ConnectionPool from "./ConnectionPool.js"
import * as Database from "./Database.js"
import * as DatabaseConfig from "./DatabaseConfig.js"
import { DatabaseUnavailable, type PoolTimeout } from "./DatabaseError.js"
import { fromAccess } from "./internal/databaseService.js"
import * as temporary from "./internal/temporary.js"
import * as PoolConfig from "./PoolConfig.js"

/** Options of the pooled layer: the database, and the `[connection_pool]` section. */
export type Options = ConnectionPool.Options

const unavailable = (operation: string) => (timeout: PoolTimeout) =>
  Effect.fail(new DatabaseUnavailable({ operation, message: timeout.message, code: "POOL_TIMEOUT", timeout }))

/**
 * The `Database` service over the `ConnectionPool` in context: each execute or batch holds one connection for
 * its one round trip, a transaction holds its connection until it commits or rolls back. A full pool fails the
 * operation with `DatabaseUnavailable` (`code: "POOL_TIMEOUT"`, the typed `PoolTimeout` in `timeout`).
 */
export const makeDatabase = Effect.gen(function* () {
  const pool = yield* ConnectionPool.ConnectionPool
  return fromAccess(
    {
      withClient: (operation, use) =>
        Effect.scoped(
          pool.checkout.pipe(
            Effect.catchTag("PoolTimeout", unavailable(operation)),
            Effect.flatMap((lease) => use(lease.client))
          )
        ),
      pool: pool.stats,
      sync: pool.synchronous
    },
    { kind: pool.kind, token: pool.authToken, requestTimeoutMs: pool.requestTimeoutMs }
  )
})

/** `Database` over a `ConnectionPool` provided from outside (for example one decorated by keep-alive). */
export const layerDatabase = Layer.effect(Database.Database, makeDatabase)

/** The pooled `Database` and its `ConnectionPool`. */
export const layer = (options: Options) => layerDatabase.pipe(Layer.provideMerge(ConnectionPool.layer(options)))

/**
 * The pool options from the environment: `TURSO_DB_URL` / `DATABASE_URL` / `TURSO_AUTH_TOKEN` for the database and
 * `MAX_CONNECTIONS` over `section` (the file's `[connection_pool]`, default all defaults).
 */
export const config = (section: unknown = {}): Config.Config<Options> =>
  Config.all({ database: DatabaseConfig.fromEnv, connection_pool: PoolConfig.fromEnv(section) }).pipe(
    Config.map(({ connection_pool, database }) => ({ ...database, connection_pool }))
  )

/** The pooled layer configured by `options` (default: `config()`, from the environment). */
export const layerConfig = (options: Config.Config<Options> = config()) =>
  Layer.unwrapEffect(Effect.map(options, layer))

/** A `file:` URL in a fresh temporary directory, removed when the scope closes (for test layers). */
export { temporaryUrl } from "./internal/temporary.js"

/** The pooled layer over a fresh embedded database file in a temporary directory, removed when the layer closes. */
export const layerTest = Layer.unwrapScoped(Effect.map(temporary.temporaryUrl, (url) => layer({ url })))
