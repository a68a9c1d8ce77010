import { copyFileSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Codec } from "@memory-turso/compression"
import { Namespace, RecallQuery, type RecallQueryInput } from "@memory-turso/model"
import { Database, Pool } from "@memory-turso/pool"
import { acquireTestServer } from "@memory-turso/testkit"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { TEXT_TABLES } from "../src/internal/recallSchema.js"
import { textSql } from "../src/internal/textIndex.js"
import { makeVectorIndexes } from "../src/internal/vectorIndex.js"
import { makeVectorRecall, vectorStatement } from "../src/internal/vectorRecall.js"
import { RecallPolicy, type RecallPolicyInput } from "../src/RecallConfig.js"
import * as Storage from "../src/Storage.js"
import { episode, heuristic, ns, pattern } from "./support/fixtures.js"

const query = (input: RecallQueryInput) => Schema.decodeUnknownSync(RecallQuery)(input)
/** Storage with recall options; neighbours uncompressed unless said (1 bit per dimension of 8 leaves no ranking). */
const layerWith = (recall: RecallPolicyInput = {}) =>
  Storage.layer({ recall: { compress_neighbors: "none", ...recall }, compression: { use_dictionary: false } }).pipe(
    Layer.provideMerge(Layer.merge(Database.layerTest, Codec.layer()))
  )
const other = Namespace.make("other-team")
const D = 8

/** A deterministic vector around one of `clusters` centres. */
const vectorOf = (i: number, clusters = 5) =>
  Array.from({ length: D }, (_, d) => Math.sin((i % clusters) * 3.1 + d * 1.7) * 2 + Math.sin(i * 12.9 + d * 0.7) * 0.3)

const rows = (sql: string, args: ReadonlyArray<unknown> = []) =>
  Effect.flatMap(Database.Database, (db) =>
    Effect.map(db.execute({ sql, args: args as never }), (result) => result.rows)
  )

const ids = (result: { readonly items: ReadonlyArray<{ readonly item_id: string }> }) =>
  result.items.map((item) => item.item_id)

/** `n` episodes (`e0`..) with embeddings, in `namespace`; every tenth carries the tag "rare" when asked. */
const seedEpisodes = (namespace: Namespace, n: number, prefix = "e", tagEvery = 0) =>
  Effect.gen(function* () {
    const storage = yield* Storage.Storage
    yield* storage.upsertEpisodes(
      namespace,
      Array.from({ length: n }, (_, i) =>
        episode({
          episode_id: `${prefix}${i}`,
          task_description: `task number ${i}`,
          tags: tagEvery > 0 && i % tagEvery === 0 ? ["rare"] : []
        })
      )
    )
    for (let i = 0; i < n; i++) {
      yield* storage.upsertEmbedding(namespace, {
        item_type: "episode",
        item_id: `${prefix}${i}`,
        model: "m",
        vector: vectorOf(i)
      })
    }
  })

