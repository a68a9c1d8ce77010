import { makeHarness } from "../test/harness.js"
import { realisticEpisode } from "./realisticEpisode.js"

const h = await makeHarness({ env: { ENABLE_CACHE: "true" } })
const TAGS = 500
const episodeOf = (i: number) => ({
  episode_id: `ep-${i}`,
  task_description: `bench episode ${i}: ${"investigate the flaky retry path ".repeat(4)}`,
  start_time: new Date(1_700_000_000_000 + i * 60_000).toISOString(),
  tags: [`t${i % TAGS}`, `t${(i * 7) % TAGS}`, `g${i % 11}`],
  context: { domain: ["web", "cli", "data"][i % 3], tags: [`c${i % 13}`] },
  metadata: { team: `team-${i % 17}`, run: `r${i % 101}` },
  ...(i % 2 === 0 ? { end_time: new Date(1_700_000_000_000 + i * 60_000 + 5000).toISOString() } : {})
})
for (let f = 0; f < 20000; f += 1000)
  await h.request(
    "POST",
    "/episodes/batch",
    Array.from({ length: 1000 }, (_, k) => episodeOf(f + k))
  )
const rnd = () => Math.random() * 2 - 1
for (let i = 0; i < 3000; i++)
  await h.request("PUT", `/embeddings/episode/ep-${i * 6}`, {
    model: `model-${i % 3}`,
    vector: Array.from({ length: 768 }, rnd)
  })
const big = JSON.stringify(realisticEpisode("big", 900 * 1024))
const kinds: Array<[string, (n: number) => Promise<unknown>]> = [
  [
    "tags any 2000",
    (n) =>
      h.request(
        "GET",
        `/episodes?tags_mode=any&limit=1000&tags=${Array.from({ length: 2000 }, (_, k) => `t${(k + n) % 2000}`).join(",")}`
      )
  ],
  [
    "tags all 32 + 32 md",
    (n) =>
      h.request(
        "GET",
        `/episodes?tags=${Array.from({ length: 32 }, (_, k) => `t${(k + n) % TAGS}`).join(",")}&${Array.from({ length: 32 }, (_, k) => `metadata=team:team-${(k + n) % 17}`).join("&")}`
      )
  ],
  ["md + g any", (n) => h.request("GET", `/episodes?metadata=team:team-${n % 17}&tags=g1,g2&tags_mode=any&limit=1000`)],
  [
    "list 1000",
    (n) =>
      h.request("GET", `/episodes?limit=1000&to=${new Date(1_700_000_000_000 + (20000 - n) * 60_000).toISOString()}`)
  ],
  ["completed=false cli", (n) => h.request("GET", `/episodes?completed=false&domain=cli&limit=${1000 - (n % 10)}`)],
  [
    "search k=1000",
    (n) => h.request("POST", "/embeddings/search", { vector: Array.from({ length: 768 }, rnd), k: 1000 - n })
  ],
  [
    "batch get 1000",
    (n) =>
      h.request("POST", "/episodes/batch/get", {
        ids: Array.from({ length: 1000 }, (_, k) => `ep-${(k * 13 + n) % 20000}`)
      })
  ],
  ["big body", () => h.request("POST", "/episodes", big)]
]
for (const [name, run] of kinds) {
  const lates: Array<number> = []
  for (let n = 1; n <= 5; n++) {
    let max = 0
    let last = performance.now()
    let on = true
    const tick = () => {
      const now = performance.now()
      max = Math.max(max, now - last)
      last = now
      if (on) setImmediate(tick)
    }
    setImmediate(tick)
    const t = performance.now()
    await run(n)
    const took = performance.now() - t
    await new Promise((r) => setImmediate(r))
    on = false
    lates.push(Math.round(max))
    if (n === 5) console.log(name.padEnd(22), "total", took.toFixed(0), "ms; longest block per run:", lates.join(", "))
  }
}
await h.dispose()
