import { describe, expect, it } from "@effect/vitest"
import { createClient, type Exchange } from "../src/index.js"
import { useApi } from "./support/api.js"

// The real API with a response byte budget of 1000 bytes: two 420-byte episodes, or about ten search matches.
const api = useApi({ config: "[limits]\nmax_response_bytes = 1000\n" })

describe("a server whose responses stop at a byte budget", () => {
  it("getMany reports the ids it did not read as unread; asking again reads them", async () => {
    const client = createClient({ url: api().url }).namespace("budget-batch")
    const ids = Array.from({ length: 5 }, (_, i) => `e${i}`)
    await client.episodes.putMany(ids.map((episode_id) => ({ episode_id, task_description: "x".repeat(150) })))
    const first = await client.episodes.getMany([...ids, "nope"])
    expect(first.items.map((e) => e.episode_id)).toEqual(["e0", "e1"])
    // Written through to the cache, all five are hits: the ids after the budget, "nope" too, are not looked at.
    expect(first.unread).toEqual(["e2", "e3", "e4", "nope"])
    expect(first.missing).toEqual([])
    const second = await client.episodes.getMany(first.unread)
    expect(second.items.map((e) => e.episode_id)).toEqual(["e2", "e3"])
    expect(second.unread).toEqual(["e4", "nope"])
    const third = await client.episodes.getMany(second.unread)
    expect(third.items.map((e) => e.episode_id)).toEqual(["e4"])
    expect(third.missing).toEqual(["nope"])
  })

  it("search follows the cursor of pages cut short until it has k matches", async () => {
    const exchanges: Array<Exchange> = []
    const client = createClient({ url: api().url, onResponse: (e) => exchanges.push(e) }).namespace("budget-search")
    const ids = Array.from({ length: 30 }, (_, i) => `p${String(i).padStart(2, "0")}`)
    await client.episodes.putMany(ids.map((episode_id) => ({ episode_id, task_description: "t" })))
    for (const [i, id] of ids.entries()) {
      await client.embeddings.put("episode", id, { model: "m", vector: [1, i / 30] })
    }
    exchanges.length = 0
    const matches = await client.embeddings.search({ vector: [1, 0], k: 25 })
    expect(matches.map((m) => m.item_id)).toEqual(ids.slice(0, 25))
    const searches = exchanges.filter((e) => e.route === "POST /embeddings/search")
    expect(searches.length).toBeGreaterThanOrEqual(3)
    expect(searches.every((e) => e.status === 200)).toBe(true)
  })
})
