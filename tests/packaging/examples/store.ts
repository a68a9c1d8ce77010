import { createMemoryStore } from "@memory-turso/store"

// Remote: { url: "libsql://<db>.turso.io", authToken }; the other options are the API's configuration sections.
const store = await createMemoryStore({ url: "file:memory.db", cache: { max_episodes: 1000 } })
await store.episodes.put({ episode_id: "e1", task_description: "fix the flaky test", tags: ["ci"] })
const episode = await store.episodes.get("e1") // decoded: every default filled; from the cache (written through)
await store.episodes.get("e1") // from the cache again
const page = await store.episodes.list({ tags: ["ci"], limit: 10 }) // newest first; page.next_cursor for more
const { cache } = await store.stats() // the figures the API's /metrics reports
console.log(episode.task_type, page.items.length, cache.enabled && [cache.episode_misses, cache.episode_hits]) // => other 1 [ 0, 2 ]
await store.close()
