import { PartialMetrics } from "@memory-turso/client"
import * as Schema from "effect/Schema"
import { fromMetrics, type MetricsSnapshot } from "../../src/MetricsSnapshot.js"
import { metricsBody } from "./metricsBody.js"

/** A /metrics body as the contract describes it, as plain data a test may edit. */
export const contractBody = (): Record<string, any> =>
  structuredClone(
    metricsBody({
      cache: { hits: 9, misses: 1 },
      compression: { bytes_in: 1000, bytes_out: 300 },
      poolTimeouts: 0,
      staleRate: 0,
      requests: { "GET /health": { count: 3, errors: 1 } },
      process: { rss_bytes: 100, heap_used_bytes: 50, uptime_s: 3 }
    })
  )

/** The snapshot of a contract body after `edit`, decoded as the validator decodes `/metrics` (sections optional). */
export const snapshot = (edit: (body: Record<string, any>) => void = () => {}): MetricsSnapshot => {
  const body = contractBody()
  edit(body)
  return fromMetrics(Schema.decodeUnknownSync(PartialMetrics)(body))
}
