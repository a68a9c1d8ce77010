/**
 * Raw HTTP exchanges with the API, for the traffic a check measures: the status, the headers (`Retry-After`), the
 * body's exact bytes and when the answer came. A request that gets no answer resolves too, with status null.
 */
import { ERROR_CODES, ErrorBody } from "@memory-turso/model"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

/** One request as sent. */
export interface Request {
  readonly method: string
  /** Path and query, from the API's root: `/episodes/e1`. */
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string | Uint8Array
  /** No whole answer within this many ms is no answer (default 30 s). */
  readonly timeoutMs?: number
}

/** What came back, and when (ms from the suite's clock, `performance.now()`). */
export interface Answer {
  /** null: no answer (connection refused or reset, or the timeout). */
  readonly status: number | null
  readonly headers: Headers
  readonly body: Uint8Array
  readonly sentAt: number
  readonly answeredAt: number
  /** Why no answer came (when status is null). */
  readonly failure?: string
}

const EMPTY = new Uint8Array(0)

/** Sends a request to `baseUrl`; never rejects. */
export const send = async (baseUrl: string, request: Request): Promise<Answer> => {
  const sentAt = performance.now()
  try {
    const response = await fetch(new URL(request.path, baseUrl), {
      method: request.method,
      headers: request.headers ?? {},
      ...(request.body === undefined ? {} : { body: request.body }),
      signal: AbortSignal.timeout(request.timeoutMs ?? 30_000)
    })
    const body = new Uint8Array(await response.arrayBuffer())
    return { status: response.status, headers: response.headers, body, sentAt, answeredAt: performance.now() }
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    const failure = cause?.code ?? cause?.message ?? (error as Error).name ?? String(error)
    return { status: null, headers: new Headers(), body: EMPTY, sentAt, answeredAt: performance.now(), failure }
  }
}

/** The answer's body as text. */
export const textOf = (answer: Answer): string => new TextDecoder().decode(answer.body)

/** The answer's body as JSON, or undefined. */
export const jsonOf = (answer: Answer): unknown => {
  try {
    return JSON.parse(textOf(answer))
  } catch {
    return undefined
  }
}

const decodeError = Schema.decodeUnknownEither(ErrorBody)

/**
 * The error code of a typed error answer: a JSON body that decodes as the model's `ErrorBody`, whose code's status
 * is the answer's status. Undefined for anything else.
 */
export const typedErrorCode = (answer: Answer): string | undefined => {
  const decoded = decodeError(jsonOf(answer))
  if (Either.isLeft(decoded)) return undefined
  const code = decoded.right.error.code
  return ERROR_CODES[code].status === answer.status ? code : undefined
}

/** The headers of an authenticated JSON request. */
export const authorized = (token: string, extra: Record<string, string> = {}): Record<string, string> => ({
  authorization: `Bearer ${token}`,
  ...extra
})

/** A JSON request with the token. */
export const jsonRequest = (token: string, method: string, path: string, body: unknown): Request => ({
  method,
  path,
  headers: authorized(token, { "content-type": "application/json" }),
  body: JSON.stringify(body)
})

/** How an answer is counted: its status, or `no answer (<reason>)`. */
export const statusLabel = (answer: Answer): string =>
  answer.status === null ? `no answer (${answer.failure})` : String(answer.status)

export const isSuccess = (answer: Answer): boolean => answer.status !== null && answer.status < 300
