import { ERROR_CODES, type ErrorCode, errorCodes } from "@memory-turso/model"
import type { RouteSpec } from "../http/RouteSpec.js"
import { readsNamespace } from "./Parameters.js"

const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(ERROR_CODES, code)

/** Methods whose bodies `App` limits (413 `payload_too_large`), whatever the route declares. */
const LIMITED_METHODS: ReadonlySet<string> = new Set(["POST", "PUT"])

/**
 * The error codes a route can answer, in `ERROR_CODES` order: its own (`errors`), those of its access rule (401 and
 * 403 unless public; the namespace ones when it reads `X-Memory-Namespace`), 413 on methods with a limited body, and
 * 500 `internal_error`, which every route can answer.
 */
export const errorCodesOf = (spec: RouteSpec): ReadonlyArray<ErrorCode> => {
  const codes = new Set<string>(spec.errors)
  for (const code of codes) {
    if (!isErrorCode(code)) throw new Error(`${spec.method} ${spec.path} declares an unknown error code: ${code}`)
  }
  if (spec.access !== "public") codes.add("unauthorized").add("forbidden")
  if (readsNamespace(spec)) codes.add("invalid_namespace").add("namespace_required").add("forbidden_namespace")
  if (LIMITED_METHODS.has(spec.method)) codes.add("payload_too_large")
  codes.add("internal_error")
  return errorCodes.filter((code) => codes.has(code))
}

/** Codes grouped by their HTTP status, statuses ascending. */
export const byStatus = (codes: ReadonlyArray<ErrorCode>): ReadonlyMap<number, ReadonlyArray<ErrorCode>> => {
  const groups = new Map<number, Array<ErrorCode>>()
  for (const code of codes) {
    const status = ERROR_CODES[code].status
    groups.set(status, [...(groups.get(status) ?? []), code])
  }
  return new Map([...groups].sort(([a], [b]) => a - b))
}

/** A Markdown list of codes with their meanings. */
export const codeList = (codes: ReadonlyArray<ErrorCode>): string =>
  codes.map((code) => `- \`${code}\`: ${ERROR_CODES[code].meaning}`).join("\n")

const cell = (text: string) => text.replaceAll("|", "\\|")

/** The paragraph of the document's description on errors, with the table of every code. */
export const ERRORS = [
  '**Errors.** Every error answers `{"error": {"code", "message", "issues"?}}` (`components.schemas.Error`) with',
  "a stable `code`; `issues` name the field paths that failed validation, never the values. Each operation lists, per",
  "status, the codes it can answer (also in the response's `x-error-codes`). Any path answers 404 `route_not_found`",
  "when no route has it and 405 `method_not_allowed` (with `Allow`) when it has other methods. Every response carries",
  "`X-Request-Id`; every 503 carries `Retry-After` (seconds). The codes (also in the document's `x-error-codes`):",
  "",
  "| Code | Status | Meaning |",
  "| --- | --- | --- |",
  ...errorCodes.map((code) => `| \`${code}\` | ${ERROR_CODES[code].status} | ${cell(ERROR_CODES[code].meaning)} |`)
].join("\n")
