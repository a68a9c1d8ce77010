import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { InvalidInputError } from "../src/index.js"
import { client, failure, run, server } from "./support/helpers.js"

const admin = (url: string, path: string, body?: unknown, method = body === undefined ? "GET" : "POST") =>
  run(async () => {
    const response = await fetch(`${url}${path}`, {
      method,
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  })

describe("admin surface /_sim/", () => {
  it.scopedLive("stats, config, fault and reset over HTTP; admin requests are neither counted nor delayed", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const db = yield* client(srv, {}, { connections: 1 })
      yield* run(() => db.execute("SELECT 1"))
      const stats = yield* admin(srv.url, "/_sim/stats")
      expect(stats.status).toBe(200)
      expect(stats.body).toEqual(srv.stats())
      expect(stats.body).toMatchObject({ requests: 1, sockets_accepted: 1, statements_executed: 1 })
      const config = yield* admin(srv.url, "/_sim/config", { rtt_ms: 5, connect_ms: 7, idle_timeout_ms: 60000 })
      expect(config).toMatchObject({ status: 200, body: { rtt_ms: 5, connect_ms: 7, idle_timeout_ms: 60000 } })
      expect(srv.config()).toMatchObject({ rtt_ms: 5, connect_ms: 7, stream_timeout_ms: 10000 })
      expect((yield* admin(srv.url, "/_sim/config")).body).toEqual(srv.config())
      const fault = yield* admin(srv.url, "/_sim/fault", { kind: "fail", count: 1, status: 503 })
      expect(fault).toEqual({ status: 200, body: { ok: true } })
      yield* failure(() => db.execute("SELECT 1"))
      yield* run(() => db.execute("SELECT 1"))
      // four admin requests on fresh sockets so far: none of them counted
      expect(srv.stats()).toMatchObject({ requests: 3, sockets_accepted: 1, other_requests: 0 })
      const reset = yield* admin(srv.url, "/_sim/reset", {})
      expect(reset.status).toBe(200)
      expect(srv.stats()).toMatchObject({ requests: 0, statements_executed: 0, sockets_accepted: 0, sockets_open: 1 })
    })
  )

  it.scopedLive("bad admin input gets 400 with a stable code", () =>
    Effect.gen(function* () {
      const srv = yield* server()
      const cases: Array<[string, unknown, string]> = [
        ["/_sim/config", "{not json", "INVALID_JSON"],
        ["/_sim/config", { rtt_ms: -1 }, "INVALID_CONFIG"],
        ["/_sim/config", { rtt_ms: "20" }, "INVALID_CONFIG"],
        ["/_sim/config", { latency: 20 }, "INVALID_CONFIG"],
        ["/_sim/config", [1], "INVALID_CONFIG"],
        ["/_sim/fault", { kind: "explode" }, "INVALID_FAULT"],
        ["/_sim/fault", { kind: "fail", status: 200 }, "INVALID_FAULT"],
        ["/_sim/fault", { kind: "fail", count: 0 }, "INVALID_FAULT"],
        ["/_sim/fault", { kind: "stall", ms: -5 }, "INVALID_FAULT"],
        ["/_sim/fault", { kind: "reset", after_execute: true }, "INVALID_FAULT"]
      ]
      for (const [path, body, code] of cases) {
        const res = yield* admin(srv.url, path, body)
        expect(res.status, JSON.stringify(body)).toBe(400)
        expect(res.body.code).toBe(code)
        expect(typeof res.body.message).toBe("string")
      }
      expect((yield* admin(srv.url, "/_sim/fault")).status).toBe(405)
      expect((yield* admin(srv.url, "/_sim/nope")).body.code).toBe("NOT_FOUND")
      expect(srv.config().rtt_ms).toBe(0)
      expect(() => srv.configure({ rtt_ms: -5 })).toThrow(InvalidInputError)
      const thrown = yield* failure(() => srv.fault({ kind: "fail", status: 404 }))
      expect(thrown).toBeInstanceOf(InvalidInputError)
      expect((thrown as InvalidInputError).code).toBe("INVALID_FAULT")
    })
  )

  it.scopedLive("an admin port stays reachable while the main port refuses connects", () =>
    Effect.gen(function* () {
      const srv = yield* server({ adminPort: 0 })
      const adminUrl = srv.adminUrl!
      expect(adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect((yield* admin(adminUrl, "/_sim/fault", { kind: "stop_accepting" })).status).toBe(200)
      const refused = yield* failure(() => fetch(`${srv.url}/health`))
      expect((refused as { cause?: { code?: string } }).cause?.code).toBe("ECONNREFUSED")
      expect((yield* admin(adminUrl, "/_sim/fault", { kind: "resume" })).status).toBe(200)
      const health = yield* run(() => fetch(`${srv.url}/health`))
      expect(health.status).toBe(200)
      // the admin port serves only admin routes
      expect((yield* run(() => fetch(`${adminUrl}/health`))).status).toBe(404)
      expect(srv.stats()).toMatchObject({
        other_requests: 1,
        sockets_accepted: 1,
        faults_injected: { stop_accepting: 1 }
      })
    })
  )
})