describe("full-text recall", () => {
  it.scoped("finds episodes, patterns and heuristics by their words, and follows updates and deletes", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* storage.upsertEpisode(
        ns,
        episode({
          episode_id: "build",
          task_description: "fix the webpack build",
          steps: [
            {
              step_number: 1,
              timestamp: "2026-01-01T00:00:00Z",
              tool: "shell",
              action: "run the bundler",
              result: { type: "error", message: "ENOSPC watcher limit" },
              latency_ms: 3
            }
          ],
          reflection: { successes: [], improvements: ["raise inotify limits"], insights: [] }
        })
      )
      yield* storage.upsertEpisode(ns, episode({ episode_id: "docs", task_description: "write the readme" }))
      yield* storage.upsertPattern(
        ns,
        pattern({ type: "error_recovery", pattern_id: "p1", error_type: "ENOSPC", recovery_steps: ["sysctl"] })
      )
      yield* storage.upsertHeuristic(
        ns,
        heuristic({ heuristic_id: "h1", condition: "inotify fails", action: "raise limits" })
      )
      const found = yield* storage.recall(ns, query({ text: "ENOSPC" }))
      expect(found.items.map((i) => `${i.item_type}/${i.item_id}`).sort()).toEqual(["episode/build", "pattern/p1"])
      expect(found.plan).toEqual({ vector: "none", candidates: 0, index_queries: 0, text: true })
      // stemming: "limits" finds "limit" and "limits"
      expect(ids(yield* storage.recall(ns, query({ text: "limit", kinds: ["heuristic"] })))).toEqual(["h1"])
      expect(ids(yield* storage.recall(ns, query({ text: "inotify", kinds: ["episode"] })))).toEqual(["build"])

      // an update replaces the words
      yield* storage.upsertEpisode(ns, episode({ episode_id: "build", task_description: "tune the rollup config" }))
      expect(ids(yield* storage.recall(ns, query({ text: "webpack" })))).toEqual([])
      expect(ids(yield* storage.recall(ns, query({ text: "rollup" })))).toEqual(["build"])
      // a guarded write that fails its version leaves the words as they were
      const failed = yield* Effect.flip(
        storage.upsertEpisode(ns, episode({ episode_id: "build", task_description: "vite" }), { ifVersion: 1 })
      )
      expect(failed._tag).toBe("PreconditionFailed")
      expect(ids(yield* storage.recall(ns, query({ text: "vite" })))).toEqual([])
      expect(ids(yield* storage.recall(ns, query({ text: "rollup" })))).toEqual(["build"])
      // and one at the right version replaces them
      yield* storage.upsertEpisode(ns, episode({ episode_id: "build", task_description: "vite" }), { ifVersion: 2 })
      expect(ids(yield* storage.recall(ns, query({ text: "vite rollup" })))).toEqual(["build"])
      expect(ids(yield* storage.recall(ns, query({ text: "rollup" })))).toEqual([])

      // deletes take the text row with them: one text row per remaining record
      yield* storage.deleteEpisode(ns, "build")
      yield* storage.deletePattern(ns, "p1", { ifVersion: 1 })
      yield* storage.deleteHeuristic(ns, "h1")
      expect(ids(yield* storage.recall(ns, query({ text: "vite ENOSPC inotify" })))).toEqual([])
      const counts = yield* rows(`SELECT (SELECT count(*) FROM episodes_text) AS e, (SELECT count(*) FROM patterns_text)
        AS p, (SELECT count(*) FROM heuristics_text) AS h`)
      expect(counts[0]).toMatchObject({ e: 1, p: 0, h: 0 })
    }).pipe(Effect.provide(layerWith()))
  )

  it.scoped("batch writes index every record once, the last write of an id winning", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* storage.upsertEpisodes(ns, [
        episode({ episode_id: "a", task_description: "alpha" }),
        episode({ episode_id: "b", task_description: "beta" }),
        episode({ episode_id: "a", task_description: "gamma" })
      ])
      yield* storage.upsertHeuristics(ns, [heuristic({ heuristic_id: "h", condition: "delta", action: "x" })])
      expect(ids(yield* storage.recall(ns, query({ text: "alpha" })))).toEqual([])
      expect(ids(yield* storage.recall(ns, query({ text: "gamma beta" }))).sort()).toEqual(["a", "b"])
      expect(ids(yield* storage.recall(ns, query({ text: "delta" })))).toEqual(["h"])
      expect((yield* rows("SELECT count(*) AS n FROM episodes_text"))[0]?.["n"]).toBe(2)
    }).pipe(Effect.provide(layerWith()))
  )

  it.scoped("a batch's text rows are written by key lookups, never a scan of the table per batch", () =>
    Effect.gen(function* () {
      const db = yield* Database.Database
      yield* seedEpisodes(ns, 50)
      for (const [kind, table] of [
        ["episodes", "episodes_text"],
        ["patterns", "patterns_text"],
        ["heuristics", "heuristics_text"]
      ] as const) {
        const statement = textSql(TEXT_TABLES[kind]).afterWrites(ns, [["e1", "words"]])
        const plan = yield* db.execute({ sql: `EXPLAIN QUERY PLAN ${statement.sql}`, args: statement.args })
        const details = plan.rows.map((row) => String(row["detail"]))
        expect(details[0], table).toMatch(/^SCAN j\b/)
        expect(details[1], table).toMatch(
          /^SEARCH d USING (COVERING )?INDEX sqlite_autoindex_\w+ \(namespace=\? AND \w+_id=\?\)/
        )
      }
    }).pipe(Effect.provide(layerWith()))
  )

  it.scoped("never returns another namespace's records; any text is a valid query", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* storage.upsertEpisode(ns, episode({ episode_id: "mine", task_description: "secret plan" }))
      yield* storage.upsertEpisode(other, episode({ episode_id: "theirs", task_description: "secret plan" }))
      expect(ids(yield* storage.recall(other, query({ text: "secret" })))).toEqual(["theirs"])
      const odd = yield* storage.recall(ns, query({ text: '"unterminated AND OR NOT * ( NEAR' }))
      expect(odd.items).toEqual([])
      const none = yield* storage.recall(ns, query({ text: "!!! ???" }))
      expect(none.plan.text).toBe(false)
    }).pipe(Effect.provide(layerWith()))
  )
})

