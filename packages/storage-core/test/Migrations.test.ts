import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Codec } from "@memory-turso/compression"
import { DEFAULT_NAMESPACE, EpisodeQuery } from "@memory-turso/model"
import { Database, Pool } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { migrate, migrations } from "../src/Migrations.js"
import * as Storage from "../src/Storage.js"

describe("Migrations", () => {
  it.scoped("applies every migration once; re-running is a no-op", () =>
    Effect.gen(function* () {
      const first = yield* migrate()
      const second = yield* migrate()
      expect(first).toEqual(migrations.map((m) => m.version))
      expect(second).toEqual([])
      const db = yield* Database.Database
      const ledger = yield* db.execute({ sql: "SELECT version FROM schema_migrations", args: [] })
      expect(ledger.rows.map((r) => r["version"])).toEqual(migrations.map((m) => m.version))
    }).pipe(Effect.provide(Database.layerTest))
  )

  it.scoped("a failing migration applies nothing of itself and is not recorded", () =>
    Effect.gen(function* () {
      yield* migrate()
      const broken = { version: 999, name: "broken", statements: ["CREATE TABLE extra (x INTEGER)", "NOT SQL"] }
      const failed = yield* Effect.flip(migrate([...migrations, broken]))
      expect(failed._tag).toBe("DatabaseError")
      const db = yield* Database.Database
      const tables = yield* db.execute({ sql: "SELECT name FROM sqlite_master WHERE name = 'extra'", args: [] })
      expect(tables.rows).toHaveLength(0)
      const ledger = yield* db.execute({ sql: "SELECT max(version) AS v FROM schema_migrations", args: [] })
      expect(ledger.rows[0]?.["v"]).toBe(migrations.at(-1)!.version)
    }).pipe(Effect.provide(Database.layerTest))
  )
})

/** The release 0.0.0 database (see fixtures/release-0.0.0/README.md), copied to a temporary directory. */
const releaseFixture = Effect.gen(function* () {
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "memory-turso-fixture-"))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )
  copyFileSync(fileURLToPath(new URL("fixtures/release-0.0.0/memory.db", import.meta.url)), join(dir, "memory.db"))
  return `file:${join(dir, "memory.db")}`
})
const expected = JSON.parse(
  readFileSync(fileURLToPath(new URL("fixtures/release-0.0.0/expected.json", import.meta.url)), "utf8")
) as Record<"episodes" | "patterns" | "heuristics" | "embeddings", Record<string, unknown>>

describe("a database written by release 0.0.0", () => {
  it.scoped("migrates: every record lands in the default namespace at version 1 and reads back unchanged", () =>
    Effect.gen(function* () {
      const url = yield* releaseFixture
      const layer = Storage.layer().pipe(Layer.provideMerge(Layer.merge(Pool.layer({ url }), Codec.layer())))
      yield* Effect.gen(function* () {
        const storage = yield* Storage.Storage
        const db = yield* Database.Database
        for (const [id, body] of Object.entries(expected.episodes)) {
          expect(Storage.EpisodeJson.stringify(yield* storage.getEpisode(DEFAULT_NAMESPACE, id))).toBe(
            JSON.stringify({ ...(body as object), version: 1 })
          )
        }
        for (const [id, body] of Object.entries(expected.patterns)) {
          expect(Storage.PatternJson.stringify(yield* storage.getPattern(DEFAULT_NAMESPACE, id))).toBe(
            JSON.stringify({ ...(body as object), version: 1 })
          )
        }
        for (const [id, body] of Object.entries(expected.heuristics)) {
          expect(Storage.HeuristicJson.stringify(yield* storage.getHeuristic(DEFAULT_NAMESPACE, id))).toBe(
            JSON.stringify({ ...(body as object), version: 1 })
          )
        }
        for (const [key, body] of Object.entries(expected.embeddings)) {
          const [type, id] = key.split("/") as ["episode" | "pattern", string]
          expect(yield* storage.getEmbedding(DEFAULT_NAMESPACE, type, id)).toEqual({ ...(body as object), version: 1 })
        }
        expect(yield* storage.counts(DEFAULT_NAMESPACE)).toEqual({
          episodes: Object.keys(expected.episodes).length,
          patterns: Object.keys(expected.patterns).length,
          heuristics: Object.keys(expected.heuristics).length,
          embeddings: Object.keys(expected.embeddings).length
        })
        // Their index rows moved too: tag and metadata filters still find them.
        const tagged = yield* storage.queryEpisodes(
          DEFAULT_NAMESPACE,
          Schema.decodeUnknownSync(EpisodeQuery)({ tags: ["shared"], metadata: { team: "a" } })
        )
        expect(tagged.items.map((e) => e.episode_id)).toEqual(["small-1"])
        // Every namespaced table holds "default" only, and the ledger records the last migration.
        for (const table of ["episodes", "episode_tags", "episode_metadata", "patterns", "heuristics", "embeddings"]) {
          const namespaces = yield* db.execute({ sql: `SELECT DISTINCT namespace FROM ${table}`, args: [] })
          expect(namespaces.rows.map((r) => r["namespace"])).toEqual(["default"])
        }
        const version = yield* db.execute({ sql: "SELECT max(version) AS v FROM schema_migrations", args: [] })
        expect(version.rows[0]?.["v"]).toBe(migrations.at(-1)!.version)
      }).pipe(Effect.provide(layer))
    })
  )
})
