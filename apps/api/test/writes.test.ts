/** Record versions (ETag), conditional writes (If-Match), Idempotency-Key, and replays after a lost reply. */
import { startTestServer, type TestServer } from "@memory-turso/testkit"
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { configFrom, type Harness, makeHarness } from "./support/harness.js"

let h: Harness
beforeEach(async () => {
  h = await makeHarness()
})
afterEach(() => h.dispose())

const ifMatch = (version: number | string) => ({ "if-match": typeof version === "number" ? `"${version}"` : version })
const keyed = (key: string) => ({ "idempotency-key": key })

describe("record versions and ETags", () => {
  it("every write answers the record's new version in the body and as a strong ETag; reads too", async () => {
    for (const [i, task] of ["one", "two", "three"].entries()) {
      const written = await h.request("POST", "/episodes", { episode_id: "e", task_description: task })
      expect(written.json.version).toBe(i + 1)
      expect(written.headers.get("etag")).toBe(`"${i + 1}"`)
    }
    const read = await h.request("GET", "/episodes/e")
    expect(read.headers.get("etag")).toBe('"3"')
    expect(read.json).toMatchObject({ task_description: "three", version: 3 })
    // A version sent in the body is ignored.
    const sent = await h.request("POST", "/patterns", { type: "error_recovery", error_type: "x", version: 9 })
    expect(sent.json.version).toBe(1)
    const list = await h.request("GET", "/episodes")
    expect(list.json.episodes[0].version).toBe(3)
    await h.request("PUT", "/embeddings/episode/e", { model: "m", vector: [1, 0] })
    const embedding = await h.request("PUT", "/embeddings/episode/e", { model: "m", vector: [0, 1] })
    expect(embedding.json.version).toBe(2)
    expect(embedding.headers.get("etag")).toBe('"2"')
    expect((await h.request("GET", "/embeddings/episode/e")).headers.get("etag")).toBe('"2"')
  })

  it("a cached read carries the same ETag", async () => {
    const cached = await makeHarness({ env: { ENABLE_CACHE: "true" } })
    try {
      await cached.request("POST", "/episodes", { episode_id: "e", task_description: "x" })
      await cached.request("POST", "/episodes", { episode_id: "e", task_description: "y" })
      const before = (await cached.dbStats()).executes
      for (let i = 0; i < 3; i++) expect((await cached.request("GET", "/episodes/e")).headers.get("etag")).toBe('"2"')
      expect((await cached.dbStats()).executes - before).toBe(0) // the write went through: hits only
    } finally {
      await cached.dispose()
    }
  })
})

describe("If-Match", () => {
  it("an update at the current version is applied; at another version, 412 and nothing changes", async () => {
    await h.request("POST", "/episodes", { episode_id: "e", task_description: "v1", tags: ["one"] })
    const applied = await h.request("POST", "/episodes", { episode_id: "e", task_description: "v2" }, ifMatch(1))
    expect(applied.status).toBe(200)
    expect(applied.headers.get("etag")).toBe('"2"')
    const before = await h.request("GET", "/episodes/e")
    const stale = await h.request("POST", "/episodes", { episode_id: "e", task_description: "lost" }, ifMatch(1))
    expect(stale.status).toBe(412)
    expect(stale.json.error.code).toBe("precondition_failed")
    expect(stale.json.error.message).toContain("version 2, not 1")
    expect((await h.request("GET", "/episodes/e")).text).toBe(before.text)
    // A record that does not exist has no version to match.
    const absent = await h.request("POST", "/episodes", { episode_id: "none", task_description: "x" }, ifMatch(1))
    expect(absent.status).toBe(412)
    const generated = await h.request("POST", "/episodes", { task_description: "x" }, ifMatch(1))
    expect(generated.status).toBe(412)
    expect((await h.counts()).episodes).toBe(1)
  })

  it("deletes: at another version 412 and the record stays; at the current one it goes", async () => {
    await h.request("POST", "/heuristics", { heuristic_id: "h", condition: "c", action: "a", confidence: 0.5 })
    await h.request("POST", "/heuristics", { heuristic_id: "h", condition: "c", action: "b", confidence: 0.5 })
    expect((await h.request("DELETE", "/heuristics/h", undefined, ifMatch(1))).status).toBe(412)
    expect((await h.counts()).heuristics).toBe(1)
    expect((await h.request("DELETE", "/heuristics/h", undefined, ifMatch(2))).status).toBe(204)
    expect((await h.counts()).heuristics).toBe(0)
    expect((await h.request("DELETE", "/heuristics/h", undefined, ifMatch(2))).status).toBe(412)
    expect((await h.request("DELETE", "/heuristics/h")).status).toBe(404)
  })

  it("embeddings: put and delete at a version", async () => {
    await h.request("POST", "/episodes", { episode_id: "e", task_description: "x" })
    await h.request("PUT", "/embeddings/episode/e", { model: "m", vector: [1, 0] })
    const stale = await h.request("PUT", "/embeddings/episode/e", { model: "m", vector: [0, 1] }, ifMatch(2))
    expect(stale.status).toBe(412)
    expect((await h.request("GET", "/embeddings/episode/e")).json.vector).toEqual([1, 0])
    expect((await h.request("PUT", "/embeddings/episode/e", { model: "m", vector: [0, 1] }, ifMatch(1))).status).toBe(
      200
    )
    expect((await h.request("DELETE", "/embeddings/episode/e", undefined, ifMatch(1))).status).toBe(412)
    expect((await h.request("DELETE", "/embeddings/episode/e", undefined, ifMatch(2))).status).toBe(204)
  })

  it("twenty writers racing with the same If-Match: exactly one wins, the others get 412", async () => {
    await h.request("POST", "/episodes", { episode_id: "e", task_description: "v1" })
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.request("POST", "/episodes", { episode_id: "e", task_description: `writer ${i}` }, ifMatch(1))
      )
    )
    const statuses = answers.map((a) => a.status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(1)
    expect(statuses.filter((s) => s === 412)).toHaveLength(19)
    const winner = answers.find((a) => a.status === 200)!
    expect((await h.request("GET", "/episodes/e")).text).toBe(winner.text)
  })

  it("a malformed If-Match is a 422 naming the header; on a batch any If-Match is a 412", async () => {
    for (const value of ["3", "*", 'W/"1"', '"1", "2"', '"0"']) {
      const answer = await h.request("POST", "/episodes", { episode_id: "e", task_description: "x" }, ifMatch(value))
      expect(answer.status, value).toBe(422)
      expect(answer.json.error.issues).toEqual([{ path: "If-Match", message: expect.stringContaining("strong") }])
    }
    const batch = await h.request("POST", "/episodes/batch", [{ task_description: "x" }], ifMatch(1))
    expect(batch.status).toBe(412)
    expect((await h.counts()).episodes).toBe(0)
  })
})

