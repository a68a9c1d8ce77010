import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { Metrics } from "../src/Metrics.js"

const off = { enabled: false } as const
const pool = {
  max: 20,
  active: 1,
  idle: 19,
  waiting: 0,
  utilization: 0.05,
  total_acquired: 7,
  avg_wait_ms: 0,
  max_wait_ms: 0.2,
  timeouts: 0,
  connections_created: 0,
  connections_replaced: 0,
  health_checks: 0,
  health_check_failures: 0,
  sockets_opened: 0,
  sockets_closed: 0,
  sockets_open: 0,
  sockets_closed_idle: 0,
  requests: 0
}
const body = {
  optimizations: "enabled",
  features: { keepalive: false, compression: false, cache: false, prepared_statements: false, batch_operations: true },
  cache: off,
  compression: off,
  pool: { enabled: true, ...pool },
  connection_pool: { enabled: true, ...pool },
  keepalive: off,
  prepared_statements: off,
  retry: off,
  database: {
    kind: "embedded",
    executes: 3,
    batches: 4,
    transactions: 0,
    statements: 66,
    errors: 0,
    deadline_exceeded: 0,
    pool
  },
  requests: {
    "GET /episodes/:id": {
      count: 2,
      errors: 0,
      client_errors: 1,
      p50_ms: 1,
      p95_ms: 2,
      p99_ms: 2,
      max_ms: 2,
      mean_ms: 1.5
    }
  },
  auth: { enabled: true, requests: { "team-a": 3 }, denied: {}, unauthenticated: 1 },
  process: { rss_bytes: 1, heap_used_bytes: 1, uptime_s: 3 }
}
const decode = Schema.decodeUnknownEither(Metrics, { onExcessProperty: "error" })

describe("the /metrics body", () => {
  it("decodes a body with sections on and off", () => {
    expect(Either.isRight(decode(body))).toBe(true)
  })

  it("decodes a body from a server that does not count deadlines yet (database.deadline_exceeded absent)", () => {
    const { deadline_exceeded: _deadlines, ...older } = body.database
    expect(Either.isRight(decode({ ...body, database: older }))).toBe(true)
    expect(Either.isLeft(decode({ ...body, database: { ...body.database, deadline_exceeded: -1 } }))).toBe(true)
  })

  it("refuses a missing section, a rate above 1, a negative count, a half-disabled section and unknown fields", () => {
    const { retry: _retry, ...noRetry } = body
    for (const bad of [
      noRetry,
      { ...body, pool: { enabled: true, ...pool, utilization: 1.5 } },
      { ...body, database: { ...body.database, errors: -1 } },
      { ...body, cache: { enabled: false, hit_rate: 0.5 } },
      { ...body, cache: { enabled: true } },
      { ...body, surprise: 1 }
    ]) {
      expect(Either.isLeft(decode(bad))).toBe(true)
    }
  })
})
