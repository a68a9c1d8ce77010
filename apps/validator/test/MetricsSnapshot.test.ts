import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ApiClient from "../src/ApiClient.js"
import { requestTotals } from "../src/MetricsSnapshot.js"
import { readMetrics } from "../src/Workload.js"
import { contractBody, snapshot } from "./support/contract.js"

/** Reads `/metrics` as the validator does, through the client, from a fetch that answers `body`. */
const read = (body: unknown, allowMissingSections = false, status = 200) =>
  readMetrics({ allowMissingSections }).pipe(
    Effect.provide(
      ApiClient.layer({
        url: "http://metrics.test",
        token: Option.none(),
        namespace: Option.none(),
        timeout: 1000,
        fetch: async () => new Response(JSON.stringify(body), { status })
      })
    )
  )

/** The message of the garbage a body is. */
const garbage = (body: unknown, allowMissingSections = false) =>
  read(body, allowMissingSections).pipe(
    Effect.flip,
    Effect.map((error) => error.message)
  )

describe("MetricsSnapshot", () => {
  it("reads every field the validator uses from a contract body", () => {
    const s = snapshot()
    expect(s.cache).toEqual({ state: "enabled", value: { hit_rate: 0.9, episode_hits: 9, episode_misses: 1 } })
    expect(s.compression).toEqual({ state: "enabled", value: { ratio: 0.3, bytes_in: 1000, bytes_out: 300 } })
    expect(s.pool).toEqual({ state: "enabled", value: { utilization: 0.25, timeouts: 0 } })
    expect(s.keepalive).toEqual({ state: "enabled", value: { stale_rate: 0 } })
    expect(s.process).toEqual({ rss_bytes: 100, heap_used_bytes: 50, uptime_s: 3 })
    expect(requestTotals(s)).toEqual({ count: 3, errors: 1 })
  })

  it("a section {enabled: false} is disabled, whatever else it holds", () => {
    const s = snapshot((b) => {
      b.cache = { enabled: false }
      b.keepalive = { enabled: false, stale_rate: "n/a" }
    })
    expect(s.cache.state).toBe("disabled")
    expect(s.keepalive.state).toBe("disabled")
  })
})

describe("reading /metrics through the client (the model's Metrics Schema)", () => {
  it.effect("a contract body reads the same as the snapshot of it", () =>
    Effect.gen(function* () {
      expect(yield* read(contractBody())).toEqual(snapshot())
      expect(yield* read(contractBody(), true)).toEqual(snapshot())
    })
  )

  it.effect("names a missing section, or marks it unpublished when allowed; a missing process is never allowed", () =>
    Effect.gen(function* () {
      const { pool: _pool, ...body } = contractBody()
      expect(yield* garbage(body)).toBe("the API answered garbage: GET /metrics: section pool is missing")
      expect((yield* read(body, true)).pool.state).toBe("unpublished")
      const { process: _process, ...noProcess } = contractBody()
      expect(yield* garbage(noProcess, true)).toContain("section process is missing")
    })
  )

  it.effect("names a missing, non-numeric, negative, fractional or out-of-range field of an enabled section", () =>
    Effect.gen(function* () {
      const body = contractBody()
      delete body.cache.hit_rate
      expect(yield* garbage(body)).toBe("the API answered garbage: GET /metrics: field cache.hit_rate is missing")
      const edited = (edit: (b: Record<string, any>) => void) => {
        const b = contractBody()
        edit(b)
        return garbage(b)
      }
      expect(yield* edited((b) => (b.compression.ratio = "0.3"))).toContain(
        "field compression.ratio: expected a number"
      )
      expect(yield* edited((b) => (b.pool.utilization = 1.5))).toContain(
        "field pool.utilization: expected a number between 0 and 1"
      )
      expect(yield* edited((b) => (b.pool.timeouts = -1))).toContain(
        "field pool.timeouts: expected a non-negative number"
      )
      expect(yield* edited((b) => (b.cache.episode_hits = 2.5))).toContain(
        "field cache.episode_hits: expected an integer"
      )
      expect(yield* edited((b) => (b.keepalive = { stale_rate: 0 }))).toContain("field keepalive.enabled is missing")
      expect(yield* edited((b) => (b.requests = { "GET /x": { count: 1 } }))).toContain(
        'field requests["GET /x"].errors is missing; field requests["GET /x"].client_errors is missing'
      )
      expect(yield* edited((b) => (b.process.rss_bytes = null))).toContain("field process.rss_bytes: expected a number")
      expect(yield* garbage([1, 2])).toContain("GET /metrics: the body: expected an object")
    })
  )

  it.effect("an error answer is garbage naming its status and code", () =>
    Effect.gen(function* () {
      const message = yield* read({ error: { code: "forbidden", message: "no metrics scope" } }, false, 403).pipe(
        Effect.flip,
        Effect.map((error) => error.message)
      )
      expect(message).toBe("the API answered garbage: GET /metrics: status 403 forbidden: no metrics scope")
    })
  )
})