describe("vector recall", () => {
  it.scoped("the index answers with the exact scan's ranking, and never with another namespace's items", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* seedEpisodes(ns, 270, "big")
      yield* seedEpisodes(other, 30, "small")
      for (const target of [0, 1, 2, 3, 4, 7]) {
        const vector = vectorOf(target)
        const viaIndex = yield* storage.recall(other, query({ vector, k: 5 }))
        const exact = yield* storage.recall(other, query({ vector, k: 5, exact: true }))
        expect(viaIndex.plan.vector).toBe("index")
        expect(exact.plan).toMatchObject({ vector: "exact", index_queries: 0 })
        expect(ids(viaIndex)).toEqual(ids(exact))
        expect(ids(viaIndex).every((id) => id.startsWith("small"))).toBe(true)
        expect(viaIndex.items).toHaveLength(5)
      }
      // the namespace keeps 10% of the rows: the index was asked for more than k
      const last = yield* storage.recall(other, query({ vector: vectorOf(1), k: 5 }))
      expect(last.plan.candidates).toBeGreaterThan(10)
    }).pipe(Effect.provide(layerWith({ exact_below: 0 })))
  )

  it.scoped("too selective filters fall back to an exact scan; `max_candidates` says when", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* seedEpisodes(ns, 300, "e", 100)
      const result = yield* storage.recall(ns, query({ vector: vectorOf(4), k: 3, filters: { tags: ["rare"] } }))
      expect(result.plan.vector).toBe("exact")
      expect(result.plan.index_queries).toBeGreaterThan(0)
      expect(ids(result).sort()).toEqual(["e0", "e100", "e200"])
      // remembered: the next query of those filters starts at max_candidates (one index query, then the scan)
      const again = yield* storage.recall(ns, query({ vector: vectorOf(3), k: 3, filters: { tags: ["rare"] } }))
      expect(again.plan).toMatchObject({ vector: "exact", index_queries: 1 })
    }).pipe(Effect.provide(layerWith({ exact_below: 0, max_candidates: 40 })))
  )

  it.scoped("a larger `search_l` and `max_candidates` let the index answer the same filters", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* seedEpisodes(ns, 300, "e", 100)
      const result = yield* storage.recall(ns, query({ vector: vectorOf(0), k: 3, filters: { tags: ["rare"] } }))
      expect(result.plan.vector).toBe("index")
      expect(ids(result).sort()).toEqual(["e0", "e100", "e200"])
    }).pipe(Effect.provide(layerWith({ exact_below: 0, max_candidates: 1000, search_l: 1000 })))
  )

  it.scoped("the index returns at most `search_l` rows: filters letting fewer than k of them through scan", () =>
    Effect.gen(function* () {
      yield* seedEpisodes(ns, 300, "e", 100)
      const db = yield* Database.Database
      const [returned] = yield* rows(`SELECT count(*) AS n FROM vector_top_k('embedding_vectors_${D}_idx', ?, 250)`, [
        new Uint8Array(new Float32Array(vectorOf(0)).buffer)
      ])
      expect(Number(returned?.["n"])).toBeLessThanOrEqual(60)
      expect(db.kind).toBe("embedded")
      const storage = yield* Storage.Storage
      const result = yield* storage.recall(ns, query({ vector: vectorOf(4), k: 3, filters: { tags: ["rare"] } }))
      expect(result.plan.vector).toBe("exact")
      expect(result.plan.index_queries).toBeGreaterThan(0)
      expect(ids(result).sort()).toEqual(["e0", "e100", "e200"])
    }).pipe(Effect.provide(layerWith({ exact_below: 0, search_l: 50 })))
  )

  it.scoped("a namespace with at most `exact_below` vectors is scanned exactly without asking the index", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* seedEpisodes(ns, 50)
      const small = yield* storage.recall(ns, query({ vector: vectorOf(1), k: 5 }))
      expect(small.plan).toMatchObject({ vector: "exact", index_queries: 0 })
    }).pipe(Effect.provide(layerWith({ exact_below: 50 })))
  )

  it.scoped("`index_vectors = false` creates no index and scans", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* seedEpisodes(ns, 20)
      const result = yield* storage.recall(ns, query({ vector: vectorOf(1), k: 5 }))
      expect(result.plan).toMatchObject({ vector: "exact", index_queries: 0 })
      expect(yield* rows("SELECT name FROM sqlite_master WHERE name LIKE 'embedding_vectors%'")).toEqual([])
    }).pipe(Effect.provide(layerWith({ index_vectors: false, exact_below: 0 })))
  )

  it.scoped("index settings are the configured ones and recorded", () =>
    Effect.gen(function* () {
      yield* seedEpisodes(ns, 3)
      const [index] = yield* rows(`SELECT sql FROM sqlite_master WHERE name = 'embedding_vectors_${D}_idx'`)
      expect(String(index?.["sql"])).toContain("'metric=l2', 'max_neighbors=12', 'search_l=50'")
      expect(String(index?.["sql"])).not.toContain("compress_neighbors")
      const [registered] = yield* rows("SELECT settings FROM vector_indexes WHERE dimensions = ?", [D])
      expect(registered?.["settings"]).toBe("metric=l2,max_neighbors=12,search_l=50")
    }).pipe(Effect.provide(layerWith({ metric: "l2", max_neighbors: 12, compress_neighbors: "none", search_l: 50 })))
  )

  it.scoped("vector rows follow embeddings: rewrite, change of dimension, record delete", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* seedEpisodes(ns, 3)
      const count = (table: string) =>
        Effect.map(rows(`SELECT count(*) AS n FROM ${table}`), (r) => Number(r[0]?.["n"]))
      expect(yield* count(`embedding_vectors_${D}`)).toBe(3)
      yield* storage.upsertEmbedding(ns, { item_type: "episode", item_id: "e0", model: "m", vector: vectorOf(9) })
      expect(yield* count(`embedding_vectors_${D}`)).toBe(3)
      yield* storage.upsertEmbedding(ns, { item_type: "episode", item_id: "e1", model: "m", vector: [1, 2, 3] })
      expect(yield* count(`embedding_vectors_${D}`)).toBe(2)
      expect(yield* count("embedding_vectors_3")).toBe(1)
      yield* storage.deleteEpisode(ns, "e1")
      expect(yield* count("embedding_vectors_3")).toBe(0)
      yield* storage.deleteEmbedding(ns, "episode", "e2")
      expect(yield* count(`embedding_vectors_${D}`)).toBe(1)
      // the vector the index holds is the rewritten one
      const result = yield* storage.recall(ns, query({ vector: vectorOf(9), k: 1 }))
      expect(ids(result)).toEqual(["e0"])
      expect(result.items[0]?.score.vector_similarity).toBeCloseTo(1, 5)
    }).pipe(Effect.provide(layerWith({ exact_below: 0 })))
  )

  it.scoped(
    "the index query filters `vector_top_k` through `rowid IN`, never a scan joined with it (libsql #2212)",
    () =>
      Effect.gen(function* () {
        yield* seedEpisodes(ns, 3)
        const db = yield* Database.Database
        const statement = vectorStatement(
          ns,
          vectorOf(1),
          ["episode", "pattern"],
          { tags: ["x"], since: "2020-01-01T00:00:00Z" },
          { fetch: 20 }
        )
        expect(statement.sql).toContain("em.rowid IN (SELECT id FROM vector_top_k(")
        expect(statement.sql).not.toMatch(/JOIN\s+vector_top_k/i)
        const plan = yield* db.execute({ sql: `EXPLAIN QUERY PLAN ${statement.sql}`, args: statement.args })
        const details = plan.rows.map((row) => String(row["detail"]))
        // embeddings are reached by rowid from the list the index returned, not scanned
        expect(details.some((d) => /SEARCH em USING INTEGER PRIMARY KEY \(rowid=\?\)/.test(d))).toBe(true)
        expect(details.some((d) => /LIST SUBQUERY/.test(d))).toBe(true)
        expect(details.some((d) => /^SCAN em\b/.test(d))).toBe(false)
        const joined = yield* db.execute({
          sql: `EXPLAIN QUERY PLAN SELECT em.item_id FROM embeddings AS em JOIN vector_top_k('embedding_vectors_${D}_idx', ?, 20) AS v
        ON em.rowid = v.id WHERE em.namespace = ?`,
          args: [new Uint8Array(new Float32Array(vectorOf(1)).buffer), ns]
        })
        // the form the planner mishandles: embeddings in the outer loop, the index searched again for each row
        const joinedPlan = joined.rows.map((row) => String(row["detail"]))
        expect(joinedPlan[0]).toMatch(/^(SCAN|SEARCH) em\b/)
        expect(joinedPlan[1]).toMatch(/^SCAN v VIRTUAL TABLE/)
      }).pipe(Effect.provide(layerWith({ exact_below: 0 })))
  )
})

