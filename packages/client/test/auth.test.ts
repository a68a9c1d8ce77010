import { describe, expect, it } from "@effect/vitest"
import { createClient } from "../src/index.js"
import { apiError, type Token, useApi } from "./support/api.js"

const writer: Token = {
  name: "writer",
  secret: "w-secret-1",
  scopes: ["read", "write"],
  namespaces: ["team-a", "team-b"]
}
const reader: Token = { name: "reader", secret: "r-secret-2", scopes: ["read"], namespaces: ["team-a"] }
const operator: Token = { name: "operator", secret: "o-secret-3", scopes: ["metrics", "admin"], namespaces: [] }
/** Only a pattern: no default namespace, every request must name one. */
const agents: Token = { name: "agents", secret: "a-secret-4", scopes: ["read", "write"], namespaces: ["agent-*"] }

const api = useApi({ tokens: [writer, reader, operator, agents] })
const as = (token: Token | undefined) => createClient({ url: api().url, token: token?.secret })

describe("authentication", () => {
  it("no token: 401 unauthorized on data routes; the probes and /health need none", async () => {
    const error = await apiError(as(undefined).episodes.list())
    expect({ status: error.status, code: error.code }).toEqual({ status: 401, code: "unauthorized" })
    expect(await as(undefined).health()).toMatchObject({ status: "healthy" })
    expect(await as(undefined).live()).toEqual({ status: "alive" })
  })

  it("an unknown token: 401, and no error names the secret", async () => {
    const secret = "not-a-known-secret-77"
    const client = createClient({ url: api().url, token: secret })
    const error = await apiError(client.episodes.get("x"))
    expect({ status: error.status, code: error.code }).toEqual({ status: 401, code: "unauthorized" })
    expect(`${error.message} ${error.stack} ${JSON.stringify(error)}`).not.toContain(secret)
  })

  it("a token without the route's scope: 403 forbidden (write, metrics, admin)", async () => {
    const codes = await Promise.all(
      [
        as(reader).episodes.put({ task_description: "t" }),
        as(writer).metrics(),
        as(writer).buildDictionary(),
        as(operator).episodes.list()
      ].map(async (call) => {
        const e = await apiError(call)
        return `${e.status} ${e.code}`
      })
    )
    expect(codes).toEqual(["403 forbidden", "403 forbidden", "403 forbidden", "403 forbidden"])
    expect((await as(operator).metrics()).auth).toMatchObject({ enabled: true })
  })

  it("a namespace the token may not use: 403 forbidden_namespace; none named without a default: 422", async () => {
    const denied = await apiError(as(reader).namespace("team-b").episodes.list())
    expect({ status: denied.status, code: denied.code }).toEqual({ status: 403, code: "forbidden_namespace" })
    const unnamed = await apiError(as(agents).episodes.list())
    expect({ status: unnamed.status, code: unnamed.code }).toEqual({ status: 422, code: "namespace_required" })
    expect((await as(agents).namespace("agent-7").episodes.list()).items).toEqual([])
  })
})

describe("namespaces through namespace()", () => {
  it("the same id in two namespaces is two records; reads, lists, batches, deletes and searches stay in one", async () => {
    const a = as(writer) // the token's default: team-a
    const b = as(writer).namespace("team-b")
    expect([a.boundNamespace, b.boundNamespace]).toEqual([undefined, "team-b"])
    await a.episodes.put({ episode_id: "same", task_description: "in a" })
    await b.episodes.putMany([
      { episode_id: "same", task_description: "in b" },
      { episode_id: "only-b", task_description: "in b" }
    ])
    expect((await a.episodes.get("same")).task_description).toBe("in a")
    expect((await a.namespace("team-a").episodes.get("same")).task_description).toBe("in a")
    expect((await b.episodes.get("same")).task_description).toBe("in b")
    expect((await a.episodes.list()).items.map((e) => e.episode_id)).toEqual(["same"])
    expect(await a.episodes.getMany(["only-b"])).toEqual({ items: [], missing: ["only-b"], unread: [] })
    await b.embeddings.put("episode", "only-b", { model: "m", vector: [1, 2] })
    expect(await a.embeddings.search({ vector: [1, 2] })).toEqual([])
    expect((await b.embeddings.search({ vector: [1, 2] })).map((m) => m.item_id)).toEqual(["only-b"])
    await b.episodes.delete("same")
    expect((await a.episodes.get("same")).task_description).toBe("in a")
    expect((await apiError(b.episodes.get("same"))).code).toBe("not_found")
    expect((await b.dbHealth()).counts).toEqual({ episodes: 1, patterns: 0, heuristics: 0, embeddings: 1 })
  })

  it("an invalid namespace name is a TypeError before anything is sent", () => {
    expect(() => as(writer).namespace("team a")).toThrow(TypeError)
    expect(() => as(writer).namespace("..")).toThrow(TypeError)
    expect(() => createClient({ url: api().url, namespace: "x".repeat(129) })).toThrow(TypeError)
  })
})
