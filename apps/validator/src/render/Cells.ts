import type { Check, Status } from "../Evaluate.js"

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