describe("the exact scan on an embedded database", () => {
  it.scoped("reads the namespace in chunks and keeps the same best k as one statement", () =>
    Effect.gen(function* () {
      yield* seedEpisodes(ns, 60, "e", 4)
      yield* seedEpisodes(other, 20, "o")
      const db = yield* Database.Database
      let statements = 0
      const counting = {
        ...db,
        execute: (statement: Database.Statement) =>
          Effect.suspend(() => {
            statements += 1
            return db.execute(statement)
          })
      }
      const policy = Schema.decodeSync(RecallPolicy)({})
      const search = makeVectorRecall(counting, makeVectorIndexes(counting, policy), policy, 7 * D)
      for (const filters of [{}, { tags: ["rare"] }]) {
        statements = 0
        const chunked = yield* search(ns, vectorOf(2), ["episode"], filters, 5, true)
        const whole = yield* db.execute(vectorStatement(ns, vectorOf(2), ["episode"], filters, { k: 5 }))
        expect(chunked.hits.map((h) => h.item_id)).toEqual(whole.rows.map((r) => String(r["item_id"])))
        // 60 rows (or the 15 tagged ones) of the namespace, 7 a chunk: every chunk one statement
        expect(statements).toBe("tags" in filters ? 3 : 9)
      }
    }).pipe(Effect.provide(layerWith()))
  )
})

