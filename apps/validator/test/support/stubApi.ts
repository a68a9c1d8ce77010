import { once } from "node:events"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import type { DbHealth, Health } from "@memory-turso/model"
import { type MetricsBody, metricsBody } from "./metricsBody.js"

/**
 * A small HTTP server that serves the routes the validator uses (`/health`, `/db-health`, `/metrics`,
 * `/episodes/:id` GET/DELETE, `POST /episodes/batch`) over an in-memory store, with a cache model and knobs to
 * break it on purpose. It stands in for API features that are not there yet (a cache that never hits, an RSS of
 * 4 GiB, pool timeouts, a broken /metrics). Tests that can use the real API (`apiProcess.ts`) do.
 */
export interface StubOptions {
  /**
   * `working`: a read-through cache, the second read of an id hits; `write-through`: a stored episode is cached, so
   * every read hits; `broken`: every read misses; `half`: every other read hits.
   */
  cache?: "working" | "write-through" | "broken" | "half" | "disabled"
  /** Delay added to each episode read, in ms. */
  readDelayMs?: number
  /** RSS reported in /metrics. */
  rssBytes?: number
  /** pool.timeouts grows by one per /metrics read when set. */
  poolTimeoutsGrow?: boolean
  /**
   * Every GET /health answers this status, with a `Health` body as the API's 503 does (a function: called with the
   * 1-based number of the request).
   */
  healthStatus?: number | ((call: number) => number)
  /** Rewrites (a copy of) the /metrics body before it is sent, to remove or break fields. */
  metrics?: (body: Record<string, any>) => unknown
  /** Never answers /health. */
  hang?: boolean
  /** Never answers a request for which this returns true (called with "METHOD /route" as each request arrives). */
  hangWhen?: (route: string) => boolean
  /** Delay, in ms, between storing a batch's episodes and answering (the batch is in flight, yet stored). */
  batchDelayMs?: number
}

export interface StubApi {
  readonly url: string
  readonly options: StubOptions
  /** Episodes currently stored. */
  readonly stored: () => number
  /** Requests received per "METHOD /route". */
  readonly hits: () => Record<string, number>
  /** Authorization headers received (to check the token is sent). */
  readonly authorizations: () => ReadonlyArray<string | undefined>
  /** X-Memory-Namespace headers received. */
  readonly namespaces: () => ReadonlyArray<string | undefined>
  readonly close: () => Promise<void>
}

const readBody = async (req: IncomingMessage) => {
  const chunks: Array<Buffer> = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString("utf8")
}

