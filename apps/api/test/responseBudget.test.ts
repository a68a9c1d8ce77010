import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { afterEach, describe, expect, it } from "vitest"
import { load } from "../src/config/AppConfig.js"
import { type Harness, makeHarness } from "./support/harness.js"

/** Loads a TOML configuration file with `text`. */
const loadToml = (text: string) => {
  const file = join(mkdtempSync(join(tmpdir(), "limits-")), "config.toml")
  writeFileSync(file, text)
  return Effect.runPromise(Effect.either(load({ file, env: {} })))
}

let h: Harness | undefined
afterEach(() => h?.dispose())

/** An API whose pages and batch reads stop at `budget` bytes. */
const withBudget = async (budget: number) => {
  h = await makeHarness({ configure: (c) => ({ ...c, limits: { ...c.limits, max_response_bytes: budget } }) })
  return h
}

const episode = (i: number) => ({
  episode_id: `e${String(i).padStart(2, "0")}`,
  task_description: "x".repeat(1000),
  start_time: `2024-01-01T00:00:${String(i).padStart(2, "0")}Z`
})

describe("limits.max_response_bytes", () => {
  it("is read from [limits] (default 4 MiB) and must be a positive integer", async () => {
    const defaults = await loadToml("")
    if (defaults._tag === "Left") throw defaults.left
    expect(defaults.right.config.limits.max_response_bytes).toBe(4 * 1024 * 1024)
    const set = await loadToml("[limits]\nmax_response_bytes = 65536\n")
    if (set._tag === "Left") throw set.left
    expect(set.right.config.limits.max_response_bytes).toBe(65536)
    const bad = await loadToml("[limits]\nmax_response_bytes = 0\n")
    expect(bad._tag).toBe("Left")
    if (bad._tag === "Left") expect(bad.left.message).toContain("limits.max_response_bytes")
  })

  it("GET /episodes stops at the budget with next_cursor; following it lists every episode once", async () => {
    const api = await withBudget(5000)
    const all = Array.from({ length: 12 }, (_, i) => episode(i))
    expect((await api.request("POST", "/episodes/batch", all)).status).toBe(200)
    const seen: Array<string> = []
    let path = "/episodes?limit=100"
    let pages = 0
    while (true) {
      const page = await api.request("GET", path)
      expect(page.status).toBe(200)
      // each episode is about 1.3 KB of JSON: three fit in 5000 bytes
      expect(page.json.episodes.length).toBeLessThanOrEqual(3)
      expect(Buffer.byteLength(page.text)).toBeLessThan(5000 + 100)
      seen.push(...page.json.episodes.map((e: { episode_id: string }) => e.episode_id))
      pages++
      if (page.json.next_cursor === null) break
      path = `/episodes?limit=100&cursor=${page.json.next_cursor}`
    }
    expect(pages).toBe(4)
    expect(seen).toEqual(all.map((e) => e.episode_id).reverse())
  })

  it("a batch read answers the ids past the budget as unread", async () => {
    const api = await withBudget(3000)
    await api.request(
      "POST",
      "/episodes/batch",
      Array.from({ length: 4 }, (_, i) => episode(i))
    )
    const batch = await api.request("POST", "/episodes/batch/get", { ids: ["e00", "e01", "e02", "e03", "zz"] })
    expect(batch.status).toBe(200)
    expect(batch.json.episodes.map((e: { episode_id: string }) => e.episode_id)).toEqual(["e00", "e01"])
    expect(batch.json.unread).toEqual(["e02", "e03"])
    expect(batch.json.missing).toEqual(["zz"])
  })

  it("a search page stops at the budget with next_cursor, which the next page continues after", async () => {
    // a match with a 200-character model is about 290 bytes of JSON: two fit in 600
    const api = await withBudget(600)
    await api.request(
      "POST",
      "/episodes/batch",
      Array.from({ length: 4 }, (_, i) => episode(i))
    )
    for (let i = 0; i < 4; i++) {
      await api.request("PUT", `/embeddings/episode/e0${i}`, { model: "m".repeat(200), vector: [1, i] })
    }
    const first = await api.request("POST", "/embeddings/search", { vector: [1, 0], k: 4 })
    expect(first.status).toBe(200)
    expect(first.json.matches.map((m: { item_id: string }) => m.item_id)).toEqual(["e00", "e01"])
    expect(first.json.next_cursor).toEqual(expect.any(String))
    const rest = await api.request("POST", "/embeddings/search", {
      vector: [1, 0],
      k: 4,
      cursor: first.json.next_cursor
    })
    expect(rest.json.matches.map((m: { item_id: string }) => m.item_id)).toEqual(["e02", "e03"])
    expect(rest.json.next_cursor).toBeNull()
    const bad = await api.request("POST", "/embeddings/search", { vector: [1, 0], cursor: "nope" })
    expect([bad.status, bad.json.error.code]).toEqual([422, "invalid_cursor"])
  })
})