describe("hybrid recall", () => {
  it.scoped("fuses text and vector ranks by reciprocal rank with `rrf_k`", () =>
    Effect.gen(function* () {
      const storage = yield* Storage.Storage
      yield* storage.upsertEpisodes(ns, [
        episode({ episode_id: "both", task_description: "deploy the service" }),
        episode({ episode_id: "text-only", task_description: "deploy deploy deploy" }),
        episode({ episode_id: "vector-only", task_description: "unrelated words" })
      ])
      const put = (id: string, vector: ReadonlyArray<number>) =>
        storage.upsertEmbedding(ns, { item_type: "episode", item_id: id, model: "m", vector })
      yield* put("vector-only", [1, 0, 0])
      yield* put("both", [0.9, 0.1, 0])
      const result = yield* storage.recall(ns, query({ text: "deploy", vector: [1, 0, 0], k: 3 }))
      expect(ids(result)[0]).toBe("both")
      const both = result.items[0]!.score
      expect(both.vector_rank).toBe(2)
      expect(both.fused).toBeCloseTo(1 / (10 + both.vector_rank!) + 1 / (10 + both.text_rank!), 12)
      expect(both.bm25).toBeGreaterThan(0)
      // text alone and vector alone rank by their own list
      expect(ids(yield* storage.recall(ns, query({ vector: [1, 0, 0], k: 1 })))).toEqual(["vector-only"])
      expect(ids(yield* storage.recall(ns, query({ text: "deploy", k: 1 })))).toEqual(["text-only"])
    }).pipe(Effect.provide(layerWith({ rrf_k: 10 })))
  )
})