export const startStubApi = async (options: StubOptions = {}): Promise<StubApi> => {
  const episodes = new Map<string, string>()
  const seen = new Set<string>()
  const routes: Record<string, { count: number; errors: number }> = {}
  const hits: Record<string, number> = {}
  const authorizations: Array<string | undefined> = []
  const namespaces: Array<string | undefined> = []
  const cache = { hits: 0, misses: 0, reads: 0 }
  let bytesIn = 0
  let bytesOut = 0
  let poolTimeouts = 0
  const sockets = new Set<import("node:net").Socket>()
  const timers = new Set<NodeJS.Timeout>()
  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer)
        resolve()
      }, ms)
      timers.add(timer)
    })

  const send = (res: ServerResponse, route: string, status: number, body: unknown) => {
    const r = routes[route] ?? { count: 0, errors: 0 }
    routes[route] = r
    r.count++
    if (status >= 500) r.errors++
    if (status === 204) {
      res.writeHead(204).end()
      return
    }
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body))
  }

  const metrics = () => {
    if (options.poolTimeoutsGrow) poolTimeouts++
    const body: MetricsBody = metricsBody({
      cache: options.cache === "disabled" ? "disabled" : { hits: cache.hits, misses: cache.misses },
      compression: { bytes_in: bytesIn, bytes_out: bytesOut },
      poolTimeouts,
      staleRate: 0.01,
      requests: routes,
      process: { rss_bytes: options.rssBytes ?? 150 * 1024 * 1024, heap_used_bytes: 40 * 1024 * 1024, uptime_s: 12 }
    })
    return options.metrics === undefined ? body : options.metrics(structuredClone(body))
  }

  const features = {
    keepalive: true,
    compression: true,
    cache: options.cache !== "disabled",
    prepared_statements: false,
    batch_operations: true
  } as const
  const health = (status: number): typeof Health.Encoded => ({
    status: status === 200 ? "healthy" : "unhealthy",
    optimizations: "enabled",
    features
  })
  const dbHealth = (): typeof DbHealth.Encoded => ({
    ...health(200),
    database: "remote",
    latency_ms: 0.1,
    counts: { episodes: episodes.size, patterns: 0, heuristics: 0, embeddings: 0 }
  })

  const server = createServer(async (req, res) => {
    authorizations.push(req.headers.authorization)
    namespaces.push(req.headers["x-memory-namespace"] as string | undefined)
    const url = new URL(req.url ?? "/", "http://stub")
    const method = req.method ?? "GET"
    const id = url.pathname === "/episodes/batch" ? undefined : /^\/episodes\/([^/]+)$/.exec(url.pathname)?.[1]
    const route = id !== undefined ? `${method} /episodes/:id` : `${method} ${url.pathname}`
    hits[route] = (hits[route] ?? 0) + 1
    if (options.hangWhen?.(route)) return
    if (route === "GET /health") {
      if (options.hang) return
      const status =
        typeof options.healthStatus === "function" ? options.healthStatus(hits[route]!) : (options.healthStatus ?? 200)
      return send(res, route, status, health(status))
    }
    if (route === "GET /db-health") return send(res, route, 200, dbHealth())
    if (route === "GET /metrics") return send(res, route, 200, metrics())
    if (route === "POST /episodes/batch") {
      const text = await readBody(req)
      const list = (JSON.parse(text) as { episodes: Array<{ episode_id: string }> }).episodes
      for (const e of list) {
        const json = JSON.stringify(e)
        episodes.set(e.episode_id, json)
        if (options.cache === "write-through") seen.add(e.episode_id)
        bytesIn += json.length
        bytesOut += Math.round(json.length * 0.3)
      }
      if (options.batchDelayMs) await delay(options.batchDelayMs)
      return send(res, route, 200, { stored: list.length, ids: list.map((e) => e.episode_id) })
    }
    if (route === "GET /episodes/:id") {
      const key = decodeURIComponent(id!)
      const body = episodes.get(key)
      if (body === undefined) return send(res, route, 404, { error: { code: "not_found", message: "no such episode" } })
      const c = options.cache ?? "working"
      cache.reads++
      if (c === "working" || c === "write-through" ? seen.has(key) : c === "half" ? cache.reads % 2 === 0 : false)
        cache.hits++
      else cache.misses++
      seen.add(key)
      if (options.readDelayMs) await delay(options.readDelayMs)
      return send(res, route, 200, JSON.parse(body))
    }
    if (route === "DELETE /episodes/:id") {
      const existed = episodes.delete(decodeURIComponent(id!))
      return send(res, route, existed ? 204 : 404, existed ? undefined : { error: { code: "not_found", message: "x" } })
    }
    send(res, "unmatched", 404, { error: { code: "route_not_found", message: route } })
  })
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  server.listen(0, "127.0.0.1")
  await once(server, "listening")
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    options,
    stored: () => episodes.size,
    hits: () => ({ ...hits }),
    authorizations: () => [...authorizations],
    namespaces: () => [...namespaces],
    close: async () => {
      for (const timer of timers) clearTimeout(timer)
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

/** Stub servers for one test file: `stub(options)` starts one; all close after each test. */
export const useStubs = (afterEach: (fn: () => Promise<void>) => void) => {
  const open: Array<StubApi> = []
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()))
  })
  return async (options: StubOptions = {}) => {
    const s = await startStubApi(options)
    open.push(s)
    return s
  }
}
