/** HTTP plumbing shared by the data and admin routes: body reading, JSON responses, lower-bound delays. */
import type { IncomingMessage, ServerResponse } from "node:http"
import { performance } from "node:perf_hooks"

/** Largest request body accepted (larger bodies get 413). */
export const MAX_BODY_BYTES = 64 * 1024 * 1024

export class BodyTooLargeError extends Error {}

/** Reads the whole request body. */
export const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError(`Request body over ${MAX_BODY_BYTES} bytes`))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on("end", () => resolve(Buffer.concat(chunks, size)))
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
