import { Metrics } from "@memory-turso/model"
import * as Schema from "effect/Schema"

const fields = Metrics.fields
const absentOk = { exact: true } as const

/**
 * The `/metrics` body with every feature section (`cache`, `compression`, `pool`, `connection_pool`, `keepalive`,
 * `prepared_statements`, `retry`, `auth`) optional: an API that predates the full `/metrics` contract may not
 * publish some at all. A section that is there must fit the contract in full; everything else (`requests`,
 * `process`, `database`, ...) is required.
 */
export const PartialMetrics = Schema.Struct({
  ...fields,
  cache: Schema.optionalWith(fields.cache, absentOk),
  compression: Schema.optionalWith(fields.compression, absentOk),
  pool: Schema.optionalWith(fields.pool, absentOk),
  connection_pool: Schema.optionalWith(fields.connection_pool, absentOk),
  keepalive: Schema.optionalWith(fields.keepalive, absentOk),
  prepared_statements: Schema.optionalWith(fields.prepared_statements, absentOk),
  retry: Schema.optionalWith(fields.retry, absentOk),
  auth: Schema.optionalWith(fields.auth, absentOk)
}).annotations({ identifier: "PartialMetrics" })
export type PartialMetrics = typeof PartialMetrics.Type
