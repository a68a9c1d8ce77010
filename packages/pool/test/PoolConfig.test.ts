import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Database from "../src/Database.js"
import * as Pool from "../src/Pool.js"
import * as PoolConfig from "../src/PoolConfig.js"

const withEnv = (env: Record<string, string>) => Effect.withConfigProvider(ConfigProvider.fromJson(env))

describe("PoolConfig", () => {
  it.effect("defaults: 20 connections, 10 s acquire timeout, health check on with 2 s timeout, 30 s idle", () =>
    Effect.gen(function* () {
      const section = yield* PoolConfig.decode(undefined)
      expect(section).toEqual({
        max_connections: 20,
        connection_timeout_secs: 10,
        enable_health_check: true,
        health_check_timeout_secs: 2,
        health_check_idle_secs: 30
      })
      expect(PoolConfig.defaults).toEqual(section)
    })
  )

  it.effect("accepts the staging section verbatim", () =>
    Effect.gen(function* () {
      const staging = {
        max_connections: 20,
        connection_timeout_secs: 10,
        enable_health_check: true,
        health_check_timeout_secs: 2
      }
      expect(yield* PoolConfig.decode(staging)).toMatchObject(staging)
    })
  )

  it.effect("every invalid key is reported with its path", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        PoolConfig.decode({ max_connections: 0, connection_timeout_secs: -1, enable_health_check: "yes", extra: 1 })
      )
      expect(error._tag).toBe("PoolConfigError")
      const paths = error.issues.map((i) => i.path)
      expect(paths).toEqual(
        expect.arrayContaining([
          "connection_pool.max_connections",
          "connection_pool.connection_timeout_secs",
          "connection_pool.enable_health_check",
          "connection_pool.extra"
        ])
      )
      expect(error.message).toContain("connection_pool.max_connections")
      expect((yield* Effect.flip(PoolConfig.decode({ max_connections: 2.5 }))).message).toContain("max_connections")
    })
  )

  it.effect("MAX_CONNECTIONS from the environment overrides the file section", () =>
    Effect.gen(function* () {
      const fromFile = { max_connections: 5, health_check_timeout_secs: 1 }
      expect(yield* PoolConfig.fromEnv(fromFile).pipe(withEnv({}))).toMatchObject(fromFile)
      const section = yield* PoolConfig.fromEnv(fromFile).pipe(withEnv({ MAX_CONNECTIONS: "7" }))
      expect(section).toMatchObject({ max_connections: 7, health_check_timeout_secs: 1 })
      const bad = yield* Effect.flip(PoolConfig.fromEnv().pipe(withEnv({ MAX_CONNECTIONS: "0" })))
      expect(String(bad)).toContain("connection_pool.max_connections")
    })
  )

  it.effect("Pool.config reads the database and the pool section from the environment", () =>
    Effect.gen(function* () {
      const options = yield* Pool.config().pipe(
        withEnv({ TURSO_DB_URL: "libsql://x.turso.io", TURSO_AUTH_TOKEN: "t", MAX_CONNECTIONS: "3" })
      )
      expect(options.url).toBe("libsql://x.turso.io")
      expect(options.connection_pool?.max_connections).toBe(3)
    })
  )

  it.scoped("layerConfig builds the pooled layer from the environment", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "pool-config-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const stats = yield* Effect.flatMap(Database.Database, (db) =>
        Effect.zipRight(db.execute({ sql: "SELECT 1", args: [] }), db.stats)
      ).pipe(
        Effect.provide(Pool.layerConfig()),
        withEnv({ DATABASE_URL: `file:${join(dir, "x.db")}`, MAX_CONNECTIONS: "3" })
      )
      expect(stats.pool).toMatchObject({ max: 3, total_acquired: 1 })
    })
  )
})