describe("retrieval counts", () => {
  const seedOne = Effect.gen(function* () {
    const storage = yield* Storage.Storage
    yield* storage.upsertEpisode(ns, episode({ episode_id: "a", task_description: "alpha" }))
    yield* storage.upsertPattern(ns, pattern({ type: "tool_sequence", pattern_id: "p", tools: ["alpha"] }))
  })

  it.scoped("are off by default; asked for, each returned item counts once per recall", () =>
    Effect.gen(function* () {
      yield* seedOne
      const storage = yield* Storage.Storage
      const plain = yield* storage.recall(ns, query({ text: "alpha" }))
      expect(plain.items.every((item) => item.times_retrieved === undefined)).toBe(true)
      expect(yield* rows("SELECT * FROM retrieval_counts")).toEqual([])
      yield* storage.recall(ns, query({ text: "alpha", count_retrieved: true }))
      const second = yield* storage.recall(ns, query({ text: "alpha", count_retrieved: true, kinds: ["pattern"] }))
      expect(second.items).toEqual([expect.objectContaining({ item_id: "p", times_retrieved: 2 })])
      const stored = yield* rows("SELECT item_type, item_id, times_retrieved FROM retrieval_counts ORDER BY item_type")
      expect(stored.map((r) => [r["item_type"], r["item_id"], r["times_retrieved"]])).toEqual([
        ["episode", "a", 1],
        ["pattern", "p", 2]
      ])
      // the count goes with its record
      yield* storage.deletePattern(ns, "p")
      expect(yield* rows("SELECT * FROM retrieval_counts WHERE item_id = 'p'")).toEqual([])
    }).pipe(Effect.provide(layerWith()))
  )

  it.scoped("`count_retrievals = true` counts by default, and a request can still opt out", () =>
    Effect.gen(function* () {
      yield* seedOne
      const storage = yield* Storage.Storage
      const counted = yield* storage.recall(ns, query({ text: "alpha", kinds: ["episode"] }))
      expect(counted.items).toEqual([expect.objectContaining({ item_id: "a", times_retrieved: 1 })])
      yield* storage.recall(ns, query({ text: "alpha", count_retrieved: false }))
      expect((yield* rows("SELECT times_retrieved FROM retrieval_counts"))[0]?.["times_retrieved"]).toBe(1)
    }).pipe(Effect.provide(layerWith({ count_retrievals: true })))
  )
})

