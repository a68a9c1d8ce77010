import { startTestServer, type TestServer } from "@memory-turso/testkit"
import * as Either from "effect/Either"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createMemoryStore, type MemoryStoreError, StoreConfig, UnavailableError } from "../src/index.js"

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.destroy())

describe("database.request_timeout_secs", () => {
  it("defaults to 10 s; must be a positive number of seconds", () => {
    const decoded = StoreConfig.decode({})
    expect(Either.isRight(decoded) && decoded.right.config.database.request_timeout_secs).toBe(10)
    const fractional = StoreConfig.decode({ database: { request_timeout_secs: 0.25 } })
    expect(Either.isRight(fractional) && fractional.right.config.database.request_timeout_secs).toBe(0.25)
    const zero = StoreConfig.decode({ database: { request_timeout_secs: 0 } })
    expect(Either.isLeft(zero) && zero.left.issues).toEqual([
      { path: "database.request_timeout_secs", message: "expected a positive number of seconds, got 0" }
    ])
  })

  it("a call the database does not answer in time rejects as unavailable at once, not retried", async () => {
    const store = await createMemoryStore({
      url: server.url,
      // long enough for start-up's calls on a loaded machine; the stalled call waits it out
      database: { request_timeout_secs: 2 },
      cache: { enabled: false },
      keepalive: { enabled: false }
    })
    try {
      await store.episodes.put({ episode_id: "d1", task_description: "deadline" })
      await server.fault({ kind: "stall", count: 1 })
      const error = await store.episodes.get("d1").then(
        () => undefined,
        (e: unknown) => e
      )
      expect(error).toBeInstanceOf(UnavailableError)
      expect((error as MemoryStoreError).code).toBe("database_unavailable")
      expect((error as MemoryStoreError).message).toBe("the database did not answer within 2 s; try again")
      const stats = await store.stats()
      expect(stats.database).toMatchObject({ deadline_exceeded: 1 })
      // retries are on (max_retries 3), yet the call past its deadline was not tried again
      expect(stats.retry).toMatchObject({ enabled: true, retries: 0 })
      expect(server.stats().faults_injected.stall).toBe(1)
      await server.fault({ kind: "resume" })
      expect((await store.episodes.get("d1")).task_description).toBe("deadline")
    } finally {
      await store.close()
    }
  })
})
