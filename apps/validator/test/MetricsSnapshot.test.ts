import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import { parse, requestTotals } from "../src/MetricsSnapshot.js"
import { contractBody } from "./support/contract.js"

const strict = { allowMissingSections: false }
const garbage = (body: unknown, options = strict) => {
  const result = parse(body, options)
  if (Either.isRight(result)) throw new Error("expected garbage")
  return result.left.message
}

describe("MetricsSnapshot.parse", () => {
  it("reads every field the validator uses from a contract body", () => {
    const snapshot = Either.getOrThrow(parse(contractBody(), strict))
    expect(snapshot.cache).toEqual({ state: "enabled", value: { hit_rate: 0.9, episode_hits: 9, episode_misses: 1 } })
    expect(snapshot.compression).toEqual({ state: "enabled", value: { ratio: 0.3, bytes_in: 1000, bytes_out: 300 } })
    expect(snapshot.pool).toEqual({ state: "enabled", value: { utilization: 0.25, timeouts: 0 } })
    expect(snapshot.keepalive).toEqual({ state: "enabled", value: { stale_rate: 0 } })
    expect(snapshot.process).toEqual({ rss_bytes: 100, heap_used_bytes: 50, uptime_s: 3 })
    expect(requestTotals(snapshot)).toEqual({ count: 3, errors: 1 })
  })

  it("a section {enabled: false} is disabled, whatever else it holds", () => {
    const body = { ...contractBody(), cache: { enabled: false }, keepalive: { enabled: false, stale_rate: "n/a" } }
    const snapshot = Either.getOrThrow(parse(body, strict))
    expect(snapshot.cache.state).toBe("disabled")
    expect(snapshot.keepalive.state).toBe("disabled")
  })

  it("names a missing section, or marks it unpublished when allowed", () => {
    const { pool: _pool, ...body } = contractBody()
    expect(garbage(body)).toBe("the API answered garbage: GET /metrics: section pool is missing")
    expect(Either.getOrThrow(parse(body, { allowMissingSections: true })).pool.state).toBe("unpublished")
    const { process: _process, ...noProcess } = contractBody()
    expect(garbage(noProcess, { allowMissingSections: true })).toContain("section process is missing")
  })

  it("names a missing, non-numeric, negative or out-of-range field of an enabled section", () => {
    const body = contractBody()
    delete body.cache.hit_rate
    expect(garbage(body)).toContain("field cache.hit_rate is missing")
    expect(garbage({ ...contractBody(), compression: { ...contractBody().compression, ratio: "0.3" } })).toContain(
      'field compression.ratio is not a number (got "0.3")'
    )
    expect(garbage({ ...contractBody(), pool: { ...contractBody().pool, utilization: 1.5 } })).toContain(
      "field pool.utilization is 1.5, outside the fraction range 0..1"
    )
    expect(garbage({ ...contractBody(), pool: { ...contractBody().pool, timeouts: -1 } })).toContain(
      "field pool.timeouts is negative"
    )
    expect(garbage({ ...contractBody(), cache: { ...contractBody().cache, episode_hits: 2.5 } })).toContain(
      "not a whole count"
    )
    expect(garbage({ ...contractBody(), keepalive: { stale_rate: 0 } })).toContain(
      "field keepalive.enabled is not true or false"
    )
    expect(garbage({ ...contractBody(), requests: { "GET /x": { count: 1 } } })).toContain(
      'field requests["GET /x"].errors is missing'
    )
    expect(garbage({ ...contractBody(), process: { ...contractBody().process, rss_bytes: null } })).toContain(
      "field process.rss_bytes is not a number (got null)"
    )
    expect(garbage([1, 2])).toContain("the body is not a JSON object")
  })
})
