/** HTTP plumbing shared by the data and admin routes: body reading, JSON responses, lower-bound delays. */
import type { IncomingMessage, ServerResponse } from "node:http"
import { performance } from "node:perf_hooks"

/** Largest admin request body accepted (larger bodies get 413); data requests use `max_body_bytes`. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024

export class BodyTooLargeError extends Error {}

/**
 * Reads the whole request body. A body over `maxBytes` is read to its end but not kept, then rejected with
 * `BodyTooLargeError`, so the socket stays usable for the 413 answer (and the next request).
 */
export const readBody = (req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size <= maxBytes) chunks.push(chunk)
    })
    req.on("end", () =>
      size > maxBytes
        ? reject(new BodyTooLargeError(`The request body is over ${maxBytes} bytes`))
        : resolve(Buffer.concat(chunks, size))
    )
    req.on("error", reject)
  })

/** Writes a JSON response (content-type exactly `application/json`, which the client requires); returns bytes. */
export const writeJson = (res: ServerResponse, status: number, body: unknown): number => {
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body))
  if (res.writableEnded || res.destroyed) return 0
  res.writeHead(status, { "content-type": "application/json", "content-length": payload.length })
  res.end(payload)
  return payload.length
}

/** Waits at least `ms` milliseconds (timers may fire early by a fraction of a millisecond; this never does). */
export const delay = async (ms: number): Promise<void> => {
  if (ms <= 0) return
  const end = performance.now() + ms
  for (;;) {
    const left = end - performance.now()
    if (left <= 0) return
    await new Promise((resolve) => setTimeout(resolve, Math.ceil(left)))
  }
}
