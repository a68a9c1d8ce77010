/** The shape of a hostile request, and builders shared by the corpus's groups (see `../hostileRequests.ts`). */

/** One hostile request and the answer it must get. */
export interface HostileRequest {
  readonly name: string
  readonly method: string
  /** Path and query, already URL-encoded. */
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string | Uint8Array
  readonly expectStatus: number
  readonly expectCode?: string
}

/** The JSON media type header. */
export const JSON_TYPE = { "content-type": "application/json" }
/** A foreign web origin. */
export const EVIL = "http://evil.example"
/** The classic SQL injection string. */
export const INJECTION = "'; DROP TABLE episodes;--"
/** URL-encodes a path segment or query value. */
export const enc = encodeURIComponent
/** JSON text of a value. */
export const json = (value: unknown) => JSON.stringify(value)
/** 0..n-1. */
export const range = (n: number) => Array.from({ length: n }, (_, i) => i)
/** A valid episode step with `extra` fields. */
export const step = (extra: Record<string, unknown> = {}) => ({
  step_number: 1,
  timestamp: "2025-01-01T00:00:00Z",
  tool: "t",
  action: "a",
  ...extra
})

/** A JSON POST. */
export const post = (
  name: string,
  path: string,
  body: string | Uint8Array,
  expectStatus: number,
  expectCode: string
): HostileRequest => ({ name, method: "POST", path, headers: JSON_TYPE, body, expectStatus, expectCode })
/** A JSON POST of an episode that must be refused with 422 `code`. */
export const episode = (name: string, value: unknown, code = "limit_exceeded") =>
  post(name, "/episodes", typeof value === "string" ? value : json(value), 422, code)
/** A GET without a body. */
export const get = (name: string, path: string, expectStatus: number, expectCode: string): HostileRequest => ({
  name,
  method: "GET",
  path,
  expectStatus,
  expectCode
})
