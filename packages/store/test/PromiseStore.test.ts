import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { StoreMetrics } from "@memory-turso/model"
import { startTestServer } from "@memory-turso/testkit"
import * as Schema from "effect/Schema"
import { afterAll, describe, expect, it } from "vitest"
import {
  createMemoryStore,
  LifecycleError,
  MemoryStoreError,
  NotFoundError,
  type PromiseMemoryStore,
  ValidationError
} from "../src/index.js"

const dir = mkdtempSync(join(tmpdir(), "memory-turso-store-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const file = () => `file:${join(dir, `store-${++files}.db`)}`

/** Runs `use` with a fresh store on its own file, closed after. */
const withStore = async (use: (store: PromiseMemoryStore) => Promise<void>, options: object = {}) => {
  const store = await createMemoryStore({ url: file(), ...options })
  try {
    await use(store)
  } finally {
    await store.close()
  }
}

/** What a rejected call rejected with. */
const rejection = async (promise: Promise<unknown>): Promise<MemoryStoreError> => {
  try {
    await promise
  } catch (error) {
    if (error instanceof MemoryStoreError) return error
    throw error
  }
  throw new Error("expected a rejection")
}

describe("recall through the Promise facade", () => {
  it("finds by text and vector in the store's namespace; `[recall]` options apply; bad queries reject", async () => {
    await withStore(
      async (store) => {
        await store.episodes.putMany([
          { episode_id: "a", task_description: "rotate the api keys" },
          { episode_id: "b", task_description: "bake bread" }
        ])
        await store.embeddings.put({ item_type: "episode", item_id: "b", model: "m", vector: [1, 0] })
        const result = await store.recall({ text: "keys", vector: [1, 0] })
        expect(result.items.map((i) => [i.item_id, i.score.fused])).toEqual([
          ["a", 1 / 6],
          ["b", 1 / 6]
        ])
        expect(result.items[0]!.times_retrieved).toBe(1)
        expect((await store.namespace("elsewhere").recall({ text: "keys" })).items).toEqual([])
        expect(await rejection(store.recall({ k: 2 }))).toBeInstanceOf(ValidationError)
      },
      { recall: { rrf_k: 5, count_retrievals: true } }
    )
  })
})

describe("createMemoryStore", () => {
  it("the README example: put, get, list, namespace, close; the README shows exactly these lines", async () => {
    const source = readFileSync(fileURLToPath(import.meta.url), "utf8")
    // The example's lines, between its markers below (built here so this code is not mistaken for them).
    const start = source.indexOf(`// --- the README${"'"}s example`)
    const example = source
      .slice(start, source.indexOf(`    // ${"---"}\n`, start))
      .split("\n")
      .slice(1, -1)
      .map((line) => line.trim())
      .filter((line) => !line.startsWith("const store = await createMemoryStore"))
    const readme = readFileSync(fileURLToPath(new URL("../../../README.md", import.meta.url)), "utf8")
    for (const line of example) expect(readme).toContain(line)
    // --- the README's example (the repository's README.md runs exactly these lines) ---
    const store = await createMemoryStore({ url: file() })
    await store.episodes.put({ episode_id: "e1", task_description: "fix the flaky test", tags: ["ci"] })
    const episode = await store.episodes.get("e1") // every default filled; NotFoundError (code "not_found") if absent
    const page = await store.episodes.list({ tags: ["ci"], limit: 10 }) // { items, next_cursor }
    const teamB = store.namespace("team-b") // the same collections in another namespace
    await store.close()
    // ---
    expect(teamB.name).toBe("team-b")
    expect(episode).toMatchObject({ episode_id: "e1", task_type: "other", tags: ["ci"], steps: [] })
    expect(page.items.map((e) => e.episode_id)).toEqual(["e1"])
    expect(page.next_cursor).toBeNull()
  })

  it("every kind: put, putMany, get, getMany, list with cursors, delete; embeddings and search", () =>
    withStore(async (store) => {
      const stored = await store.episodes.putMany([
        { episode_id: "a", task_description: "one", start_time: "2024-01-01T00:00:00Z" },
        { episode_id: "b", task_description: "two", start_time: "2024-02-01T00:00:00Z" },
        { task_description: "generated id" }
      ])
      expect(stored).toHaveLength(3)
      expect(stored[2]!.episode_id).toMatch(/^[0-9a-f-]{36}$/)
      expect(await store.episodes.getMany(["b", "x", "a"])).toMatchObject({
        found: [{ episode_id: "b" }, { episode_id: "a" }],
        missing: ["x"]
      })
      const first = await store.episodes.list({ limit: 2 })
      const second = await store.episodes.list({ limit: 2, cursor: first.next_cursor! })
      expect([...first.items, ...second.items]).toHaveLength(3)
      await store.patterns.put({ pattern_id: "p", type: "error_recovery", error_type: "ENOENT" })
      expect((await store.patterns.list({ type: "error_recovery" })).items.map((p) => p.pattern_id)).toEqual(["p"])
      await store.heuristics.putMany([{ heuristic_id: "h", condition: "c", action: "a", confidence: 0.5 }])
      expect((await store.heuristics.getMany(["h"])).found[0]!.confidence).toBe(0.5)
      await store.embeddings.put({ item_type: "episode", item_id: "a", model: "m", vector: [1, 0] })
      await store.embeddings.put({ item_type: "pattern", item_id: "p", model: "m", vector: [0, 1] })
      const hits = await store.embeddings.search({ vector: [1, 0.1], k: 2 })
      expect(hits.map((h) => h.item_id)).toEqual(["a", "p"])
      expect((await store.embeddings.get("episode", "a")).vector).toEqual([1, 0])
      await store.episodes.delete("a")
      expect(await rejection(store.embeddings.get("episode", "a"))).toBeInstanceOf(NotFoundError)
      await store.heuristics.delete("h")
      expect((await store.heuristics.list()).items).toEqual([])
    }))

  it("namespace(name): the same ids are other records; a bad name is invalid_namespace", () =>
    withStore(
      async (store) => {
        const other = store.namespace("team-b")
        await store.episodes.put({ episode_id: "same", task_description: "in team-a" })
        await other.episodes.put({ episode_id: "same", task_description: "in team-b" })
        expect(store.name).toBe("team-a")
        expect((await store.episodes.get("same")).task_description).toBe("in team-a")
        expect((await other.episodes.get("same")).task_description).toBe("in team-b")
        expect((await store.namespace("team-c").episodes.list()).items).toEqual([])
        const cursor = (await store.episodes.list({ limit: 1 })).next_cursor
        expect(cursor).toBeNull()
        let thrown: unknown
        try {
          store.namespace("team a")
        } catch (error) {
          thrown = error
        }
        expect(thrown).toBeInstanceOf(ValidationError)
        expect(thrown).toMatchObject({ code: "invalid_namespace" })
      },
      { namespace: "team-a" }
    ))

  it("rejections are typed with the API's codes; bad input names the field and stores nothing", () =>
    withStore(async (store) => {
      const missing = await rejection(store.episodes.get("nope"))
      expect(missing).toBeInstanceOf(NotFoundError)
      expect(missing).toMatchObject({ code: "not_found", name: "NotFoundError" })
      const invalid = await rejection(
        store.episodes.putMany([{ task_description: "ok" }, { task_description: "", task_type: "dancing" } as never])
      )
      expect(invalid).toBeInstanceOf(ValidationError)
      expect(invalid.code).toBe("validation_failed")
      expect(invalid.issues?.map((i) => i.path).sort()).toEqual(["task_description", "task_type"])
      expect((await store.episodes.list()).items).toEqual([])
      expect((await rejection(store.episodes.get("a/b"))).code).toBe("validation_failed")
      expect((await rejection(store.episodes.list({ cursor: "garbage" }))).code).toBe("invalid_cursor")
      expect((await rejection(store.buildDictionary())).code).toBe("dictionary_unavailable")
      const unknownField = await rejection(
        store.heuristics.put({ condition: "c", action: "a", confidence: 1, x: 1 } as never)
      )
      expect(unknownField.issues).toEqual([{ path: "x", message: "is not a known field" }])
    }))

  it("configuration errors carry the operators' messages; closed stores reject", async () => {
    const bad = await rejection(
      createMemoryStore({ url: file(), cache: { max_episodes: -1 }, retry: { max_retries: -2 } })
    )
    expect(bad).toBeInstanceOf(LifecycleError)
    expect(bad.code).toBe("invalid_configuration")
    expect(bad.issues?.map((i) => i.path).sort()).toEqual(["cache.max_episodes", "retry.max_retries"])
    const remote = await rejection(createMemoryStore({ url: "libsql://db.example.turso.io" }))
    expect(remote.message).toContain("database.token: a remote database URL needs an auth token: pass authToken")
    const store = await createMemoryStore({ url: file() })
    await store.close()
    expect((await rejection(store.episodes.get("a"))).code).toBe("store_closed")
  })

  it("stats() gives the sections /metrics reports for the store, in the model's StoreMetrics shape", () =>
    withStore(
      async (store) => {
        await store.episodes.put({ episode_id: "s", task_description: "x".repeat(3000) })
        await store.episodes.get("s")
        await store.episodes.get("s")
        const stats = await store.stats()
        expect(Schema.is(StoreMetrics)(stats)).toBe(true)
        expect(stats.features).toMatchObject({ cache: true, compression: true, prepared_statements: true })
        // The write went through to the cache: both reads hit.
        expect(stats.cache).toMatchObject({ enabled: true, episode_hits: 2, episode_misses: 0 })
        expect(stats.compression).toMatchObject({ enabled: true, compressed: 1 })
        expect(stats.keepalive).toEqual({ enabled: false })
      },
      { cache: { max_episodes: 100 } }
    ))

  it("a remote database: the same operations through the pool with keep-alive on, one request per read", async () => {
    const server = await startTestServer({ authToken: "store-secret" })
    try {
      const store = await createMemoryStore({ url: server.url, authToken: "store-secret", cache: { enabled: false } })
      try {
        await store.episodes.put({ episode_id: "r", task_description: "remote" })
        const before = server.stats().requests
        expect((await store.episodes.get("r")).task_description).toBe("remote")
        expect(server.stats().requests - before).toBe(1)
        expect((await store.stats()).features.keepalive).toBe(true)
      } finally {
        await store.close()
      }
      const refused = await rejection(createMemoryStore({ url: server.url, authToken: "wrong-secret" }))
      expect(refused.code).toBe("could_not_start")
      expect(refused.message).not.toContain("wrong-secret")
    } finally {
      await server.destroy()
    }
  })
})
