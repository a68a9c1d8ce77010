import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startTestServer, type TestServer } from "@memory-turso/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Replica, startReplica, writeAndFollow } from "../bench/replicas.js"

// Two API processes on one database, as replicas behind a load balancer: writes through the first, reads of the
// same keys through the second. Its caches follow the change feed: no read may miss a write the feed had already
// brought it (counted with feed positions, not time), deletes included; a follower paused (SIGSTOP) while the feed
// is trimmed past its position clears its caches when it resumes instead of serving what they held.

const dir = mkdtempSync(join(tmpdir(), "memory-turso-coherence-"))
let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(async () => {
  await server.destroy()
  rmSync(dir, { recursive: true, force: true })
})

const CACHE = {
  coherence_interval_ms: 50,
  max_staleness_ms: 500,
  feed_max_entries: 100,
  feed_trim_interval_secs: 1
}
const OPS = 1000
const KEYS = 20

const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 6000; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error("condition not reached")
}

const scenario = (name: string, url: () => string) =>
  it(`${name}: 1000 writes through one, reads through the other; a paused follower clears on resume`, async () => {
    const replicas: Array<Replica> = []
    try {
      const writer = await startReplica(dir, `${name}-writer`, url(), { cache: CACHE })
      replicas.push(writer)
      const follower = await startReplica(dir, `${name}-follower`, url(), { cache: CACHE })
      replicas.push(follower)

      const reads = await writeAndFollow(writer, follower, OPS, KEYS)
      expect(reads.length).toBe(OPS)
      // no read missed a write its caches had already been told of
      expect(reads.filter((r) => r.missedApplied > 0)).toEqual([])
      await until(async () => (await follower.cache()).feed_position! >= OPS)
      const followed = await follower.cache()
      expect(followed.feed_invalidations).toBeGreaterThan(0)
      expect(followed.full_clears).toBe(0)

      // Every key cached by the follower, then the follower paused while the writer changes them all and trims the
      // feed far past the follower's position.
      for (let k = 0; k < KEYS; k++) await writer.put(`k${k}`, `before-pause-${k}`)
      // feed ids count writes: these puts are ids OPS + 1 .. OPS + KEYS (the writer's own position may lag them)
      await until(async () => (await follower.cache()).feed_position! >= OPS + KEYS)
      for (let k = 0; k < KEYS; k++) expect(await follower.read(`k${k}`)).toBe(`before-pause-${k}`)
      process.kill(follower.pid, "SIGSTOP")
      try {
        for (let round = 0; round < 10; round++) {
          for (let k = 0; k < KEYS; k++) await writer.put(`k${k}`, `after-pause-${round}-${k}`)
        }
        await writer.remove("k0")
        const trims = (await writer.cache()).feed_trims!
        await until(async () => (await writer.cache()).feed_trims! > trims + 1)
      } finally {
        process.kill(follower.pid, "SIGCONT")
      }
      // whatever runs first on resume (its feed read, or a read past max_staleness_ms that bypasses the cache),
      // nothing it held before the pause is served
      expect(await follower.read("k0")).toBeUndefined()
      for (let k = 1; k < KEYS; k++) expect(await follower.read(`k${k}`)).toBe(`after-pause-9-${k}`)
      await until(async () => (await follower.cache()).full_clears === 1)
      expect(await follower.read("k1")).toBe("after-pause-9-1")
    } finally {
      await Promise.all(replicas.map((r) => r.stop()))
    }
  }, 240_000)

describe("two API processes on one database stay coherent through the change feed", () => {
  scenario("embedded file", () => `file:${join(dir, "shared.db")}`)
  scenario("remote (test server)", () => server.url)
})
