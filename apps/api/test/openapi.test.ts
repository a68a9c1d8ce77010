import { createHash } from "node:crypto"
import { Episode, ERROR_CODES, type ErrorCode, isNamespace, Pattern } from "@memory-turso/model"
import { Validator } from "@seriousme/openapi-schema-validator"
import { Ajv2020 } from "ajv/dist/2020.js"
import * as Arbitrary from "effect/Arbitrary"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { NAMESPACE_HEADER } from "../src/http/Access.js"
import type { RouteSpec } from "../src/http/RouteSpec.js"
import { makeOpenApiDocument } from "../src/openapi/OpenApi.js"
import type { OpenApiDocument, Operation, Parameter, PathItem, Reference } from "../src/openapi/OpenApiDocument.js"
import { namespaceParameter } from "../src/openapi/Parameters.js"
import { openApiPath, operationIdOf } from "../src/openapi/PathTemplate.js"
import { type Harness, makeHarness } from "./support/harness.js"

let h: Harness
let doc: OpenApiDocument
beforeAll(async () => {
  h = await makeHarness()
  const response = await h.request("GET", "/openapi.json")
  expect(response.status).toBe(200)
  doc = response.json
})
afterAll(() => h.dispose())

/** Every `METHOD /path` Hono answers (OpenAPI form), leaving out middleware (`ALL`) and catch-all paths. */
const honoRoutes = (harness: Harness): ReadonlySet<string> =>
  new Set(
    harness.app.routes
      .filter((r) => r.method !== "ALL" && r.path !== "*" && r.path !== "/*")
      .map((r) => `${r.method} ${openApiPath(r.path)}`)
  )

/** Every `METHOD /path` the document describes. */
const documentedRoutes = (document: OpenApiDocument): ReadonlySet<string> =>
  new Set(
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`)
    )
  )

const difference = (a: ReadonlySet<string>, b: ReadonlySet<string>) => [...a].filter((x) => !b.has(x)).sort()

const operationOf = (spec: Pick<RouteSpec, "method" | "path">): Operation => {
  const operation = doc.paths[openApiPath(spec.path)]?.[spec.method.toLowerCase() as keyof PathItem]
  if (operation === undefined) throw new Error(`${spec.method} ${spec.path} is not in the document`)
  return operation
}

/** Every `$ref` in a value, with where it was found. */
const refsIn = (value: unknown, at = "#"): Array<{ ref: string; at: string }> => {
  if (Array.isArray(value)) return value.flatMap((v, i) => refsIn(v, `${at}/${i}`))
  if (typeof value !== "object" || value === null) return []
  return Object.entries(value).flatMap(([key, v]) =>
    key === "$ref" && typeof v === "string" ? [{ ref: v, at }] : refsIn(v, `${at}/${key}`)
  )
}

/** The value a local `$ref` (`#/a/b~1c`) points at in the document, or undefined. */
const resolvePointer = (document: unknown, ref: string): unknown => {
  if (!ref.startsWith("#/")) return undefined
  let node: unknown = document
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~")
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, key)) return undefined
    node = (node as Record<string, unknown>)[key]
  }
  return node
}

const danglingRefs = (document: unknown) =>
  refsIn(document).filter(({ ref }) => resolvePointer(document, ref) === undefined)

/** A validator for one schema of the document, its `#/components/...` references resolved against the document. */
const validatorOf = (schema: object) => {
  const ajv = new Ajv2020({ allErrors: true, strict: false })
  return ajv.compile({ ...schema, components: doc.components })
}

const jsonBody = (operation: Operation, status?: string) => {
  const content = status === undefined ? operation.requestBody?.content : operation.responses[status]?.content
  const schema = content?.["application/json"]?.schema
  if (schema === undefined) throw new Error(`no JSON body documented (${operation.operationId} ${status ?? "request"})`)
  return schema
}

const isRef = (p: Parameter | Reference): p is Reference => "$ref" in p

