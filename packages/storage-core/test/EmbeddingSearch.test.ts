import { describe, expect, it } from "@effect/vitest"
import { Namespace, SimilarityQuery, type SimilarityQueryInput } from "@memory-turso/model"
import { Database } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { searchPage } from "../src/internal/embeddingSearch.js"
import * as Storage from "../src/Storage.js"
import { episode, ns, pattern, TestLayer } from "./support/fixtures.js"

const search = (input: SimilarityQueryInput) => Schema.decodeUnknownSync(SimilarityQuery)(input)
const DIMENSIONS = 8
const ITEMS = 60

/** A deterministic vector for item `i` (never all zeros). */
const vectorOf = (i: number) =>
  Array.from({ length: DIMENSIONS }, (_, d) => Math.sin(i * 7.3 + d * 1.9) + (d === 0 ? 2 : 0))

/** 40 episodes and 20 patterns with embeddings of three models. */
const seed = Effect.gen(function* () {
  const storage = yield* Storage.Storage
  yield* storage.upsertEpisodes(
    ns,
    Array.from({ length: 40 }, (_, i) => episode({ episode_id: `e${i}` }))
  )
  yield* storage.upsertPatterns(
    ns,
    Array.from({ length: 20 }, (_, i) =>
      pattern({ type: "error_recovery", pattern_id: `p${i}`, error_type: "E", recovery_steps: [] })
    )
  )
  for (let i = 0; i < ITEMS; i++) {
    yield* storage.upsertEmbedding(ns, {
      item_type: i < 40 ? "episode" : "pattern",
      item_id: i < 40 ? `e${i}` : `p${i - 40}`,
      model: ["a", "b", "c"][i % 3]!,
      vector: vectorOf(i)
    })
  }
})

/** The database with its execute calls counted, seen as embedded (chunks) or as remote (one statement). */
const counted = (db: Database.Database["Type"], kind: "embedded" | "remote") => {
  const calls = { executes: 0 }
  const wrapped = Database.Database.of({
    ...db,
    kind,
    execute: (statement) =>
      Effect.suspend(() => {
        calls.executes++
        return db.execute(statement)
      })
  })
  return { db: wrapped, calls }
}

const ids = (page: Storage.Page<{ item_id: string }>) => page.items.map((m) => m.item_id)

describe("similarity search in chunks (embedded) and at once (remote)", () => {
  it.scoped("both give the same ranking for every filter; chunks of 3 rows read 60 vectors in 21 calls", () =>
    Effect.gen(function* () {
      yield* seed
      const db = yield* Database.Database
      const queries: Array<SimilarityQueryInput> = [
        { vector: vectorOf(3), k: 10 },
        { vector: vectorOf(3), k: 1000 },
        { vector: vectorOf(11), k: 7, model: "b" },
        { vector: vectorOf(11), k: 50, item_type: "pattern" },
        { vector: vectorOf(50), k: 1000, threshold: 0.9 },
        { vector: vectorOf(50), k: 5, model: "a", item_type: "episode", threshold: -0.5 },
        { vector: [1, 2, 3], k: 5 }
      ]
      for (const input of queries) {
        const chunked = counted(db, "embedded")
        const atOnce = counted(db, "remote")
        const a = yield* searchPage(chunked.db, ns, search(input), 1_000_000, 3 * DIMENSIONS)
        const b = yield* searchPage(atOnce.db, ns, search(input), 1_000_000, 3 * DIMENSIONS)
        expect(a, JSON.stringify(input)).toEqual(b)
        expect(atOnce.calls.executes).toBe(1)
        if (input.model === undefined && input.item_type === undefined && input.vector.length === DIMENSIONS) {
          expect(chunked.calls.executes).toBe(21)
        }
      }
      const all = yield* searchPage(db, ns, search({ vector: vectorOf(3), k: 1000 }), 1_000_000, 3 * DIMENSIONS)
      expect(all.items).toHaveLength(ITEMS)
      expect(new Set(ids(all)).size).toBe(ITEMS)
      expect(all.items[0]).toMatchObject({ item_id: "e3", model: "a" })
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("the event loop runs between two chunks", () =>
    Effect.gen(function* () {
      yield* seed
      const db = yield* Database.Database
      let ticks = 0
      let done = false
      const tick = () => {
        ticks++
        if (!done) setImmediate(tick)
      }
      setImmediate(tick)
      const chunked = counted(db, "embedded")
      yield* searchPage(chunked.db, ns, search({ vector: vectorOf(1), k: 10 }), 1_000_000, DIMENSIONS)
      done = true
      expect(chunked.calls.executes).toBe(ITEMS + 1)
      // one turn of the event loop after each full chunk
      expect(ticks).toBeGreaterThanOrEqual(ITEMS)
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("a page stops at the byte budget with a cursor; following it walks the whole ranking once", () =>
    Effect.gen(function* () {
      yield* seed
      const db = yield* Database.Database
      const query = { vector: vectorOf(5), k: 1000 }
      const whole = yield* searchPage(db, ns, search(query), 1_000_000)
      expect(whole.next_cursor).toBeNull()
      for (const kind of ["embedded", "remote"] as const) {
        const { db: seen } = counted(db, kind)
        const pages: Array<Storage.Page<{ item_id: string }>> = []
        let cursor: string | undefined
        do {
          const page = yield* searchPage(seen, ns, search({ ...query, ...(cursor ? { cursor } : {}) }), 400)
          pages.push(page)
          cursor = page.next_cursor ?? undefined
        } while (cursor !== undefined)
        for (const page of pages) {
          expect(Buffer.byteLength(JSON.stringify(page.items))).toBeLessThanOrEqual(400 + page.items.length + 1)
        }
        expect(pages.length).toBeGreaterThan(10)
        expect(pages.flatMap(ids)).toEqual(ids(whole))
      }
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("Storage answers pages within maxResponseBytes; a cursor from elsewhere is InvalidCursor", () =>
    Effect.gen(function* () {
      yield* seed
      const storage = yield* Storage.Storage
      const first = yield* storage.searchEmbeddings(ns, search({ vector: vectorOf(5), k: 20 }))
      expect(first.items).toHaveLength(20)
      expect(first.next_cursor).toBeNull()
      const cursor = (yield* searchPage(yield* Database.Database, ns, search({ vector: vectorOf(5), k: 20 }), 100))
        .next_cursor
      expect(cursor).not.toBeNull()
      const next = yield* storage.searchEmbeddings(ns, search({ vector: vectorOf(5), k: 1, cursor: cursor! }))
      expect(ids(next)).toEqual([first.items[1]!.item_id])
      for (const bad of ["nope", cursor!.slice(1)]) {
        const error = yield* Effect.flip(storage.searchEmbeddings(ns, search({ vector: [1], cursor: bad })))
        expect(error._tag).toBe("InvalidCursor")
      }
      const elsewhere = yield* Effect.flip(
        storage.searchEmbeddings(Namespace.make("team-b"), search({ vector: [1], cursor: cursor! }))
      )
      expect(elsewhere._tag).toBe("InvalidCursor")
    }).pipe(Effect.provide(TestLayer))
  )
})
