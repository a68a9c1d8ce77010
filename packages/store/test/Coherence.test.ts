import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Database } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import { afterAll, describe, expect, it } from "vitest"
import { createMemoryStore, type PromiseMemoryStore } from "../src/index.js"

const dir = mkdtempSync(join(tmpdir(), "memory-turso-coherence-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const file = () => `file:${join(dir, `store-${++files}.db`)}`

/** Waits (polling) until `check` holds. */
const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 3000; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error("condition not reached")
}

const cacheOf = async (store: PromiseMemoryStore) => {
  const { cache } = await store.stats()
  if (!cache.enabled) throw new Error("cache off")
  return cache
}

/** Two stores (two processes' worth of caches) on one embedded file, closed after. */
const pair = async (
  cache: object,
  use: (a: PromiseMemoryStore, b: PromiseMemoryStore, url: string) => Promise<void>
) => {
  const url = file()
  const a = await createMemoryStore({ url, cache })
  const b = await createMemoryStore({ url, cache })
  try {
    await use(a, b, url)
  } finally {
    await a.close()
    await b.close()
  }
}

describe("[cache] coherence across stores on one database", () => {
  it("coherence_interval_ms: a write through one store is seen by the other after its next feed read", async () => {
    await pair({ coherence_interval_ms: 20 }, async (a, b) => {
      await a.episodes.put({ episode_id: "e1", task_description: "first" })
      expect((await b.episodes.get("e1")).version).toBe(1) // cached by b
      await a.episodes.put({ episode_id: "e1", task_description: "second" })
      await a.episodes.delete("e1")
      await a.episodes.put({ episode_id: "e2", task_description: "new" })
      // b has applied the 4 entries (e1 v1, v2, deleted; e2 v1)
      await until(async () => (await cacheOf(b)).feed_position >= 4)
      await expect(b.episodes.get("e1")).rejects.toMatchObject({ code: "not_found" })
      expect((await b.episodes.get("e2")).task_description).toBe("new")
      expect(await cacheOf(b)).toMatchObject({ feed_invalidations: 1, full_clears: 0 })
    })
  })

  it("with an interval of an hour, the other store's cache keeps answering what it holds (bounded by its TTL)", async () => {
    await pair({ coherence_interval_ms: 3_600_000, max_staleness_ms: 3_600_000 }, async (a, b) => {
      await a.episodes.put({ episode_id: "e1", task_description: "first" })
      expect((await b.episodes.get("e1")).version).toBe(1)
      await a.episodes.put({ episode_id: "e1", task_description: "second" })
      expect((await a.episodes.get("e1")).version).toBe(2)
      expect((await b.episodes.get("e1")).version).toBe(1)
      expect(await cacheOf(b)).toMatchObject({ feed_reads: 0, feed_position: 0 })
    })
  })

  it("feed_max_entries and feed_trim_interval_secs: each store trims the feed to the newest entries", async () => {
    await pair({ feed_max_entries: 5, feed_trim_interval_secs: 1 }, async (a, _b, url) => {
      await a.episodes.putMany(Array.from({ length: 20 }, (_, i) => ({ episode_id: `e${i}`, task_description: "t" })))
      await until(async () => (await cacheOf(a)).feed_trims >= 1)
      const feed = Effect.flatMap(Database.make({ url }), (db) =>
        db.execute({ sql: "SELECT min(seq) AS first, count(*) AS n FROM change_feed", args: [] })
      )
      const row = (await Effect.runPromise(Effect.scoped(feed))).rows[0]!
      expect({ first: Number(row["first"]), n: Number(row["n"]) }).toEqual({ first: 16, n: 5 })
    })
  })
})
