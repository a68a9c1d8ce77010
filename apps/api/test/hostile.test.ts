import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ERROR_CODES, ErrorBody, type ErrorCode } from "@memory-turso/model"
import { MemoryStore } from "@memory-turso/store"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningServer, startServer } from "../src/Server.js"
import { configFrom } from "./support/harness.js"
import { type HostileRequest, hostileRequests, sendHostile } from "./support/hostileRequests.js"

// The hostile corpus against a real server over sockets: every request a typed 4xx, none a 5xx, the data stored
// before byte-identical after, and the server still serving.

const dir = mkdtempSync(join(tmpdir(), "hostile-"))
let server: RunningServer

/** Sends a request to this test's server exactly as given. */
const send = (request: Pick<HostileRequest, "method" | "path" | "headers" | "body">) => sendHostile(server.url, request)

const SEED = [
  [
    "POST",
    "/episodes/batch",
    [
      {
        episode_id: "keep-1",
        task_description: "kept 🧠 \u0000 '; DROP TABLE episodes;--",
        tags: ["a", "b"],
        metadata: { k: "v" }
      },
      { episode_id: "keep-2", task_description: "kept too", start_time: "2024-05-01T10:00:00.123456789+02:00" }
    ]
  ],
  ["POST", "/patterns", { type: "tool_sequence", pattern_id: "keep-p", tools: ["grep", "sed"] }],
  ["POST", "/heuristics", { heuristic_id: "keep-h", condition: "c", action: "a", confidence: 0.5 }],
  ["PUT", "/embeddings/episode/keep-1", { model: "m", vector: [1, 2, 3] }]
] as const

/** Everything stored, as the API answers it: these bytes must not change. */
const snapshot = async () => {
  const paths = [
    "/episodes/keep-1",
    "/episodes/keep-2",
    "/episodes",
    "/patterns/keep-p",
    "/patterns",
    "/heuristics/keep-h",
    "/heuristics",
    "/embeddings/episode/keep-1"
  ]
  const answers = await Promise.all(paths.map((path) => send({ method: "GET", path })))
  const counts = await send({ method: "GET", path: "/db-health" })
  return { answers: answers.map((a, i) => `${paths[i]} ${a.status} ${a.text}`), counts: JSON.parse(counts.text).counts }
}

beforeAll(async () => {
  server = await startServer({
    port: 0,
    host: "127.0.0.1",
    shutdownGraceMs: 1000,
    storage: MemoryStore.layer(await configFrom({ TURSO_DB_URL: `file:${join(dir, "hostile.db")}` }))
  })
  for (const [method, path, value] of SEED) {
    const answer = await send({
      method,
      path,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(value)
    })
    expect(answer.status, answer.text).toBe(200)
  }
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

const decodeError = Schema.decodeUnknownEither(Schema.parseJson(ErrorBody))

describe("the hostile corpus", () => {
  it("has at least 60 requests, each named once, of every kind", () => {
    expect(hostileRequests.length).toBeGreaterThanOrEqual(60)
    expect(new Set(hostileRequests.map((r) => r.name)).size).toBe(hostileRequests.length)
    expect(new Set(hostileRequests.map((r) => r.expectStatus))).toEqual(new Set([400, 403, 404, 405, 413, 415, 422]))
  })

  it("is answered 100% with typed 4xx (ErrorBody, code matching the status), 0 5xx; earlier data byte-identical", async () => {
    const before = await snapshot()
    const wrong: Array<string> = []
    let typed4xx = 0
    for (const request of hostileRequests) {
      const { status, text } = await send(request)
      const body = decodeError(text)
      const code = Either.isRight(body) ? body.right.error.code : undefined
      const ok =
        status === request.expectStatus &&
        status >= 400 &&
        status < 500 &&
        code !== undefined &&
        ERROR_CODES[code as ErrorCode].status === status &&
        (request.expectCode === undefined || request.expectCode === code)
      if (ok) typed4xx++
      else wrong.push(`${request.name}: ${status} ${text.slice(0, 160)}`)
    }
    expect(wrong).toEqual([])
    expect(typed4xx).toBe(hostileRequests.length)
    expect(await snapshot()).toEqual(before)
    expect((await send({ method: "GET", path: "/health" })).status).toBe(200)
  })
})
