import type { Method } from "./Errors.js"

/** One HTTP exchange (one attempt of a call), as the `onResponse` observer sees it. */
export interface Exchange {
  readonly method: Method
  /** The route as the API's `/metrics` names it: `GET /episodes/:id`. */
  readonly route: string
  /** The path requested, relative to the base URL: `/episodes/e1` (query string left out). */
  readonly path: string
  /** The answer's HTTP status; null when no answer came (network failure, timeout, cancelled). */
  readonly status: number | null
  /** Milliseconds from just before the request was sent until the answer's body was read (or the attempt failed). */
  readonly durationMs: number
  /** 1 for the first attempt of a call, 2 for its first retry, ... */
  readonly attempt: number
  /** The call's `requestId` (see `CallOptions`), else the `x-request-id` the API answered with. */
  readonly requestId: string | undefined
}

/** Options every call takes. */
export interface CallOptions {
  /** Cancels the call (also during a retry's backoff); it then rejects with the signal's reason. */
  readonly signal?: AbortSignal
  /** Sent as `x-request-id` (every attempt of the call sends the same); the API uses it in its logs. */
  readonly requestId?: string
}
