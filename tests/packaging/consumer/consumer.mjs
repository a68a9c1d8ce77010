// A consumer of the published packages, as a user writes one: plain JavaScript, run with plain node (no TypeScript,
// no loader, no --conditions) in a project that installed the packed tarballs with npm. test/pack.test.ts copies it
// there and runs `node consumer.mjs <step>...`. It prints one JSON object: where every installed @memory-turso
// package resolves (import.meta.resolve), and what each step counted.
import { readdirSync } from "node:fs"
import { join } from "node:path"

const steps = {
  // (a) @memory-turso/cache alone: a get that loads, then a get that hits.
  cache: async () => {
    const { AdaptiveCache } = await import("@memory-turso/cache")
    const { Effect } = await import("effect")
    let loads = 0
    const load = Effect.sync(() => {
      loads += 1
      return `value ${loads}`
    })
    const program = Effect.gen(function* () {
      const cache = yield* AdaptiveCache.make({ maxEntries: 100, ttl: "1 minute" })
      const values = [yield* cache.get("key", load), yield* cache.get("key", load)]
      const stats = yield* cache.stats
      return { values, loads, hits: stats.hits, misses: stats.misses, entries: stats.entries }
    })
    return Effect.runPromise(Effect.scoped(program))
  },

  // (b) @memory-turso/compression alone: a payload through the Codec and back.
  compression: async () => {
    const { Codec } = await import("@memory-turso/compression")
    const { Effect } = await import("effect")
    const text = JSON.stringify(Array.from({ length: 200 }, (_, step) => ({ step, tool: "bash", output: "ok" })))
    const payload = new TextEncoder().encode(text)
    const program = Effect.gen(function* () {
      const codec = yield* Codec.Codec
      const encoded = yield* codec.encode(payload, "consumer/payload")
      const decoded = yield* codec.decode(encoded.bytes, "consumer/payload")
      return {
        result: encoded._tag,
        payloadBytes: payload.length,
        storedBytes: encoded.bytes.length,
        decodedEqual: new TextDecoder().decode(decoded) === text
      }
    })
    return Effect.runPromise(program.pipe(Effect.provide(Codec.layer())))
  },

  // (c) @memory-turso/store's Promise facade on an embedded database in this folder.
  store: async () => {
    const { createMemoryStore, MemoryStoreError } = await import("@memory-turso/store")
    const store = await createMemoryStore({ url: `file:${join(process.cwd(), "memory.db")}` })
    const stored = await store.episodes.putMany(
      ["e1", "e2", "e3"].map((episode_id) => ({ episode_id, task_description: `task ${episode_id}`, tags: ["ci"] }))
    )
    const got = await store.episodes.get("e2")
    const page = await store.episodes.list({ tags: ["ci"], limit: 10 })
    await store.close()
    const afterClose = await store.episodes.get("e2").catch((error) => error)
    return {
      stored: stored.length,
      got: got.episode_id,
      listed: page.items.map((episode) => episode.episode_id).sort(),
      afterClose: afterClose instanceof MemoryStoreError ? afterClose.code : String(afterClose)
    }
  },

  // (d) @memory-turso/client against the built API the test started (its URL in MEMORY_TURSO_URL).
  client: async () => {
    const { ApiError, createClient } = await import("@memory-turso/client")
    const client = createClient({ url: process.env.MEMORY_TURSO_URL })
    const { stored } = await client.episodes.putMany(
      ["e1", "e2", "e3"].map((episode_id) => ({ episode_id, task_description: `task ${episode_id}`, tags: ["ci"] }))
    )
    const got = await client.episodes.get("e2")
    const page = await client.episodes.list({ tags: ["ci"], limit: 10 })
    const missing = await client.episodes.get("e9").catch((error) => error)
    return {
      stored,
      got: got.episode_id,
      listed: page.items.map((episode) => episode.episode_id).sort(),
      missing: missing instanceof ApiError ? `${missing.status} ${missing.code}` : String(missing)
    }
  }
}

const installed = readdirSync(join(process.cwd(), "node_modules", "@memory-turso")).map(
  (name) => `@memory-turso/${name}`
)
const resolved = Object.fromEntries(installed.map((name) => [name, import.meta.resolve(name)]))
const results = {}
for (const name of process.argv.slice(2)) {
  const step = steps[name]
  if (step === undefined) throw new Error(`consumer.mjs: no step "${name}" (steps: ${Object.keys(steps).join(", ")})`)
  results[name] = await step()
}
console.log(JSON.stringify({ resolved, steps: results }))
