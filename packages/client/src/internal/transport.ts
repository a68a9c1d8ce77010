import { type Method, NetworkError, TimeoutError } from "../Errors.js"
import type { CallOptions, Exchange } from "../Exchange.js"

/** How to reach the API; fixed when the client is created. */
export interface Transport {
  /** The base URL, ending in `/`. */
  readonly base: URL
  /** Sent with every request (authorization, namespace, accept, the caller's own). */
  readonly headers: Readonly<Record<string, string>>
  readonly fetch: typeof globalThis.fetch
  readonly timeoutMs: number
  readonly retries: number
  readonly retryDelayMs: number
  readonly onResponse: ((exchange: Exchange) => void) | undefined
}

/** One request as a call makes it. */
export interface Request {
  readonly method: Method
  /** The route template (`/episodes/:id`), for the observer. */
  readonly route: string
  /** The path with its parameters filled and encoded (`/episodes/e1`). */
  readonly path: string
  readonly query?: URLSearchParams
  /** A JSON body, already serialized. */
  readonly body?: string
  /** Replaces the `accept` header (Prometheus text). */
  readonly accept?: string
  /** A read: safe to send again after a network error, a timeout or a 503 error answer. */
  readonly retryable: boolean
  /** Statuses that carry the endpoint's own body rather than an error (`/health`'s 503): never retried. */
  readonly answers?: ReadonlyArray<number>
}

/** A whole answer: its status, its body as text, the request id. */
export interface Answer {
  readonly status: number
  readonly text: string
  readonly requestId: string | undefined
}

/** Backoff before retry `n` (1-based): the base delay doubled each time, capped, with jitter. */
const MAX_RETRY_DELAY_MS = 2_000
const backoff = (baseMs: number, n: number) =>
  Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** (n - 1)) * (0.5 + Math.random() / 2)

/** Waits `ms`, or rejects with the signal's reason as soon as it is aborted. */
const pause = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort)
      resolve()
    }, ms)
    signal?.addEventListener("abort", onAbort, { once: true })
  })

/** The innermost cause's message (or code) of a failed fetch: `connect ECONNREFUSED 127.0.0.1:3000`. */
const reasonOf = (error: unknown): string => {
  let current = error
  while (current instanceof Error && current.cause instanceof Error) current = current.cause
  if (!(current instanceof Error)) return String(current)
  return current.message || (current as NodeJS.ErrnoException).code || current.name
}

const observe = (transport: Transport, exchange: Exchange) => {
  try {
    transport.onResponse?.(exchange)
  } catch {
    // An observer must not break the call it observes.
  }
}

/** One attempt: the whole answer (body read), or a NetworkError / TimeoutError, or the caller's abort reason. */
const attempt = async (transport: Transport, request: Request, call: CallOptions, n: number): Promise<Answer> => {
  call.signal?.throwIfAborted()
  const url = new URL(request.path.slice(1), transport.base)
  if (request.query !== undefined) url.search = request.query.toString()
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, transport.timeoutMs)
  const onAbort = () => controller.abort(call.signal!.reason)
  call.signal?.addEventListener("abort", onAbort, { once: true })
  const headers: Record<string, string> = { ...transport.headers }
  if (request.body !== undefined) headers["content-type"] = "application/json"
  if (request.accept !== undefined) headers["accept"] = request.accept
  if (call.requestId !== undefined) headers["x-request-id"] = call.requestId
  let status: number | null = null
  let answeredId: string | undefined
  const start = performance.now()
  try {
    const response = await transport.fetch(url, {
      method: request.method,
      headers,
      body: request.body ?? null,
      signal: controller.signal
    })
    answeredId = response.headers.get("x-request-id") ?? undefined
    const text = await response.text()
    status = response.status
    return { status, text, requestId: answeredId ?? call.requestId }
  } catch (error) {
    if (call.signal?.aborted) throw call.signal.reason
    const facts = { method: request.method, path: request.path, requestId: answeredId ?? call.requestId }
    if (timedOut) throw new TimeoutError(facts, transport.timeoutMs)
    throw new NetworkError(facts, reasonOf(error), { cause: error })
  } finally {
    clearTimeout(timer)
    call.signal?.removeEventListener("abort", onAbort)
    observe(transport, {
      method: request.method,
      route: `${request.method} ${request.route}`,
      path: request.path,
      status,
      durationMs: performance.now() - start,
      attempt: n,
      requestId: call.requestId ?? answeredId
    })
  }
}

/**
 * Sends a request and reads the whole answer, whatever its status. A read (`retryable`) is sent again, up to
 * `retries` times with a short capped backoff, after a network error, a timeout or a 503 error answer; a write
 * never is (it may have been applied).
 */
export const send = async (transport: Transport, request: Request, call: CallOptions = {}): Promise<Answer> => {
  for (let n = 1; ; n++) {
    const retry = request.retryable && n <= transport.retries
    let answer: Answer
    try {
      answer = await attempt(transport, request, call, n)
    } catch (error) {
      if (!retry || !(error instanceof NetworkError)) throw error
      await pause(backoff(transport.retryDelayMs, n), call.signal)
      continue
    }
    if (!retry || answer.status !== 503 || request.answers?.includes(503)) return answer
    await pause(backoff(transport.retryDelayMs, n), call.signal)
  }
}
