import { ERROR_CODES, type ErrorCode, type Issue } from "@memory-turso/model"
import type { ContentfulStatusCode } from "hono/utils/http-status"

export type { Issue } from "@memory-turso/model"

/** An error response: a stable machine-readable code (which fixes the HTTP status) and a human message. */
export class ApiError {
  readonly _tag = "ApiError"
  readonly status: ContentfulStatusCode
  constructor(
    readonly code: ErrorCode,
    readonly message: string,
    readonly issues?: ReadonlyArray<Issue>,
    /** Headers the response carries (`WWW-Authenticate` on a 401). */
    readonly headers?: Readonly<Record<string, string>>
  ) {
    this.status = ERROR_CODES[code].status
  }

  /** The JSON body: `{"error": {"code", "message", "issues"?}}`. */
  body(): string {
    return JSON.stringify({
      error: { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) }
    })
  }
}

/** The request body is not JSON. */
export const malformedJson = (detail: string) =>
  new ApiError("malformed_json", `request body is not valid JSON: ${detail}`)

/** The input does not fit the schema. */
export const validationFailed = (issues: ReadonlyArray<Issue>) =>
  new ApiError(
    "validation_failed",
    issues.length === 1 ? `${issues[0]!.path}: ${issues[0]!.message}` : `${issues.length} fields are invalid`,
    issues
  )

/** The route exists but not for this method. */
export const methodNotAllowed = (method: string, allowed: ReadonlyArray<string>) =>
  new ApiError("method_not_allowed", `${method} is not allowed here; use ${allowed.join(", ")}`)

/** No such route. */
export const routeNotFound = (method: string, path: string) =>
  new ApiError("route_not_found", `no route for ${method} ${path.slice(0, 200)}`)

/**
 * The body exceeds `limits.max_body_bytes`. Nothing past the limit is kept: the Node adapter discards what the
 * client still sends (up to 64 MiB or 500 ms, then it closes the connection), so the client reads this answer.
 */
export const payloadTooLarge = (limit: number) =>
  new ApiError("payload_too_large", `the request body exceeds limits.max_body_bytes (${limit} bytes)`)

/** One value over a limit: its field path, and a message naming the limit's key (`limits.max_tags`). */
export interface LimitIssue extends Issue {
  /** The key under `[limits]`. */
  readonly limit: string
}

/** The input is over one or more configured limits; each issue names the field path and the limit. */
export const limitExceeded = (issues: ReadonlyArray<LimitIssue>) => {
  const limits = [...new Set(issues.map((issue) => `limits.${issue.limit}`))]
  return new ApiError(
    "limit_exceeded",
    issues.length === 1
      ? `${issues[0]!.path}: ${issues[0]!.message}`
      : `${issues.length} values are over ${limits.join(", ")}`,
    issues.map(({ message, path }) => ({ path, message }))
  )
}

/** A body in a media type the route does not take. */
export const unsupportedMediaType = (expected: string) =>
  new ApiError("unsupported_media_type", `this route takes a body of Content-Type ${expected}`, [
    { path: "header.content-type", message: `expected ${expected} (a charset parameter, if any, must be utf-8)` }
  ])

/** A cross-site request: its origin is not one the server lets in (or its Host names another site). */
export const forbiddenOrigin = (
  message = "cross-site requests are refused: this request's Origin is not in server.allowed_origins"
) => new ApiError("forbidden_origin", message)

/** Anything unexpected: never a stack trace. */
export const internalError = () => new ApiError("internal_error", "the server failed to handle this request")
