import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AccessControl } from "../src/http/Access.js"
import { type Harness, makeHarness } from "./support/harness.js"

// Cross-site requests are refused before any other work (403 forbidden_origin); CORS only for configured origins.

const APP = "https://app.example.com"
const EVIL = "http://evil.example"
const HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" // sha256("test")

let closed: Harness
let open: Harness
beforeAll(async () => {
  closed = await makeHarness()
  const dir = mkdtempSync(join(tmpdir(), "origins-"))
  const file = join(dir, "origins.toml")
  writeFileSync(file, `[server]\nallowed_origins = ["${APP}", "http://localhost:5173"]\n`)
  open = await makeHarness({ file })
})
afterAll(async () => {
  await closed.dispose()
  await open.dispose()
})

/** A request as a browser sends it: exactly these headers, the body as is. */
const browser = (h: Harness, method: string, path: string, headers: Record<string, string>, body?: string) =>
  h.app.request(path, { method, headers, ...(body === undefined ? {} : { body }) })

const codeOf = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code

describe("cross-site requests (no origin configured, the default)", () => {
  it("a cross-site text/plain form POST stores nothing: 403 forbidden_origin (CSRF, DNS rebinding)", async () => {
    const body = JSON.stringify({ episode_id: "csrf", task_description: "planted" })
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/json"]) {
      const response = await browser(closed, "POST", "/episodes", { origin: EVIL, "content-type": type }, body)
      expect(response.status).toBe(403)
      expect(await codeOf(response)).toBe("forbidden_origin")
      expect(response.headers.get("access-control-allow-origin")).toBeNull()
    }
    // A page rebound to 127.0.0.1 still sends its own origin; a form from a sandboxed frame sends "null".
    for (const origin of ["http://127.0.0.1.evil.example:3000", "null", `${APP}.evil.example`]) {
      expect((await browser(closed, "POST", "/episodes", { origin, "content-type": "text/plain" }, body)).status).toBe(
        403
      )
    }
    // A browser that sends no Origin still cannot post a form: text/plain is not JSON.
    const bare = await browser(closed, "POST", "/episodes", { "content-type": "text/plain" }, body)
    expect([bare.status, await codeOf(bare)]).toEqual([415, "unsupported_media_type"])
    expect((await closed.request("GET", "/episodes/csrf")).status).toBe(404)
    expect((await closed.counts()).episodes).toBe(0)
  })

  it("every route refuses a foreign Origin, reads, probes and unknown paths too", async () => {
    for (const [method, path] of [
      ["GET", "/episodes"],
      ["GET", "/health"],
      ["DELETE", "/episodes/x"],
      ["POST", "/compression/dictionary"],
      ["GET", "/metrics"]
    ] as const) {
      const response = await browser(closed, method, path, { origin: EVIL })
      expect([method, path, response.status, await codeOf(response)]).toEqual([method, path, 403, "forbidden_origin"])
    }
  })

  it("Sec-Fetch-Site: cross-site without an Origin is refused, except a person following a link (GET navigate)", async () => {
    const fetchMode = await browser(closed, "GET", "/episodes", {
      "sec-fetch-site": "cross-site",
      "sec-fetch-mode": "no-cors"
    })
    expect(fetchMode.status).toBe(403)
    const post = await browser(
      closed,
      "POST",
      "/episodes",
      { "sec-fetch-site": "cross-site", "content-type": "application/json" },
      "{}"
    )
    expect(post.status).toBe(403)
    const link = await browser(closed, "GET", "/docs", { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" })
    expect(link.status).toBe(200)
    for (const site of ["same-origin", "none"]) {
      expect((await browser(closed, "GET", "/episodes", { "sec-fetch-site": site })).status).toBe(200)
    }
  })

  it("on a loopback address, a Host naming another site is refused, reads included (DNS rebinding)", async () => {
    for (const host of ["evil.example:3000", "evil.example", "127.0.0.1.nip.io:3000"]) {
      const response = await browser(closed, "GET", "/episodes", { host })
      expect([host, response.status, await codeOf(response)]).toEqual([host, 403, "forbidden_origin"])
    }
    for (const host of ["localhost:3000", "127.0.0.1:3000", "[::1]:3000", "app.localhost"]) {
      expect([host, (await browser(closed, "GET", "/episodes", { host })).status]).toEqual([host, 200])
    }
    // The host of an allowed origin is this server's too; on other addresses the Host is not checked.
    expect((await browser(open, "GET", "/episodes", { host: "app.example.com" })).status).toBe(200)
    const exposed = await makeHarness({ configure: (c) => ({ ...c, server: { ...c.server, host: "0.0.0.0" } }) })
    try {
      expect((await browser(exposed, "GET", "/episodes", { host: "api.example.com" })).status).toBe(200)
    } finally {
      await exposed.dispose()
    }
  })

  it("is refused before authentication: no token is looked at", async () => {
    const dir = mkdtempSync(join(tmpdir(), "origins-auth-"))
    const file = join(dir, "auth.toml")
    writeFileSync(
      file,
      `[[auth.tokens]]\nname = "t"\nsha256 = "${HASH}"\nscopes = ["read", "write"]\nnamespaces = ["*"]\n`
    )
    const secured = await makeHarness({ file })
    try {
      const headers = { origin: EVIL, authorization: "Bearer wrong", "x-memory-namespace": "a" }
      const response = await browser(secured, "GET", "/episodes", headers)
      expect(response.status).toBe(403)
      expect(await codeOf(response)).toBe("forbidden_origin")
      const stats = secured.runtime.runSync(AccessControl).stats()
      expect(stats.unauthenticated).toBe(0)
      expect(stats.requests).toEqual({})
      expect((await browser(secured, "GET", "/episodes", { authorization: "Bearer wrong" })).status).toBe(401)
      expect(secured.runtime.runSync(AccessControl).stats().unauthenticated).toBe(1)
    } finally {
      await secured.dispose()
    }
  })

  it("OPTIONS without an Origin is no method here (405); a preflight from any origin is refused", async () => {
    const plain = await browser(closed, "OPTIONS", "/episodes", {})
    expect(plain.status).toBe(405)
    expect(plain.headers.get("allow")).toContain("POST")
    const preflight = await browser(closed, "OPTIONS", "/episodes", {
      origin: APP,
      "access-control-request-method": "POST"
    })
    expect(preflight.status).toBe(403)
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull()
  })
})

describe("configured origins (server.allowed_origins)", () => {
  it("get CORS headers on every answer, errors included; other origins get none and are refused", async () => {
    const created = await browser(
      open,
      "POST",
      "/episodes",
      { origin: APP, "content-type": "application/json" },
      '{"episode_id":"cors","task_description":"x"}'
    )
    expect(created.status).toBe(200)
    expect(created.headers.get("access-control-allow-origin")).toBe(APP)
    expect(created.headers.get("vary")).toBe("Origin")
    expect(created.headers.get("access-control-expose-headers")).toContain("x-request-id")
    for (const [path, status] of [
      ["/episodes/cors", 200],
      ["/episodes/absent", 404],
      ["/episodes/bad%20id", 422],
      ["/nowhere", 404]
    ] as const) {
      const response = await browser(open, "GET", path, { origin: "http://localhost:5173" })
      expect([path, response.status, response.headers.get("access-control-allow-origin")]).toEqual([
        path,
        status,
        "http://localhost:5173"
      ])
    }
    const upper = await browser(open, "GET", "/episodes/cors", { origin: APP.toUpperCase() })
    expect(upper.status).toBe(200)
    const plain = await browser(open, "GET", "/episodes/cors", {})
    expect(plain.headers.get("access-control-allow-origin")).toBeNull()
    const evil = await browser(open, "GET", "/episodes/cors", { origin: EVIL })
    expect([evil.status, evil.headers.get("access-control-allow-origin")]).toEqual([403, null])
  })

  it("get an answer to their preflight, with the path's methods and the headers the API reads", async () => {
    const preflight = await browser(open, "OPTIONS", "/episodes/cors", {
      origin: APP,
      "access-control-request-method": "DELETE",
      "access-control-request-headers": "authorization, x-memory-namespace"
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get("access-control-allow-origin")).toBe(APP)
    expect(preflight.headers.get("access-control-allow-methods")?.split(", ").sort()).toEqual(["DELETE", "GET", "HEAD"])
    for (const header of ["authorization", "content-type", "x-memory-namespace", "x-request-id"]) {
      expect(preflight.headers.get("access-control-allow-headers")).toContain(header)
    }
    expect(preflight.headers.get("access-control-max-age")).toBe("600")
    const unknown = await browser(open, "OPTIONS", "/nowhere", { origin: APP, "access-control-request-method": "GET" })
    expect([unknown.status, await codeOf(unknown)]).toEqual([404, "route_not_found"])
    const evil = await browser(open, "OPTIONS", "/episodes", { origin: EVIL, "access-control-request-method": "POST" })
    expect([evil.status, evil.headers.get("access-control-allow-origin")]).toEqual([403, null])
  })
})
