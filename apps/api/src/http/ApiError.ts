import type { ContentfulStatusCode } from "hono/utils/http-status"

/** A field that failed validation and why (never the offending value itself). */
export interface Issue {
  readonly path: string
  readonly message: string
}

/** An error response: a stable machine-readable code, a human message, the HTTP status. */
export class ApiError {
  readonly _tag = "ApiError"
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    readonly message: string,
    readonly issues?: ReadonlyArray<Issue>
  ) {}

  /** The JSON body: `{"error": {"code", "message", "issues"?}}`. */
  body(): string {
    return JSON.stringify({
      error: { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) }
    })
  }
}

/** The request body is not JSON. */
export const malformedJson = (detail: string) =>
  new ApiError(400, "malformed_json", `request body is not valid JSON: ${detail}`)

/** The input does not fit the schema. */
export const validationFailed = (issues: ReadonlyArray<Issue>) =>
  new ApiError(
    422,
    "validation_failed",
    issues.length === 1 ? `${issues[0]!.path}: ${issues[0]!.message}` : `${issues.length} fields are invalid`,
    issues
  )

/** The route exists but not for this method. */
export const methodNotAllowed = (method: string, allowed: ReadonlyArray<string>) =>
  new ApiError(405, "method_not_allowed", `${method} is not allowed here; use ${allowed.join(", ")}`)

/** No such route. */
export const routeNotFound = (method: string, path: string) =>
  new ApiError(404, "route_not_found", `no route for ${method} ${path.slice(0, 200)}`)

/** The body exceeds the configured limit. */
export const payloadTooLarge = (limit: number) =>
  new ApiError(413, "payload_too_large", `request body exceeds the limit of ${limit} bytes`)

/** Anything unexpected: never a stack trace. */
export const internalError = () => new ApiError(500, "internal_error", "the server failed to handle this request")