describe("a database migrated with records (release 0.0.0 fixture)", () => {
  const fixture = Effect.acquireRelease(
    Effect.sync(() => {
      const dir = mkdtempSync(join(tmpdir(), "memory-turso-recall-"))
      copyFileSync(fileURLToPath(new URL("fixtures/release-0.0.0/memory.db", import.meta.url)), join(dir, "memory.db"))
      return dir
    }),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

  it.scoped("gets the text rows and vector index rows of the records it already held", () =>
    Effect.gen(function* () {
      const dir = yield* fixture
      const layer = Storage.layer({ recall: { exact_below: 0 } }).pipe(
        Layer.provideMerge(Layer.merge(Pool.layer({ url: `file:${join(dir, "memory.db")}` }), Codec.layer()))
      )
      yield* Effect.gen(function* () {
        const storage = yield* Storage.Storage
        const count = (sql: string) => Effect.map(rows(sql), (r) => Number(r[0]?.["n"]))
        // every record has its text row, and the backfill marks are gone
        expect(yield* count("SELECT count(*) AS n FROM episodes_text")).toBe(10)
        expect(yield* count("SELECT count(*) AS n FROM patterns_text")).toBe(4)
        expect(yield* count("SELECT count(*) AS n FROM heuristics_text")).toBe(2)
        expect(yield* count("SELECT count(*) AS n FROM text_backfill")).toBe(0)
        const small = yield* storage.recall(ns, query({ text: "small episode", kinds: ["episode"], k: 100 }))
        expect(small.items.length).toBeGreaterThan(0)
        // each stored dimension (3 and 4) got its index, holding every embedding of that dimension
        expect(yield* count("SELECT count(*) AS n FROM vector_indexes")).toBe(2)
        expect(
          (yield* count("SELECT count(*) AS n FROM embedding_vectors_3")) +
            (yield* count("SELECT count(*) AS n FROM embedding_vectors_4"))
        ).toBe(4)
        const [embedded] = yield* rows("SELECT vector FROM embeddings WHERE item_id = 'small-1'")
        const found = yield* storage.recall(
          ns,
          query({ vector: Array.from(new Float32Array(embedded!["vector"] as ArrayBuffer)), k: 1 })
        )
        expect(found.plan.vector).toBe("index")
        expect(found.items.map((i) => i.item_id)).toEqual(["small-1"])
      }).pipe(Effect.provide(layer))
    })
  )
})

describe("recall on a remote database (test server)", () => {
  it.scopedLive("text rows, vector index and fused ranking work remotely; a text recall is one request", () =>
    Effect.gen(function* () {
      const server = yield* Effect.orDie(acquireTestServer())
      const layer = Storage.layer({ recall: { exact_below: 0, compress_neighbors: "none" } }).pipe(
        Layer.provideMerge(Layer.merge(Pool.layer({ url: server.url }), Codec.layer()))
      )
      const context = yield* Effect.orDie(Layer.build(layer))
      const storage = Context.get(context, Storage.Storage)
      yield* storage.upsertEpisodes(ns, [
        episode({ episode_id: "r1", task_description: "rotate the signing keys" }),
        episode({ episode_id: "r2", task_description: "water the plants" })
      ])
      yield* storage.upsertEpisode(ns, episode({ episode_id: "r2", task_description: "prune the keys list" }), {
        ifVersion: 1
      })
      yield* storage.upsertEmbedding(ns, { item_type: "episode", item_id: "r1", model: "m", vector: [1, 0, 0] })
      yield* storage.upsertEmbedding(ns, { item_type: "episode", item_id: "r2", model: "m", vector: [0, 1, 0] })
      server.resetStats()
      const text = yield* storage.recall(ns, query({ text: "keys" }))
      expect(ids(text).sort()).toEqual(["r1", "r2"])
      expect(server.stats().requests).toBe(1)
      expect(ids(yield* storage.recall(ns, query({ text: "plants" })))).toEqual([])
      const nearest = yield* storage.recall(ns, query({ vector: [0.1, 1, 0], k: 1 }))
      expect(nearest.plan).toMatchObject({ vector: "index", index_queries: 1 })
      expect(ids(nearest)).toEqual(["r2"])
      // a hybrid list is 30 deep: more than the namespace holds, so scanned without asking the index
      const both = yield* storage.recall(ns, query({ text: "signing", vector: [0.1, 1, 0], k: 2 }))
      expect(both.plan).toMatchObject({ vector: "exact", index_queries: 0 })
      expect(both.items.map((i) => [i.item_id, i.score.text_rank, i.score.vector_rank])).toEqual([
        ["r1", 1, 2],
        ["r2", undefined, 1]
      ])
    })
  )
})
