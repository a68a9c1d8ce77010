import { describe, expect, it } from "@effect/vitest"
import { ApiError, createClient, type Exchange, type MemoryClient, NetworkError, TimeoutError } from "../src/index.js"
import { type Failure, startFlakyServer } from "./support/flakyServer.js"

const clientOf = (url: string, onResponse?: (e: Exchange) => void) =>
  createClient({ url, retries: 2, retryDelayMs: 1, timeoutMs: 200, ...(onResponse ? { onResponse } : {}) })

/** Calls that only read: retried. */
const reads: Record<string, (c: MemoryClient) => Promise<unknown>> = {
  "GET /episodes/e1": (c) => c.episodes.get("e1"),
  "POST /episodes/batch/get": (c) => c.episodes.getMany(["e1"]),
  "POST /embeddings/search": (c) => c.embeddings.search({ vector: [1] }),
  "POST /recall": (c) => c.recall({ text: "t" })
}

/** Calls that write: never retried. */
const writes: Record<string, (c: MemoryClient) => Promise<unknown>> = {
  "POST /episodes": (c) => c.episodes.put({ task_description: "t" }),
  "POST /episodes/batch": (c) => c.episodes.putMany([{ task_description: "t" }]),
  "DELETE /episodes/e1": (c) => c.episodes.delete("e1"),
  "PUT /embeddings/episode/e1": (c) => c.embeddings.put("episode", "e1", { model: "m", vector: [1] }),
  "POST /compression/dictionary": (c) => c.buildDictionary()
}

/** What a call that still fails after its attempts rejects with. */
const rejection: Record<Failure, new (...args: Array<any>) => Error> = {
  "503": ApiError,
  reset: NetworkError,
  hang: TimeoutError
}

describe.each(["503", "reset", "hang"] as const)("a server that fails with %s", (failure) => {
  it.each(Object.keys(reads))("a read (%s) is sent again, up to `retries` times", async (route) => {
    const twice = await startFlakyServer(2, failure)
    await reads[route]!(clientOf(twice.url))
    expect(twice.requests()).toEqual([route, route, route])

    const always = await startFlakyServer(3, failure)
    await expect(reads[route]!(clientOf(always.url))).rejects.toBeInstanceOf(rejection[failure])
    expect(always.requests()).toEqual([route, route, route])
  })

  it.each(Object.keys(writes))("a write (%s) is sent once", async (route) => {
    const server = await startFlakyServer(1, failure)
    await expect(writes[route]!(clientOf(server.url))).rejects.toBeInstanceOf(rejection[failure])
    expect(server.requests()).toEqual([route])
  })
})

describe("retries", () => {
  it("a recall that counts retrievals is a write: sent once", async () => {
    const server = await startFlakyServer(1, "503")
    await expect(clientOf(server.url).recall({ text: "t", count_retrieved: true })).rejects.toBeInstanceOf(ApiError)
    expect(server.requests()).toEqual(["POST /recall"])
  })

  it("the observer sees every attempt: its number and status (null when no answer came)", async () => {
    for (const [failure, statuses] of [
      ["503", [503, 503, 200]],
      ["reset", [null, null, 200]]
    ] as const) {
      const server = await startFlakyServer(2, failure)
      const seen: Array<Exchange> = []
      await clientOf(server.url, (e) => seen.push(e)).episodes.get("e1", { requestId: "same-id" })
      expect(seen.map((e) => [e.attempt, e.status, e.route, e.requestId])).toEqual(
        statuses.map((status, i) => [i + 1, status, "GET /episodes/:id", "same-id"])
      )
    }
  })

  it("with retries: 0 a read is sent once; a 503 error answer rejects with its code", async () => {
    const server = await startFlakyServer(1, "503")
    const client = createClient({ url: server.url, retries: 0 })
    const error = await client.episodes.get("e1").catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 503, code: "database_unavailable" })
    expect(server.requests()).toHaveLength(1)
  })

  it("a 503 that carries the route's own body (/health: unhealthy) is an answer, not retried", async () => {
    const server = await startFlakyServer(0, "503")
    expect(await clientOf(server.url).health()).toMatchObject({ status: "unhealthy" })
    expect(server.requests()).toEqual(["GET /health"])
  })

  it("cancelling during the backoff rejects with the signal's reason and sends nothing more", async () => {
    const server = await startFlakyServer(5, "503")
    const controller = new AbortController()
    const reason = new Error("cancelled by the test")
    // The first attempt ends (503), the observer cancels, the backoff (a minute) is cut short.
    const client = createClient({ url: server.url, retryDelayMs: 60_000, onResponse: () => controller.abort(reason) })
    await expect(client.episodes.get("e1", { signal: controller.signal })).rejects.toBe(reason)
    expect(server.requests()).toHaveLength(1)
  })

  it("cancelling while waiting for an answer rejects with the signal's reason, not as a timeout", async () => {
    const server = await startFlakyServer(1, "hang")
    const controller = new AbortController()
    const seen: Array<Exchange> = []
    const client = createClient({ url: server.url, onResponse: (e) => seen.push(e) })
    const call = client.episodes.get("e1", { signal: controller.signal })
    while (server.requests().length === 0) await new Promise((r) => setTimeout(r, 5))
    controller.abort(new Error("stop"))
    await expect(call).rejects.toThrow("stop")
    expect(seen.map((e) => e.status)).toEqual([null])
    expect(server.requests()).toHaveLength(1)
  })
})
