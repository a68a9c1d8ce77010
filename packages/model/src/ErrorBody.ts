import * as Schema from "effect/Schema"

/** Every error code the API answers with, its HTTP status and what it means. */
export const ERROR_CODES = {
  malformed_json: { status: 400, meaning: "the request body is not valid JSON" },
  unauthorized: { status: 401, meaning: "no bearer token, or one this server does not know" },
  forbidden: { status: 403, meaning: "the token lacks the scope this route needs" },
  forbidden_namespace: { status: 403, meaning: "the token may not use this namespace" },
  forbidden_origin: {
    status: 403,
    meaning: "a cross-site request: its Origin is not in server.allowed_origins (refused before any other work)"
  },
  not_found: { status: 404, meaning: "no record with this id in the namespace" },
  route_not_found: { status: 404, meaning: "no such route" },
  method_not_allowed: { status: 405, meaning: "the route exists, not for this method (see Allow)" },
  dictionary_unavailable: { status: 409, meaning: "no compression dictionary can be built now" },
  precondition_failed: {
    status: 412,
    meaning:
      "If-Match does not hold: the record is at another version or does not exist (or the route writes no one record); nothing was changed"
  },
  payload_too_large: { status: 413, meaning: "the body exceeds limits.max_body_bytes" },
  unsupported_media_type: {
    status: 415,
    meaning: "a body whose Content-Type is not the media type the route takes (application/json)"
  },
  validation_failed: { status: 422, meaning: "the input does not fit the schema; each issue names a field path" },
  limit_exceeded: {
    status: 422,
    meaning: "the input is over a configured limit: the message names its key (limits.*), each issue the field path"
  },
  invalid_cursor: { status: 422, meaning: "a cursor this server did not issue, or issued in another namespace" },
  invalid_namespace: { status: 422, meaning: "X-Memory-Namespace is not a valid namespace name" },
  namespace_required: { status: 422, meaning: "the token has no default namespace: send X-Memory-Namespace" },
  idempotency_key_reused: {
    status: 422,
    meaning: "this Idempotency-Key was used in the namespace for a different request (within the window)"
  },
  internal_error: { status: 500, meaning: "an unexpected failure (never a stack trace)" },
  corrupt_record: { status: 500, meaning: "a stored record could not be read back" },
  database_error: { status: 500, meaning: "the database rejected the operation" },
  database_unavailable: { status: 503, meaning: "the database is not reachable; try again" },
  pool_timeout: { status: 503, meaning: "every database connection is busy; try again" },
  outcome_unknown: {
    status: 503,
    meaning:
      "the database stopped answering during a write, which may or may not have been applied: read it, or retry with If-Match or an Idempotency-Key"
  },
  not_ready: { status: 503, meaning: "the server is not ready (starting, draining, or no database)" }
} as const

/** A stable, machine-readable error code. */
export type ErrorCode = keyof typeof ERROR_CODES

/** The error codes, in a stable order. */
export const errorCodes = Object.keys(ERROR_CODES) as ReadonlyArray<ErrorCode>

/** A field that failed validation and why (never the offending value itself). */
export const Issue = Schema.Struct({ path: Schema.String, message: Schema.String }).annotations({
  identifier: "Issue"
})
export type Issue = typeof Issue.Type

/** The body of every error response: `{"error": {"code", "message", "issues"?}}`. */
export const ErrorBody = Schema.Struct({
  error: Schema.Struct({
    code: Schema.Literal(...errorCodes),
    message: Schema.String,
    issues: Schema.optionalWith(Schema.Array(Issue), { exact: true })
  })
}).annotations({ identifier: "Error" })
export type ErrorBody = typeof ErrorBody.Type