describe("the OpenAPI document", () => {
  it("describes exactly the routes Hono has registered", () => {
    const registered = honoRoutes(h)
    const documented = documentedRoutes(doc)
    expect(difference(registered, documented)).toEqual([])
    expect(difference(documented, registered)).toEqual([])
    expect(documented.size).toBe(h.routes.specs.length)
    expect(documented).toContain("GET /episodes/{id}")
    expect(documented).toContain("GET /openapi.json")
    expect(documented).toContain("GET /docs")
  })

  it("the comparison catches a route registered without a declaration", async () => {
    const other = await makeHarness()
    try {
      other.app.get("/undeclared/:id", (c) => c.text("hidden"))
      const documented = documentedRoutes((await other.request("GET", "/openapi.json")).json)
      expect(difference(honoRoutes(other), documented)).toEqual(["GET /undeclared/{id}"])
    } finally {
      await other.dispose()
    }
  })

  it("passes the OpenAPI 3.1 schema validator, which rejects broken copies", async () => {
    const validator = new Validator()
    const result = await validator.validate(structuredClone(doc) as any)
    expect(result.errors).toBeUndefined()
    expect(result.valid).toBe(true)
    expect(validator.version).toBe("3.1")

    const noVersion: any = structuredClone(doc)
    delete noVersion.info.version
    expect((await new Validator().validate(noVersion)).valid).toBe(false)
    const badParameter: any = structuredClone(doc)
    badParameter.paths["/episodes"].get.parameters[0].in = "body"
    expect((await new Validator().validate(badParameter)).valid).toBe(false)
    const badResponses: any = structuredClone(doc)
    badResponses.paths["/episodes/{id}"].get.responses["200"] = { content: {} }
    expect((await new Validator().validate(badResponses)).valid).toBe(false)
  })

  it("every $ref resolves (and a dangling one is caught)", () => {
    const refs = refsIn(doc)
    expect(refs.length).toBeGreaterThan(100)
    expect(danglingRefs(doc)).toEqual([])
    const broken: any = structuredClone(doc)
    broken.paths["/episodes/{id}"].get.responses["200"].content["application/json"].schema = {
      $ref: "#/components/schemas/Nowhere"
    }
    expect(danglingRefs(broken).map(({ ref }) => ref)).toEqual(["#/components/schemas/Nowhere"])
  })

  it("names Schemas once under components.schemas: Episode, the Pattern variants, the error body", () => {
    const schemas = doc.components.schemas as Record<string, any>
    expect(Object.keys(schemas)).toEqual(expect.arrayContaining(["Episode", "Pattern", "Heuristic", "Embedding"]))
    expect(schemas.Pattern.anyOf).toHaveLength(4)
    expect(schemas.Error.properties.error.properties.code.enum).toEqual(Object.keys(ERROR_CODES))
    expect(doc["x-error-codes"]).toEqual(ERROR_CODES)
    for (const code of Object.keys(ERROR_CODES)) expect(doc.info.description).toContain(`| \`${code}\` |`)
    expect(jsonBody(operationOf({ method: "POST", path: "/episodes" }))).toEqual({
      $ref: "#/components/schemas/Episode"
    })
  })

  it("gives every operation a unique id from its method and path, a tag and a summary", () => {
    const ids = h.routes.specs.map((spec) => operationOf(spec).operationId)
    expect(new Set(ids).size).toBe(h.routes.specs.length)
    expect(operationIdOf({ method: "GET", path: "/episodes/:id" })).toBe("getEpisodesById")
    expect(operationIdOf({ method: "PUT", path: "/embeddings/:item_type/:item_id" })).toBe(
      "putEmbeddingsByItemTypeByItemId"
    )
    for (const spec of h.routes.specs) {
      const operation = operationOf(spec)
      expect(operation.tags).toEqual([spec.tag])
      expect(operation.summary).toBe(spec.summary)
      if (spec.description !== undefined) expect(operation.description).toContain(spec.description)
    }
    expect(doc.tags.map((t) => t.name)).toEqual([...new Set(h.routes.specs.map((s) => s.tag))])
  })

  it("documents path parameters (required) and query parameters by kind", () => {
    const get = operationOf({ method: "GET", path: "/episodes/:id" })
    expect(get.parameters?.filter((p) => !isRef(p))).toEqual([
      { name: "id", in: "path", required: true, schema: { $ref: "#/components/schemas/Identifier" } }
    ])
    const list = operationOf({ method: "GET", path: "/episodes" })
    const byName = new Map(list.parameters?.flatMap((p) => (isRef(p) ? [] : [[p.name, p] as const])))
    expect(byName.get("tag")).toMatchObject({ in: "query", style: "form", explode: true, schema: { type: "array" } })
    expect(byName.get("tag")?.description).toContain("commas also split")
    expect(byName.get("metadata")).toMatchObject({
      style: "form",
      explode: true,
      schema: { items: { type: "string" } }
    })
    expect(byName.get("metadata")?.description).toContain("key:value")
    expect(byName.get("completed")?.schema).toEqual({ type: "boolean" })
    expect(byName.get("limit")?.schema).toMatchObject({ default: 50 })
    expect(byName.get("tags_mode")?.schema).toEqual({ type: "string", enum: ["all", "any"], default: "all" })
    expect(list.parameters?.filter((p) => !isRef(p) && p.in === "query")).toHaveLength(12)
  })

  it("documents the namespace header, bearer security with the scope, 401/403 on non-public routes, 403 forbidden_origin on all", () => {
    const namespaceRef = { $ref: "#/components/parameters/Namespace" }
    for (const spec of h.routes.specs) {
      const operation = operationOf(spec)
      const statuses = Object.keys(operation.responses)
      const where = `${spec.method} ${spec.path}`
      const reads = spec.namespaced && spec.access !== "public"
      expect(operation.parameters?.some((p) => isRef(p) && p.$ref === namespaceRef.$ref) ?? false, where).toBe(reads)
      if (spec.access === "public") {
        expect(operation.security, where).toEqual([])
        expect(operation["x-scope"], where).toBeUndefined()
        expect(statuses, where).not.toContain("401")
        expect(operation.responses["403"]?.["x-error-codes"], where).toEqual(["forbidden_origin"])
      } else {
        expect(operation.security, where).toEqual([{ bearerAuth: [] }])
        expect(operation["x-scope"], where).toBe(spec.access)
        expect(operation.description, where).toContain(`\`${spec.access}\` scope`)
        expect(operation.responses["401"]?.["x-error-codes"], where).toEqual(["unauthorized"])
        expect(operation.responses["403"]?.["x-error-codes"], where).toContain("forbidden")
        expect(operation.responses["403"]?.["x-error-codes"], where).toContain("forbidden_origin")
      }
      expect(operation.responses["500"]?.["x-error-codes"], where).toContain("internal_error")
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const code of response["x-error-codes"] ?? []) {
          expect(ERROR_CODES[code as ErrorCode].status, `${where} ${code}`).toBe(Number(status))
          expect(response.description, `${where} ${code}`).toContain(`\`${code}\``)
        }
      }
    }
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" })
    expect(doc.info.description).toContain("no token is needed")
    expect(doc.info.description).toContain("`default`")
  })

  it("the namespace header's pattern agrees with isNamespace", () => {
    expect(namespaceParameter.name.toLowerCase()).toBe(NAMESPACE_HEADER)
    const valid = validatorOf(namespaceParameter.schema)
    for (const name of ["team-a", "a", "x".repeat(128), "user:42", "a.b_c", ".", "..", "...", "", "x".repeat(129)]) {
      expect(valid(name), JSON.stringify(name)).toBe(isNamespace(name))
    }
    for (const name of ["a b", "ü", "a/b"]) expect(valid(name), name).toBe(false)
  })

  it("documents request and response bodies the API really accepts and answers", async () => {
    const create = operationOf({ method: "POST", path: "/episodes" })
    const read = operationOf({ method: "GET", path: "/episodes/:id" })
    const request = validatorOf(jsonBody(create))
    const example = {
      episode_id: "ep-openapi-1",
      task_type: "debugging",
      task_description: "fix the flaky test",
      context: { language: "typescript", domain: "web", tags: ["ci"] },
      start_time: "2024-05-01T10:00:00.123456Z",
      end_time: "2024-05-01T10:05:00Z",
      steps: [
        {
          step_number: 1,
          timestamp: "2024-05-01T10:01:00Z",
          tool: "grep",
          action: "search",
          parameters: { pattern: "flaky", nested: [1, null, { ok: true }] },
          result: { type: "success", output: "3 hits" },
          latency_ms: 12,
          metadata: { host: "ci-1" }
        }
      ],
      outcome: { type: "success", verdict: "fixed", artifacts: ["patch.diff"] },
      reward: { total: 0.8 },
      metadata: { team: "core" },
      tags: ["flaky"]
    }
    expect(request(example), JSON.stringify(request.errors)).toBe(true)
    const created = await h.request("POST", "/episodes", example)
    expect(created.status).toBe(200)
    const got = await h.request("GET", "/episodes/ep-openapi-1")
    expect(got.status).toBe(200)
    const answered = validatorOf(jsonBody(read, "200"))
    expect(answered(got.json), JSON.stringify(answered.errors)).toBe(true)
    expect(answered(created.json), JSON.stringify(answered.errors)).toBe(true)

    const missing = await h.request("GET", "/episodes/nope")
    expect(missing.status).toBe(404)
    expect(validatorOf(jsonBody(read, "404"))(missing.json)).toBe(true)
    expect(read.responses["404"]?.["x-error-codes"]).toContain(missing.json.error.code)

    const rejected = { task_description: "" }
    expect((await h.request("POST", "/episodes", rejected)).status).toBe(422)
    expect(request(rejected)).toBe(false)
  })

  it("request schemas accept every generated episode and pattern on the wire", () => {
    const episode = validatorOf(jsonBody(operationOf({ method: "POST", path: "/episodes" })))
    const pattern = validatorOf(jsonBody(operationOf({ method: "POST", path: "/patterns" })))
    const checks = [
      { valid: episode, schema: Episode as Schema.Schema<any, any> },
      { valid: pattern, schema: Pattern as Schema.Schema<any, any> }
    ]
    for (const { valid, schema } of checks) {
      for (const value of FastCheck.sample(Arbitrary.make(schema), { numRuns: 60, seed: 7 })) {
        const wire = JSON.parse(JSON.stringify(Schema.encodeSync(schema)(value)))
        expect(valid(wire), JSON.stringify(valid.errors)).toBe(true)
      }
    }
  })

  it("is served without a token when auth is on, the same bytes each time; other routes answer 401", async () => {
    const sha256 = createHash("sha256").update("secret").digest("hex")
    const secured = await makeHarness({
      configure: (c) => ({
        ...c,
        auth: { public_metrics: false, tokens: [{ name: "t", sha256, scopes: ["read"], namespaces: ["team-a"] }] }
      })
    })
    try {
      const first = await secured.request("GET", "/openapi.json")
      const second = await secured.request("GET", "/openapi.json")
      expect(first.status).toBe(200)
      expect(first.headers.get("content-type")).toContain("application/json")
      expect(second.text).toBe(first.text)
      const page = await secured.request("GET", "/docs")
      expect(page.status).toBe(200)
      expect(page.headers.get("content-type")).toContain("text/html")
      expect((await secured.request("GET", "/docs")).text).toBe(page.text)
      for (const spec of secured.routes.specs) {
        const path = spec.path.replace(/:[A-Za-z_]+/g, "episode")
        const answered = await secured.request(spec.method, path, spec.body === undefined ? undefined : {})
        const documents401 = "401" in operationOf(spec).responses
        expect(answered.status === 401, `${spec.method} ${path}: ${answered.status}`).toBe(documents401)
      }
    } finally {
      await secured.dispose()
    }
  })

  it("refuses declarations it cannot describe", () => {
    const base: RouteSpec = {
      method: "GET",
      path: "/things/:id",
      tag: "things",
      summary: "A thing",
      access: "read",
      namespaced: false,
      responses: { 200: { description: "The thing", body: Schema.Struct({ id: Schema.String }) } },
      errors: []
    }
    const info = { title: "t", version: "1", summary: "s" }
    expect(makeOpenApiDocument([base], info).paths["/things/{id}"]?.get?.operationId).toBe("getThingsById")
    expect(() => makeOpenApiDocument([{ ...base, errors: ["no_such_code"] }], info)).toThrow(/unknown error code/)
    expect(() => makeOpenApiDocument([base, base], info)).toThrow(/declared twice/)
    expect(() => makeOpenApiDocument([{ ...base, params: { other: Schema.String } }], info)).toThrow(/no :other/)
    expect(() =>
      makeOpenApiDocument([{ ...base, responses: { ...base.responses, 401: { description: "clash" } } }], info)
    ).toThrow(/401 both as a response and as an error/)
    const opaque = Schema.declare((u): u is object => typeof u === "object")
    expect(() =>
      makeOpenApiDocument([{ ...base, responses: { 200: { description: "x", body: opaque } } }], info)
    ).toThrow(/cannot describe GET \/things\/:id 200 body/)
  })
})
