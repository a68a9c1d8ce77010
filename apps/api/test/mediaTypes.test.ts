import { once } from "node:events"
import { mkdtempSync, rmSync } from "node:fs"
import * as http from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { MemoryStore } from "@memory-turso/store"
import * as Schema from "effect/Schema"
import { Hono } from "hono"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DEFAULT_LIMITS } from "../src/config/LimitsSection.js"
import { makeAccess } from "../src/http/Access.js"
import { makeBodies } from "../src/http/body.js"
import { isMediaType } from "../src/http/MediaType.js"
import { makeOrigins } from "../src/http/Origins.js"
import { makeRoutes } from "../src/http/Routes.js"
import { type AppEnv, json, makeServe } from "../src/http/respond.js"
import { makeJsonSchemas } from "../src/openapi/JsonSchemas.js"
import { operationOf } from "../src/openapi/Operation.js"
import { startServer } from "../src/Server.js"
import { configFrom, type Harness, makeHarness } from "./support/harness.js"

// A body must carry the media type its route takes (415 otherwise), and is read with a byte cap (413 at once).

let h: Harness
beforeAll(async () => {
  h = await makeHarness()
})
afterAll(() => h.dispose())

const send = (method: string, path: string, headers: Record<string, string>, body?: string | Uint8Array) =>
  h.app.request(path, { method, headers, ...(body === undefined ? {} : { body }) })

describe("media types", () => {
  it("application/json, any case, with at most a utf-8 charset; nothing else", () => {
    for (const type of [
      "application/json",
      "Application/JSON",
      "application/json; charset=utf-8",
      'application/json;charset="UTF-8"',
      "application/json;"
    ]) {
      expect(isMediaType(type, "application/json"), type).toBe(true)
    }
    for (const type of [
      "text/plain",
      "application/json; charset=latin1",
      "application/json; boundary=x",
      "application/jsonx",
      "application/json-patch+json",
      "multipart/form-data; boundary=x",
      ""
    ]) {
      expect(isMediaType(type, "application/json"), type).toBe(false)
    }
  })

  it("every route that takes a body answers 415 unsupported_media_type to another type, and stores nothing", async () => {
    const body = '{"episode_id":"typed","task_description":"x","vector":[1],"ids":["typed"],"model":"m"}'
    for (const [method, path] of [
      ["POST", "/episodes"],
      ["POST", "/episodes/batch"],
      ["POST", "/patterns/batch/get"],
      ["PUT", "/embeddings/episode/typed"],
      ["POST", "/embeddings/search"],
      ["POST", "/compression/dictionary"],
      ["DELETE", "/episodes/typed"]
    ] as const) {
      for (const headers of [{ "content-type": "text/plain" }, { "content-type": "application/xml" }, {}]) {
        const response = await send(method, path, headers, body)
        expect([method, path, response.status], JSON.stringify(headers)).toEqual([method, path, 415])
        const error = ((await response.json()) as any).error
        expect(error.code).toBe("unsupported_media_type")
        expect(error.issues[0].path).toBe("header.content-type")
      }
    }
    expect((await h.counts()).episodes).toBe(0)
    const stored = await send(
      "POST",
      "/episodes",
      { "content-type": "application/json; charset=UTF-8" },
      body.replace(',"vector":[1],"ids":["typed"],"model":"m"', "")
    )
    expect(stored.status).toBe(200)
  })

  it("a request without a body needs no media type", async () => {
    expect((await send("GET", "/episodes/typed", {})).status).toBe(200)
    expect((await send("DELETE", "/episodes/typed", {})).status).toBe(204)
  })

  it("a route may declare application/x-ndjson: it refuses JSON, and the OpenAPI document says so", async () => {
    const app = new Hono<AppEnv>()
    const routes = makeRoutes(
      app,
      makeAccess({ public_metrics: false, tokens: [] }),
      makeServe(() => undefined),
      {
        origins: makeOrigins([]),
        bodies: makeBodies(DEFAULT_LIMITS)
      }
    )
    const spec = {
      method: "POST",
      path: "/stream",
      tag: "test",
      summary: "takes NDJSON",
      access: "public",
      namespaced: false,
      mediaType: "application/x-ndjson",
      body: Schema.Struct({ n: Schema.Number }),
      responses: { 200: { description: "lines" } },
      errors: []
    } as const
    routes.add(spec, async (c) => json(c, JSON.stringify({ lines: (await c.req.text()).trim().split("\n").length })))
    const ndjson = await app.request("/stream", {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: '{"n":1}\n{"n":2}\n'
    })
    expect(await ndjson.json()).toEqual({ lines: 2 })
    const asJson = await app.request("/stream", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"n":1}'
    })
    expect(asJson.status).toBe(415)
    const operation = operationOf(spec, makeJsonSchemas())
    expect(Object.keys(operation.requestBody?.content ?? {})).toEqual(["application/x-ndjson"])
    // A route that takes a body documents the codes its gate and its limits can answer.
    expect(operation.responses["413"]?.["x-error-codes"]).toEqual(["payload_too_large"])
    expect(operation.responses["415"]?.["x-error-codes"]).toEqual(["unsupported_media_type"])
    expect(operation.responses["422"]?.["x-error-codes"]).toContain("limit_exceeded")
    expect(operation.responses["403"]?.["x-error-codes"]).toEqual(["forbidden_origin"])
  })
})