describe("Idempotency-Key", () => {
  it("a repeated POST without an id answers the first response and creates no second record", async () => {
    const body = { task_description: "create me once" }
    const first = await h.request("POST", "/episodes", body, keyed("k-1"))
    expect(first.status).toBe(200)
    expect(first.headers.get("idempotent-replayed")).toBeNull()
    const again = await h.request("POST", "/episodes", body, keyed("k-1"))
    expect(again.status).toBe(200)
    expect(again.text).toBe(first.text)
    expect(again.headers.get("etag")).toBe(first.headers.get("etag"))
    expect(again.headers.get("idempotent-replayed")).toBe("true")
    expect((await h.counts()).episodes).toBe(1)
    // The same key with another body is refused; nothing is written.
    const other = await h.request("POST", "/episodes", { task_description: "something else" }, keyed("k-1"))
    expect(other.status).toBe(422)
    expect(other.json.error.code).toBe("idempotency_key_reused")
    // ... and so is the same body on another route.
    const elsewhere = await h.request("POST", "/episodes/batch", [body], keyed("k-1"))
    expect(elsewhere.json.error.code).toBe("idempotency_key_reused")
    expect((await h.counts()).episodes).toBe(1)
    // Keys are per namespace; without a key, each POST creates.
    await h.request("POST", "/episodes", body, { ...keyed("k-1"), "x-memory-namespace": "team-b" })
    expect((await h.counts("team-b")).episodes).toBe(1)
    await h.request("POST", "/episodes", body)
    await h.request("POST", "/episodes", body)
    expect((await h.counts()).episodes).toBe(3)
  })

  it("a repeated batch answers the first {stored, ids} and writes nothing", async () => {
    const batch = [{ task_description: "a" }, { task_description: "b" }]
    const first = await h.request("POST", "/episodes/batch", batch, keyed("batch-1"))
    const again = await h.request("POST", "/episodes/batch", batch, keyed("batch-1"))
    expect(again.status).toBe(200)
    expect(again.text).toBe(first.text)
    expect(first.json.stored).toBe(2)
    expect((await h.counts()).episodes).toBe(2)
  })

  it("a malformed key is a 422 naming the header", async () => {
    for (const key of ["a b", "x".repeat(256), '"unclosed', "é"]) {
      const answer = await h.request("POST", "/episodes", { task_description: "x" }, keyed(key))
      expect(answer.status, key).toBe(422)
      expect(answer.json.error.issues[0].path).toBe("Idempotency-Key")
    }
    expect((await h.request("POST", "/episodes", { task_description: "x" }, keyed('"quoted-ok"'))).status).toBe(200)
    expect((await h.counts()).episodes).toBe(1)
  })

  it("server.idempotency_window_secs: a key is forgotten after the window", async () => {
    expect((await configFrom()).server.idempotency_window_secs).toBe(24 * 3600)
    const short = await makeHarness({
      configure: (config) => ({ ...config, server: { ...config.server, idempotency_window_secs: 1 } })
    })
    try {
      const body = { task_description: "x" }
      await short.request("POST", "/episodes", body, keyed("k"))
      expect((await short.request("POST", "/episodes", body, keyed("k"))).headers.get("idempotent-replayed")).toBe(
        "true"
      )
      expect((await short.counts()).episodes).toBe(1)
      await new Promise((resolve) => setTimeout(resolve, 1100))
      const after = await short.request("POST", "/episodes", body, keyed("k"))
      expect(after.headers.get("idempotent-replayed")).toBeNull()
      expect((await short.counts()).episodes).toBe(2)
    } finally {
      await short.dispose()
    }
  })
})

