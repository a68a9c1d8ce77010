import { ERROR_CODES, type ErrorCode, errorCodes } from "@memory-turso/model"
import type { RouteSpec } from "../http/RouteSpec.js"
import { readsNamespace } from "./Parameters.js"

const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(ERROR_CODES, code)

/**
 * Methods whose bodies the gate checks by their headers (413 `payload_too_large` when declared too large, 415
 * `unsupported_media_type`), whatever the route declares.
 */
const BODY_METHODS: ReadonlySet<string> = new Set(["POST", "PUT"])

/**
 * The error codes a route can answer, in `ERROR_CODES` order: its own (`errors`), those of its access rule (401 and
 * 403 unless public; the namespace ones when it reads `X-Memory-Namespace`), 413 and 415 on methods with a body, 422
 * `limit_exceeded` on routes that read one, and the ones every route can answer: 403 `forbidden_origin` and 500
 * `internal_error`.
 */
export const errorCodesOf = (spec: RouteSpec): ReadonlyArray<ErrorCode> => {
  const codes = new Set<string>(spec.errors)
  for (const code of codes) {
    if (!isErrorCode(code)) throw new Error(`${spec.method} ${spec.path} declares an unknown error code: ${code}`)
  }
  if (spec.access !== "public") codes.add("unauthorized").add("forbidden")
  if (readsNamespace(spec)) codes.add("invalid_namespace").add("namespace_required").add("forbidden_namespace")
  if (BODY_METHODS.has(spec.method)) codes.add("payload_too_large").add("unsupported_media_type")
  if (spec.body !== undefined) codes.add("limit_exceeded")
  codes.add("forbidden_origin").add("internal_error")
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
  "when no route has it and 405 `method_not_allowed` (with `Allow`) when it has other methods, and 403",
  "`forbidden_origin` to a cross-site request (an `Origin` not in `server.allowed_origins`). A body must be within the",
  "server's `[limits]` (413 `payload_too_large`, 422 `limit_exceeded` naming the limit) and of the route's media type",
  "(415 `unsupported_media_type`). Every response carries `X-Request-Id`; every 503 carries `Retry-After` (seconds).",
  "The codes (also in the document's `x-error-codes`):",
  "",
  "| Code | Status | Meaning |",
  "| --- | --- | --- |",
  ...errorCodes.map((code) => `| \`${code}\` | ${ERROR_CODES[code].status} | ${cell(ERROR_CODES[code].meaning)} |`)
].join("\n")
