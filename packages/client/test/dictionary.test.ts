import { describe, expect, it } from "@effect/vitest"
import { createClient } from "../src/index.js"
import { apiError, useApi } from "./support/api.js"

// Dictionaries on, built only when asked; an empty database of its own (dictionaries are shared by namespaces).
const api = useApi({ config: "[compression]\nuse_dictionary = true\ndictionary_samples = 1000\n" })

const words = ["cursor", "schema", "vector", "ledger", "socket", "codec", "shard", "frame", "budget", "token"]
/** About 4 KB of varied text. */
const text = (i: number) =>
  Array.from({ length: 600 }, (_, j) => words[(i * 7 + j * j) % words.length]! + String((i * j) % 97)).join(" ")

describe("buildDictionary", () => {
  it("409 dictionary_unavailable while no episode is stored, then 201 with the dictionary built", async () => {
    const client = createClient({ url: api().url })
    const none = await apiError(client.buildDictionary())
    expect({ status: none.status, code: none.code }).toEqual({ status: 409, code: "dictionary_unavailable" })
    await client.episodes.putMany(
      Array.from({ length: 20 }, (_, i) => ({ episode_id: `d${i}`, task_description: text(i) }))
    )
    const built = await client.buildDictionary()
    expect(built.dictionary_id).toBe(1)
    expect(built.samples).toBeGreaterThan(0)
    expect((await client.metrics()).compression).toMatchObject({ enabled: true, dictionary_id: 1, dictionaries: 1 })
  })
})
