import type { Distribution } from "../Distribution.js"
import { type Check, ms, type Status } from "../Evaluate.js"
import { type Operation, operationLabels } from "../Observations.js"

/** Whether a row is a success criterion or a rollback trigger (their statuses read differently). */
export type Kind = "criterion" | "trigger"

/** The status word of a row: PASS / FAIL / SKIP / INFO for criteria, ok / FIRED / SKIP for triggers. */
export const statusWord = (kind: Kind, status: Status): string => {
  if (status === "skipped") return "SKIP"
  if (status === "info") return "INFO"
  if (kind === "trigger") return status === "fail" ? "FIRED" : "ok"
  return status === "fail" ? "FAIL" : "PASS"
}

/** Removes control characters (an API's answer may carry terminal escapes). */
export const clean = (text: string): string => text.replace(/\p{Cc}/gu, " ")

/** The cells of one row: status, check, measured, threshold, note. */
export const cells = (kind: Kind, check: Check): ReadonlyArray<string> =>
  [statusWord(kind, check.status), check.label, check.measured, check.threshold, check.note ?? ""].map(clean)

/** The header and rows of a latency table: operation, n, p50, p95, p99, max. */
export const latencyHead: ReadonlyArray<string> = ["operation", "n", "p50", "p95", "p99", "max"]
export const latencyRows = (
  operations: Partial<Record<Operation, Distribution>>
): ReadonlyArray<ReadonlyArray<string>> =>
  (Object.entries(operations) as Array<[Operation, Distribution]>).map(([op, d]) => [
    operationLabels[op],
    `${d.samples}`,
    ms(d.p50_ms),
    ms(d.p95_ms),
    ms(d.p99_ms),
    ms(d.max_ms)
  ])
