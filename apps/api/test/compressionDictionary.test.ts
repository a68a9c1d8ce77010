import { afterEach, describe, expect, it } from "vitest"
import { realisticEpisode } from "../bench/realisticEpisode.js"
import type * as AppConfig from "../src/config/AppConfig.js"
import { type Harness, makeHarness } from "./support/harness.js"

let h: Harness | undefined
afterEach(() => h?.dispose())

const withDictionary =
  (samples: number) =>
  (config: AppConfig.AppConfig): AppConfig.AppConfig => ({
    ...config,
    compression: { ...config.compression, use_dictionary: true, dictionary_samples: samples }
  })

const compression = async (harness: Harness) => (await harness.request("GET", "/metrics")).json.compression

/** Waits (bounded) for /metrics to show a dictionary in use. */
const dictionaryInUse = async (harness: Harness) => {
  for (let i = 0; i < 1000; i++) {
    const section = await compression(harness)
    if (section.dictionary_id > 0) return section
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error("no dictionary was built")
}

describe("dictionaries with the default configuration", () => {
  it("one is built in the background once dictionary_samples episodes are stored; /metrics shows it", async () => {
    // only the count is lowered (default 200), to keep the test small; use_dictionary is left to its default
    h = await makeHarness({
      configure: (config) => ({ ...config, compression: { ...config.compression, dictionary_samples: 20 } })
    })
    const batch = (from: number) => Array.from({ length: 20 }, (_, i) => realisticEpisode(`ep-${from + i}`, 4096))
    expect(await compression(h)).toMatchObject({ dictionary_id: 0, dictionaries_stored: 0, dictionary_builds: 0 })
    const before = await compression(h)
    expect((await h.request("POST", "/episodes/batch", batch(0))).status).toBe(200)
    const built = await dictionaryInUse(h)
    expect(built).toMatchObject({
      dictionary_id: 1,
      dictionaries_stored: 1,
      dictionary_builds: 1,
      dictionary_rebuilds: 0
    })
    expect(built.dictionary_held_out_ratio).toBeGreaterThan(0)
    expect((await h.request("POST", "/episodes/batch", batch(100))).status).toBe(200)
    const after = await compression(h)
    const ratio = (from: { bytes_in: number; bytes_out: number }, to: { bytes_in: number; bytes_out: number }) =>
      (to.bytes_out - from.bytes_out) / (to.bytes_in - from.bytes_in)
    expect(ratio(built, after)).toBeLessThan(ratio(before, built) * 0.85)
    expect(after.dictionary_recent_ratio).toBeGreaterThan(0)
    expect((await h.request("GET", "/episodes/ep-105")).json.episode_id).toBe("ep-105")
  })
})

describe("POST /compression/dictionary", () => {
  it("409 dictionary_unavailable while use_dictionary is off; nothing is built", async () => {
    h = await makeHarness({
      configure: (config) => ({ ...config, compression: { ...config.compression, use_dictionary: false } })
    })
    await h.request("POST", "/episodes", realisticEpisode("a", 4096))
    const response = await h.request("POST", "/compression/dictionary")
    expect(response.status).toBe(409)
    expect(response.json.error.code).toBe("dictionary_unavailable")
    expect(response.json.error.message).toContain("compression.use_dictionary is off")
    expect(await compression(h)).toMatchObject({ dictionary_id: 0, dictionaries: 0 })
    expect((await h.request("GET", "/compression/dictionary")).status).toBe(405)
  })

  it("builds one from the stored episodes: later writes use it and store fewer bytes, every row reads back", async () => {
    h = await makeHarness({ configure: withDictionary(1000) })
    const empty = await h.request("POST", "/compression/dictionary")
    expect(empty.status).toBe(409)
    expect(empty.json.error.message).toContain("no episodes are stored yet")
    const batch = (from: number) => Array.from({ length: 20 }, (_, i) => realisticEpisode(`ep-${from + i}`, 4096))
    const before = await compression(h)
    expect((await h.request("POST", "/episodes/batch", batch(0))).status).toBe(200)
    const middle = await compression(h)
    const built = await h.request("POST", "/compression/dictionary")
    expect(built.status).toBe(201)
    // from the newest episodes that fill 64 KiB (about 16 of these ~4 KB ones), not all 20
    expect(built.json).toMatchObject({ dictionary_id: 1, bytes: 65536 })
    expect(built.json.samples).toBeGreaterThanOrEqual(14)
    expect(built.json.samples).toBeLessThan(20)
    expect((await h.request("POST", "/episodes/batch", batch(100))).status).toBe(200)
    const after = await compression(h)
    expect(after).toMatchObject({ dictionary_id: 1, dictionaries: 1 })
    const ratio = (from: { bytes_in: number; bytes_out: number }, to: { bytes_in: number; bytes_out: number }) =>
      (to.bytes_out - from.bytes_out) / (to.bytes_in - from.bytes_in)
    const without = ratio(before, middle)
    const withDict = ratio(middle, after)
    expect(withDict).toBeLessThan(without * 0.85)
    for (const id of ["ep-3", "ep-104"]) {
      const read = await h.request("GET", `/episodes/${id}`)
      expect(read.status).toBe(200)
      expect(read.json.episode_id).toBe(id)
    }
  })
})