describe("the API description", () => {
  it("documents If-Match, Idempotency-Key and ETag on exactly the routes that honour them", async () => {
    const document = (await h.request("GET", "/openapi.json")).json
    const withParameter = (name: string) =>
      Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
        Object.entries(item)
          .filter(([, op]) => (op.parameters ?? []).some((p: any) => p.$ref === `#/components/parameters/${name}`))
          .map(([method]) => `${method.toUpperCase()} ${path}`)
      )
    const kinds = ["episodes", "patterns", "heuristics"]
    expect(withParameter("IfMatch").sort()).toEqual(
      [
        ...kinds.flatMap((k) => [`POST /${k}`, `DELETE /${k}/{id}`]),
        "PUT /embeddings/{item_type}/{item_id}",
        "DELETE /embeddings/{item_type}/{item_id}"
      ].sort()
    )
    expect(withParameter("IdempotencyKey").sort()).toEqual(
      kinds.flatMap((k) => [`POST /${k}`, `POST /${k}/batch`]).sort()
    )
    const etag = (method: string, path: string) => document.paths[path][method].responses["200"].headers.ETag
    expect(etag("get", "/episodes/{id}")).toEqual({ $ref: "#/components/headers/ETag" })
    expect(etag("post", "/patterns")).toBeDefined()
    expect(etag("put", "/embeddings/{item_type}/{item_id}")).toBeDefined()
    expect(etag("post", "/episodes/batch")).toBeUndefined()
    expect(document.paths["/episodes"].post.responses["412"]["x-error-codes"]).toEqual(["precondition_failed"])
  })
})

describe("replays after a lost reply (API over the test server)", () => {
  let server: TestServer
  let remote: Harness
  beforeAll(async () => {
    server = await startTestServer()
    remote = await makeHarness({
      databaseUrl: server.url,
      env: { ENABLE_CACHE: "true" },
      // The change feed is read only on demand here: its background reads would take the one-shot faults.
      configure: (config) => ({
        ...config,
        cache: { ...config.cache, coherence_interval_ms: 3_600_000, max_staleness_ms: 3_600_000 },
        retry: { max_retries: 3, retry_base_delay_ms: 1, retry_max_delay_ms: 5 }
      })
    })
  })
  afterAll(async () => {
    await remote.dispose()
    await server.destroy()
  })
  const loseNextReply = () => server.fault({ kind: "reset", count: 1, after_execute: true })

  it("a keyed POST whose reply was lost is replayed and answers its first result; one record", async () => {
    const before = (await remote.counts()).episodes
    await loseNextReply()
    const answer = await remote.request("POST", "/episodes", { task_description: "once" }, keyed("lost-1"))
    expect(answer.status).toBe(200)
    expect(answer.json.version).toBe(1)
    // The first attempt committed and recorded the key; the replay found it.
    expect(answer.headers.get("idempotent-replayed")).toBe("true")
    expect((await remote.counts()).episodes).toBe(before + 1)
    expect((await remote.request("GET", `/episodes/${answer.json.episode_id}`)).text).toBe(answer.text)
  })

  it("an unguarded POST whose reply was lost is not replayed: 503 outcome_unknown with Retry-After; no stale cache", async () => {
    await remote.request("POST", "/episodes", { episode_id: "u", task_description: "old" })
    expect((await remote.request("GET", "/episodes/u")).json.task_description).toBe("old") // now cached
    const statements = server.stats().statements_executed
    await loseNextReply()
    const answer = await remote.request("POST", "/episodes", { episode_id: "u", task_description: "new" })
    expect(answer.status).toBe(503)
    expect(answer.json.error.code).toBe("outcome_unknown")
    expect(answer.headers.get("retry-after")).toBe("1")
    const sent = server.stats().statements_executed - statements
    // It had committed, once: the next read (not the cache) shows it at version 2.
    expect(await remote.request("GET", "/episodes/u")).toMatchObject({ json: { task_description: "new", version: 2 } })
    const guarded = server.stats().statements_executed
    await remote.request("POST", "/episodes", { episode_id: "u", task_description: "newer" })
    expect(server.stats().statements_executed - guarded).toBe(sent) // the same write without a fault: same count
  })

  it("a DELETE with If-Match whose reply was lost is replayed, finds nothing, and answers 204", async () => {
    await remote.request("POST", "/episodes", { episode_id: "d", task_description: "x" })
    const recovered = (await remote.request("GET", "/metrics")).json.retry.recovered
    await loseNextReply()
    expect((await remote.request("DELETE", "/episodes/d", undefined, ifMatch(1))).status).toBe(204)
    expect((await remote.request("GET", "/metrics")).json.retry.recovered).toBe(recovered + 1)
    expect((await remote.request("GET", "/episodes/d")).status).toBe(404)
  })
})
