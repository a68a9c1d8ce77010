import { describe, expect, it } from "@effect/vitest"
import { EpisodeQuery, type EpisodeQueryInput, Namespace } from "@memory-turso/model"
import { Database } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { queryEpisodes } from "../src/internal/episodeQuery.js"
import * as Storage from "../src/Storage.js"
import { episode, ns, TestLayer } from "./support/fixtures.js"

const query = (input: EpisodeQueryInput = {}) => Schema.decodeUnknownSync(EpisodeQuery)(input)

/** The tables that hold rows (as opposed to json_each and the query's own subqueries). */
const TABLES = ["episodes", "episode_tags", "episode_metadata"]

/** SQLite's plan of the statement `queryEpisodes` runs for `input`: one line per step. */
const planOf = (input: EpisodeQueryInput) =>
  Effect.gen(function* () {
    const db = yield* Database.Database
    const statement = queryEpisodes(ns, query(input), undefined, 1)
    const plan = yield* db.execute({ sql: `EXPLAIN QUERY PLAN ${statement.sql}`, args: statement.args })
    const aliases = new Map(
      [...statement.sql.matchAll(/\b(episodes|episode_tags|episode_metadata) (\w)\b/g)].map((m) => [m[2]!, m[1]!])
    )
    const steps = plan.rows.map((row) => String(row["detail"]))
    // A step that reads a whole table, or the whole namespace of one: the cost of the table, not of the matches.
    const scans = steps.filter((step) => {
      const read = /^(SCAN|SEARCH) (\w+)/.exec(step)
      if (read === null || !(TABLES.includes(read[2]!) || aliases.has(read[2]!))) return false
      return read[1] === "SCAN" || step.endsWith("(namespace=?)")
    })
    const searches = steps.filter((step) => step.startsWith("SEARCH"))
    return { steps, scans, searches }
  })

describe("tag and metadata filters use the side tables' indexes", () => {
  it.scoped("tags (all and any), metadata and both: index searches only, no scan of any table", () =>
    Effect.gen(function* () {
      for (const input of [
        { tags: ["a", "b"] },
        { tags: ["a", "b"], tags_mode: "any" as const },
        { metadata: { k: "v", j: "w" } },
        { tags: ["a"], metadata: { k: "v" }, domain: "web", completed: true, from: "2024-01-01T00:00:00Z" }
      ]) {
        const plan = yield* planOf(input)
        expect(plan.scans, JSON.stringify(plan.steps)).toEqual([])
        if (input.tags !== undefined) {
          expect(plan.searches).toContain("SEARCH g USING PRIMARY KEY (namespace=? AND tag=?)")
        }
        if (input.metadata !== undefined) {
          expect(plan.searches).toContain(
            "SEARCH d USING COVERING INDEX episode_metadata_by_pair (namespace=? AND key=? AND value=?)"
          )
        }
        // the matches are looked up in episodes by primary key
        expect(plan.searches).toContain(
          "SEARCH e USING INDEX sqlite_autoindex_episodes_1 (namespace=? AND episode_id=?)"
        )
      }
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("64 filters (32 tags, 32 metadata pairs) are still index searches, and 1000 pairs are one expression", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const tags = Array.from({ length: 32 }, (_, i) => `t${i}`)
      const metadata = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, `v${i}`]))
      const plan = yield* planOf({ tags, metadata })
      expect(plan.scans).toEqual([])
      yield* storage.upsertEpisodes(ns, [
        episode({ episode_id: "all", tags, metadata }),
        episode({ episode_id: "some", tags: tags.slice(1), metadata }),
        episode({ episode_id: "other", tags, metadata: { ...metadata, k0: "changed" } })
      ])
      const run = (input: EpisodeQueryInput) =>
        Effect.map(storage.queryEpisodes(ns, query(input)), (page) => page.items.map((e) => e.episode_id).sort())
      expect(yield* run({ tags, metadata })).toEqual(["all"])
      expect(yield* run({ tags, metadata, tags_mode: "any" })).toEqual(["all", "some"])
      expect(yield* run({ tags: ["t0", "t0", "t1"] })).toEqual(["all", "other"])
      // SQLite's expression depth limit (1000) is never reached: the pairs are one JSON argument
      const many = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, `v${i}`]))
      expect(yield* run({ metadata: many })).toEqual([])
      expect(yield* run({ tags: Array.from({ length: 2000 }, (_, i) => `t${i}`), tags_mode: "any" })).toEqual([
        "all",
        "other",
        "some"
      ])
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("filters of other namespaces' rows never match", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      const other = Namespace.make("team-b")
      yield* storage.upsertEpisodes(other, [episode({ episode_id: "b1", tags: ["x"], metadata: { k: "v" } })])
      yield* storage.upsertEpisodes(ns, [episode({ episode_id: "a1", tags: ["y"] })])
      const page = yield* storage.queryEpisodes(ns, query({ tags: ["x", "y"], tags_mode: "any" }))
      expect(page.items.map((e) => e.episode_id)).toEqual(["a1"])
      expect((yield* storage.queryEpisodes(ns, query({ metadata: { k: "v" } }))).items).toEqual([])
    }).pipe(Effect.provide(TestLayer))
  )
})