describe("the body is read with a byte cap", () => {
  it("a streamed body is cancelled as soon as it passes max_body_bytes: the rest is never pulled", async () => {
    const capped = await makeHarness({ maxBodyBytes: 64 * 1024 })
    try {
      const chunk = new TextEncoder().encode(`{"task_description":"${"x".repeat(16 * 1024)}`)
      let pulled = 0
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled += chunk.byteLength
          controller.enqueue(chunk)
        }
      })
      const response = await capped.app.request("/episodes", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: stream,
        duplex: "half"
      } as RequestInit)
      expect(response.status).toBe(413)
      // At most the cap plus the chunk that crossed it, and the stream's one read-ahead chunk.
      expect(pulled).toBeLessThanOrEqual(64 * 1024 + 2 * chunk.byteLength)
      expect((await capped.counts()).episodes).toBe(0)
    } finally {
      await capped.dispose()
    }
  })

  it("over a socket: a declared Content-Length over the cap is answered 413 before any byte of the body is sent", async () => {
    const dir = mkdtempSync(join(tmpdir(), "body-cap-"))
    const server = await startServer({
      port: 0,
      host: "127.0.0.1",
      shutdownGraceMs: 1000,
      limits: { ...DEFAULT_LIMITS, max_body_bytes: 64 * 1024 },
      storage: MemoryStore.layer(await configFrom({ TURSO_DB_URL: `file:${join(dir, "cap.db")}` }))
    })
    try {
      const request = http.request(`${server.url}/episodes`, {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": 512 * 1024 * 1024 }
      })
      request.flushHeaders()
      const [response] = (await once(request, "response")) as [http.IncomingMessage]
      expect(response.statusCode).toBe(413)
      request.destroy()
      // A chunked body with no length: answered once past the cap, while the client is still sending.
      const chunked = http.request(`${server.url}/episodes`, {
        method: "POST",
        headers: { "content-type": "application/json", "transfer-encoding": "chunked" }
      })
      let answered: http.IncomingMessage | undefined
      chunked.on("response", (r) => (answered = r))
      chunked.on("error", () => undefined)
      let sent = 0
      const piece = Buffer.alloc(16 * 1024, "x")
      while (answered === undefined && sent < 256 * 1024 * 1024) {
        sent += piece.length
        if (!chunked.write(piece)) await Promise.race([once(chunked, "drain"), once(chunked, "response")])
        await new Promise((resolve) => setImmediate(resolve))
      }
      chunked.destroy()
      expect(answered?.statusCode).toBe(413)
      expect(sent).toBeLessThan(256 * 1024 * 1024)
      const health = await fetch(`${server.url}/health`)
      expect(health.status).toBe(200)
      const counts = (await (await fetch(`${server.url}/db-health`)).json()) as { counts: { episodes: number } }
      expect(counts.counts.episodes).toBe(0)
    } finally {
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
