import { once } from "node:events"
import { createServer, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { afterEach } from "@effect/vitest"

/** How a request the server fails is failed: a 503 error answer, a reset connection, or no answer at all. */
export type Failure = "503" | "reset" | "hang"

/** A server that fails the first `failures` requests, then answers each route with a small valid body. */
export interface FlakyServer {
  readonly url: string
  /** Requests received, as "METHOD /path". */
  readonly requests: () => ReadonlyArray<string>
}

const episode = { episode_id: "e1", task_description: "t" }
const embedding = { item_type: "episode", item_id: "e1", model: "m", vector: [1] }
const health = {
  status: "unhealthy",
  optimizations: "disabled",
  features: { keepalive: false, compression: false, cache: false, prepared_statements: false, batch_operations: true },
  reason: "the database does not answer"
}

/** A valid answer for each route the tests call: [status, body]. */
const answerOf = (route: string): readonly [number, unknown] => {
  if (route.startsWith("DELETE ")) return [204, undefined]
  if (route === "POST /episodes/batch") return [200, { stored: 1, ids: ["e1"] }]
  if (route === "POST /episodes/batch/get") return [200, { episodes: [episode], missing: [] }]
  if (route === "POST /embeddings/search") return [200, { matches: [] }]
  if (route === "POST /recall")
    return [200, { items: [], plan: { vector: "none", candidates: 0, index_queries: 0, text: true } }]
  if (route === "POST /compression/dictionary") return [201, { dictionary_id: 1, bytes: 1, samples: 1, created_at: 0 }]
  if (route.startsWith("PUT /embeddings/")) return [200, embedding]
  if (route === "GET /health") return [503, health]
  return [200, episode]
}

const send = (res: ServerResponse, status: number, body: unknown) =>
  body === undefined
    ? res.writeHead(status).end()
    : res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body))

const open: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((close) => close()))
})

/** Starts a server for one test (closed after it). */
export const startFlakyServer = async (failures: number, failure: Failure): Promise<FlakyServer> => {
  const requests: Array<string> = []
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    const route = `${req.method} ${req.url}`
    requests.push(route)
    req.resume()
    if (requests.length > failures) return req.on("end", () => send(res, ...answerOf(route)))
    if (failure === "503")
      return send(res, 503, { error: { code: "database_unavailable", message: "the database is not reachable" } })
    if (failure === "reset") return req.socket.destroy()
  })
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  server.listen(0, "127.0.0.1")
  await once(server, "listening")
  open.push(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise<void>((closed) => server.close(() => closed()))
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => [...requests] }
}
