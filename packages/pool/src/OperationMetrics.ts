import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricLabel from "effect/MetricLabel"

/** Bucket upper bounds in seconds: 50 us (an embedded point read) to 10 s (a deadline). */
const BUCKETS = MetricBoundaries.fromIterable([
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
])

/** The calls the `Database` service times (one label value each: a bounded set). */
export const OPERATIONS = [
  "execute",
  "batch",
  "transaction",
  "transaction.execute",
  "transaction.batch",
  "transaction.commit"
] as const

/** Duration of each database call the `Database` service makes, by operation, failed calls included. */
export const operationDuration = Metric.histogram(
  "memory_turso_db_operation_duration_seconds",
  BUCKETS,
  "Database calls through the Database service, by operation (failures included), in seconds."
)

/** How long callers waited for a pooled connection (0 when one was free). */
export const acquireWait = Metric.histogram(
  "memory_turso_pool_acquire_wait_seconds",
  BUCKETS,
  "Time a caller waited for a pooled connection, in seconds."
)

// One label array per operation, kept: Effect caches a series' registry entry by the array's identity (an update
// through `Metric.tagged` builds a new array and hashes the key every time, about 2.5 us).
const byOperation = new Map<string, ReadonlyArray<MetricLabel.MetricLabel>>(
  OPERATIONS.map((operation) => [operation, [MetricLabel.make("operation", operation)]])
)

/** Records one call's duration (ms, as `performance.now()` differences); an unknown operation is not recorded. */
export const observeOperation = (operation: string, ms: number): void => {
  const tags = byOperation.get(operation)
  if (tags !== undefined) operationDuration.unsafeUpdate(ms / 1000, tags)
}

/** Records one acquire's wait in ms. */
export const observeAcquireWait = (ms: number): void => acquireWait.unsafeUpdate(ms / 1000, [])

/** Registers every series at zero, so they are listed before the first call. */
export const register = (): void => {
  for (const tags of byOperation.values()) operationDuration.unsafeValue(tags)
  acquireWait.unsafeValue([])
}
