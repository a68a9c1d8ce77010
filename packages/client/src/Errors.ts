import type { ErrorCode, Issue } from "@memory-turso/model"

/** An HTTP method the API answers. */
export type Method = "GET" | "POST" | "PUT" | "DELETE"

/** A field of an answer that did not fit its Schema: where (keys and indexes) and what was expected, never the value. */
export interface ResponseIssue {
  readonly path: ReadonlyArray<string | number>
  /** `is missing`, or `expected ...` (`expected a number between 0 and 1`). */
  readonly message: string
}

/** An issue's path in JavaScript accessor form: `cache.hit_rate`, `requests["GET /x"].errors`, `steps[0]`. */
export const issuePath = (path: ReadonlyArray<string | number>): string =>
  path
    .map((key, i) =>
      typeof key === "number"
        ? `[${key}]`
        : /^[A-Za-z_$][\w$]*$/.test(key)
          ? `${i === 0 ? "" : "."}${key}`
          : `[${JSON.stringify(key)}]`
    )
    .join("")

/** What a failed request was: its method, its path (relative to the base URL) and the request id, if known. */
interface RequestFacts {
  readonly method: Method
  readonly path: string
  readonly requestId: string | undefined
}

/**
 * Every error a client call rejects with (a cancelled call rejects with its signal's reason instead). Messages
 * never contain the token, a header or a body.
 */
export abstract class MemoryClientError extends Error {
  readonly method: Method
  /** The path requested, relative to the base URL (`/episodes/e1`). */
  readonly path: string
  /** The request's id: the `x-request-id` the API answered with, else the one sent (undefined if neither). */
  readonly requestId: string | undefined

  constructor(facts: RequestFacts, message: string, options?: ErrorOptions) {
    super(message, options)
    this.method = facts.method
    this.path = facts.path
    this.requestId = facts.requestId
  }
}

/** The API answered with its JSON error body: a stable `code` (which fixes `status`), a message, field issues. */
export class ApiError extends MemoryClientError {
  override readonly name = "ApiError"
  readonly code: ErrorCode
  readonly status: number
  /** The fields a `validation_failed` (or `invalid_cursor`, `invalid_namespace`) answer names; else empty. */
  readonly issues: ReadonlyArray<Issue>

  constructor(
    facts: RequestFacts & {
      readonly status: number
      readonly code: ErrorCode
      readonly message: string
      readonly issues: ReadonlyArray<Issue>
    }
  ) {
    super(facts, facts.message)
    this.code = facts.code
    this.status = facts.status
    this.issues = facts.issues
  }
}

/** No answer came: the connection failed, was refused or reset, or the name did not resolve. */
export class NetworkError extends MemoryClientError {
  override readonly name: string = "NetworkError"
  /** What went wrong, in the transport's words (`connect ECONNREFUSED 127.0.0.1:3000`). */
  readonly reason: string

  constructor(facts: RequestFacts, reason: string, options?: ErrorOptions) {
    super(facts, `${facts.method} ${facts.path}: ${reason}`, options)
    this.reason = reason
  }
}

/** No whole answer came within `timeoutMs` (a kind of network error: no answer at all). */
export class TimeoutError extends NetworkError {
  override readonly name = "TimeoutError"
  readonly timeoutMs: number

  constructor(facts: RequestFacts, timeoutMs: number) {
    super(facts, `got no answer within ${timeoutMs} ms`)
    this.timeoutMs = timeoutMs
  }
}

/**
 * The API answered something this client cannot read: a body that is not JSON, or JSON that does not fit the
 * endpoint's Schema (`issues` name the fields). The message names the endpoint; the body is never included.
 */
export class InvalidResponseError extends MemoryClientError {
  override readonly name = "InvalidResponseError"
  /** The route as `/metrics` names it: `GET /episodes/:id`. */
  readonly endpoint: string
  readonly status: number
  /** What is wrong, after the status: `with a body that is not JSON`, `with a body that does not fit ...`. */
  readonly detail: string
  readonly issues: ReadonlyArray<ResponseIssue>

  constructor(
    facts: RequestFacts & {
      readonly endpoint: string
      readonly status: number
      readonly detail: string
      readonly issues: ReadonlyArray<ResponseIssue>
    }
  ) {
    super(facts, `${facts.endpoint}: status ${facts.status} ${facts.detail}`)
    this.endpoint = facts.endpoint
    this.status = facts.status
    this.detail = facts.detail
    this.issues = facts.issues
  }
}
