import { describe, expect, it } from "@effect/vitest"
import {
  ApiError,
  type ClientOptions,
  createClient,
  InvalidResponseError,
  MemoryClientError,
  NetworkError
} from "../src/index.js"

interface Sent {
  readonly url: string
  readonly method: string
  readonly headers: Record<string, string>
  readonly body: string | null
}

/** A client over a fetch that records each request and answers `answer` (status, body, headers). */
const recording = (
  answer: { status?: number; body?: string; headers?: Record<string, string> } = {},
  options: Partial<ClientOptions> = {}
) => {
  const sent: Array<Sent> = []
  const fetch: typeof globalThis.fetch = async (input, init) => {
    sent.push({
      url: String(input),
      method: init?.method ?? "GET",
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: typeof init?.body === "string" ? init.body : null
    })
    return new Response(answer.body ?? '{"episode_id":"e1","task_description":"t"}', {
      status: answer.status ?? 200,
      headers: answer.headers ?? {}
    })
  }
  return { sent, client: createClient({ url: "http://api.test/base", fetch, retries: 0, ...options }) }
}

const rejection = (call: Promise<unknown>) =>
  call.then(
    () => {
      throw new Error("expected a rejection")
    },
    (e: unknown) => e
  )

describe("what a call sends", () => {
  it("the token, the namespace, the caller's headers and request id; a JSON body; paths under the base URL", async () => {
    const { sent, client } = recording({}, { token: "t0k", namespace: "team-a", headers: { "user-agent": "tests" } })
    await client.episodes.put({ task_description: "t" }, { requestId: "r-1" })
    await client.namespace("team-b").episodes.get("a:b")
    expect(sent[0]).toEqual({
      url: "http://api.test/base/episodes",
      method: "POST",
      headers: {
        accept: "application/json",
        authorization: "Bearer t0k",
        "content-type": "application/json",
        "user-agent": "tests",
        "x-memory-namespace": "team-a",
        "x-request-id": "r-1"
      },
      body: '{"task_description":"t"}'
    })
    expect(sent[1]).toMatchObject({ url: "http://api.test/base/episodes/a%3Ab", method: "GET", body: null })
    expect(sent[1]!.headers["x-memory-namespace"]).toBe("team-b")
    expect(sent[1]!.headers["authorization"]).toBe("Bearer t0k")
  })

  it("list queries as the API reads them: repeated tag, metadata key:value pairs, booleans and numbers as text", async () => {
    const { sent, client } = recording({ body: '{"episodes":[],"next_cursor":null}' })
    const page = await client.episodes.list({
      tags: ["a", "b"],
      metadata: { team: "x:y" },
      completed: false,
      limit: 5,
      from: "2026-01-01T00:00:00Z"
    })
    expect(page).toEqual({ items: [], next_cursor: null })
    const query = new URL(sent[0]!.url).searchParams
    expect([...query.entries()]).toEqual([
      ["tag", "a"],
      ["tag", "b"],
      ["metadata", "team:x:y"],
      ["completed", "false"],
      ["limit", "5"],
      ["from", "2026-01-01T00:00:00Z"]
    ])
  })

  it("invalid options are refused when the client is created", () => {
    expect(() => createClient({ url: "ftp://api.test" })).toThrow(TypeError)
    expect(() => createClient({ url: "http://user:pw@api.test" })).toThrow("must not carry credentials")
    expect(() => createClient({ url: "not a url" })).toThrow(TypeError)
    expect(() => createClient({ url: "http://api.test", retries: -1 })).toThrow(RangeError)
    expect(() => createClient({ url: "http://api.test", timeoutMs: 0 })).toThrow(RangeError)
  })
})

describe("what a call rejects with", () => {
  it("the API's error body: an ApiError with code, status, message, issues and the answered request id", async () => {
    const body = JSON.stringify({
      error: { code: "validation_failed", message: "1 field", issues: [{ path: "task_description", message: "x" }] }
    })
    const { client } = recording({ status: 422, body, headers: { "x-request-id": "srv-9" } })
    const error = await rejection(client.episodes.put({ task_description: "" }))
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toBeInstanceOf(MemoryClientError)
    expect(error).toMatchObject({
      name: "ApiError",
      code: "validation_failed",
      status: 422,
      message: "1 field",
      issues: [{ path: "task_description", message: "x" }],
      requestId: "srv-9",
      method: "POST",
      path: "/episodes"
    })
  })

  it("an answer that does not fit the Schema names the endpoint and the fields, never the values", async () => {
    const secret = "private-text-in-the-body"
    const { client } = recording({ body: JSON.stringify({ episode_id: 7, task_description: secret, steps: "x" }) })
    const error = await rejection(client.episodes.get("e1"))
    expect(error).toBeInstanceOf(InvalidResponseError)
    const invalid = error as InvalidResponseError
    expect(invalid.endpoint).toBe("GET /episodes/:id")
    expect(invalid.issues.map((i) => i.path)).toEqual([["episode_id"], ["steps"]])
    expect(invalid.message).toBe(
      "GET /episodes/:id: status 200 with a body that does not fit the schema: episode_id: expected a string; steps: expected an array"
    )
    expect(`${invalid.message} ${JSON.stringify(invalid)}`).not.toContain(secret)
  })

  it("a body that is not JSON, or an error answer that is not the API's error body", async () => {
    const notJson = await rejection(recording({ body: "<html>" }).client.health())
    expect(notJson).toBeInstanceOf(InvalidResponseError)
    expect((notJson as Error).message).toBe("GET /health: status 200 with a body that is not JSON")
    const proxy = await rejection(recording({ status: 502, body: '{"oops":true}' }).client.ready())
    expect(proxy).toMatchObject({ name: "InvalidResponseError", status: 502, endpoint: "GET /readyz" })
    expect((proxy as InvalidResponseError).issues.map((i) => i.path)).toEqual([["error"]])
  })

  it("a fetch that fails: a NetworkError with the innermost cause's words, never the token", async () => {
    const fetch: typeof globalThis.fetch = () =>
      Promise.reject(new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:9") }))
    const client = createClient({ url: "http://api.test", token: "s3cret", fetch, retries: 0 })
    const error = await rejection(client.metrics())
    expect(error).toBeInstanceOf(NetworkError)
    expect(error).toMatchObject({ reason: "connect ECONNREFUSED 127.0.0.1:9", method: "GET", path: "/metrics" })
    expect((error as Error).message).toBe("GET /metrics: connect ECONNREFUSED 127.0.0.1:9")
    expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain("s3cret")
  })
})
