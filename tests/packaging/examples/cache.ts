import { AdaptiveCache } from "@memory-turso/cache"
import { Effect } from "effect"

const program = Effect.gen(function* () {
  const cache = yield* AdaptiveCache.make<string, string>({ maxEntries: 10_000, ttl: "5 minutes" })
  const load = Effect.succeed("row 1 from the database") // any Effect: a query, an HTTP call, ...
  yield* cache.get("row:1", load) // a miss: runs load, keeps its value
  const value = yield* cache.get("row:1", load) // a hit: load does not run
  const { hits, misses, loads } = yield* cache.stats
  console.log(value, { hits, misses, loads }) // => row 1 from the database { hits: 1, misses: 1, loads: 1 }
})
await Effect.runPromise(Effect.scoped(program)) // the scope owns the cache's background sweeper
