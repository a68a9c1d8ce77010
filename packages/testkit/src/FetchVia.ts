/** A `fetch` for `createClient({ fetch })` over an undici dispatcher of your own (for tests and benchmarks). */
import { type Dispatcher, fetch as undiciFetch } from "undici"

/**
 * Sends every request of a libSQL client through `dispatcher` (or through the one `dispatcher()` returns for each
 * request), so a test or benchmark owns the sockets: their number, keep-alive and `connect` events.
 */
export const fetchVia =
  (dispatcher: Dispatcher | (() => Dispatcher)) =>
  async (request: Request): Promise<Response> => {
    const hasBody = request.method !== "GET" && request.method !== "HEAD"
    const response = await undiciFetch(request.url, {
      method: request.method,
      headers: [...request.headers],
      ...(hasBody ? { body: Buffer.from(await request.arrayBuffer()) } : {}),
      dispatcher: typeof dispatcher === "function" ? dispatcher() : dispatcher
    })
    return response as unknown as Response
  }
