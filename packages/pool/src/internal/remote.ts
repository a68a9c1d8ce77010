import { type Client, createClient, type InStatement, type InValue } from "@libsql/client"
import { type Dispatcher, Client as HttpClient } from "undici"
import type { Purpose, RequestObservation } from "../ConnectionPool.js"
import { executePipeline, type HttpReply, pipelineUrlOf } from "./hranaExecute.js"

/** Callbacks a remote connection reports to its pool. */
export interface Listener {
  readonly socketOpened: (connection: RemoteConnection) => void
  /** `idle`: the server (or the network) closed a socket that carried no request, after `idleMs` of silence. */
  readonly socketClosed: (connection: RemoteConnection, idle: boolean, idleMs: number) => void
  readonly request: (observation: RequestObservation) => void
}

/** Statuses whose responses cannot carry a body (`new Response` refuses one). */
const NULL_BODY_STATUS = new Set([101, 204, 205, 304])

/** Socket keep-alive on the client side: the server's idle timeout decides, not undici's 4 s default. */
const CLIENT_KEEP_ALIVE_MS = 10 * 60 * 1000

/**
 * A pooled remote connection: its own undici `Client` per origin (one keep-alive socket each; normally there is
 * only the database origin) and a libSQL client sending through it. One request at a time.
 */
export class RemoteConnection {
  readonly client: Client
  readonly #dispatchers = new Map<string, HttpClient>()
  inUse = false
  /** Clock time (ms) the connection was last released; its idle time is measured from here. */
  lastUsedAt: number
  /** Sockets this connection has opened, and how many are open now. */
  sockets = 0
  socketsOpen = 0
  requests = 0
  inFlight = 0
  /** A request failed in the network: the connection is discarded on release, never reused. */
  broken = false
  purpose: Purpose = "operation"
  #closing = false
  #previousOnSocket: Purpose | undefined
  #lastOperationEnd: number | undefined
  #lastResponseAt = performance.now()

  constructor(
    readonly id: number,
    options: { readonly url: string; readonly authToken?: string | undefined },
    now: number,
    private readonly listener: Listener
  ) {
    this.lastUsedAt = now
    const client = createClient({
      url: options.url,
      ...(options.authToken ? { authToken: options.authToken } : {}),
      fetch: (request: Request) => this.#fetch(request)
    })
    const pipelineUrl = pipelineUrlOf(options.url)
    this.client = pipelineUrl === undefined ? client : this.#direct(client, pipelineUrl, options.authToken)
  }

  /**
   * The client with `execute` of a positional statement sent straight over the pipeline (see `hranaExecute.ts`): the
   * same request and result as the client's, without its stream, WHATWG Request and Response in between. Everything
   * else is the client's.
   */
  #direct(client: Client, pipelineUrl: URL, authToken: string | undefined): Client {
    const headers: Record<string, string> = { "content-type": "application/json" }
    if (authToken) headers["authorization"] = `Bearer ${authToken}`
    const send = (url: URL, body: string) => this.#send(url, "POST", headers, Buffer.from(body))
    const execute = (statement: InStatement | string, args?: Array<InValue>) => {
      const { sql, args: values = [] } =
        typeof statement === "string" ? { sql: statement, args: args ?? [] } : statement
      if (!Array.isArray(values)) return client.execute(statement as InStatement)
      return executePipeline(send, pipelineUrl, sql, values)
    }
    return {
      execute: execute as Client["execute"],
      batch: (...a: Parameters<Client["batch"]>) => client.batch(...a),
      migrate: (statements) => client.migrate(statements),
      transaction: ((mode?: "write" | "read" | "deferred") => client.transaction(mode)) as Client["transaction"],
      executeMultiple: (sql) => client.executeMultiple(sql),
      sync: () => client.sync(),
      reconnect: () => client.reconnect(),
      close: () => client.close(),
      get closed() {
        return client.closed
      },
      protocol: client.protocol
    }
  }

  #dispatcher(origin: string): HttpClient {
    const existing = this.#dispatchers.get(origin)
    if (existing !== undefined) return existing
    const dispatcher = new HttpClient(origin, {
      keepAliveTimeout: CLIENT_KEEP_ALIVE_MS,
      keepAliveMaxTimeout: CLIENT_KEEP_ALIVE_MS,
      pipelining: 1
    })
    dispatcher.on("connect", () => {
      this.sockets++
      this.socketsOpen++
      this.#previousOnSocket = undefined
      this.listener.socketOpened(this)
    })
    dispatcher.on("disconnect", () => {
      this.socketsOpen--
      const idle = !this.#closing && this.inFlight === 0
      this.listener.socketClosed(this, idle, performance.now() - this.#lastResponseAt)
    })
    this.#dispatchers.set(origin, dispatcher)
    return dispatcher
  }

  async #fetch(request: Request): Promise<Response> {
    const hasBody = request.method !== "GET" && request.method !== "HEAD"
    const reply = await this.#send(
      new URL(request.url),
      request.method as Dispatcher.HttpMethod,
      Object.fromEntries(request.headers),
      hasBody ? Buffer.from(await request.arrayBuffer()) : null
    )
    const status = reply.status
    return new Response(NULL_BODY_STATUS.has(status) ? null : reply.body, { status, headers: reply.headers })
  }

  /** One HTTP request on this connection's socket, observed (timing, cold socket, purpose) and read whole. */
  async #send(
    url: URL,
    method: Dispatcher.HttpMethod,
    headers: Record<string, string>,
    body: Buffer | null
  ): Promise<HttpReply & { readonly headers: Array<[string, string]> }> {
    const dispatcher = this.#dispatcher(url.origin)
    const purpose = this.purpose
    const socketsBefore = this.sockets
    const previous = this.#previousOnSocket
    const start = performance.now()
    const sinceLastOperation = this.#lastOperationEnd === undefined ? undefined : start - this.#lastOperationEnd
    this.inFlight++
    this.requests++
    const observe = (ok: boolean) => {
      const end = performance.now()
      const cold = this.sockets > socketsBefore
      this.#lastResponseAt = end
      this.#previousOnSocket = purpose
      if (purpose === "operation") this.#lastOperationEnd = end
      this.listener.request({
        connection_id: this.id,
        purpose,
        cold,
        ms: end - start,
        ok,
        previous_on_socket: cold ? undefined : previous,
        since_last_operation_ms: sinceLastOperation
      })
    }
    try {
      // undici's own `request`, not its `fetch`: the body goes out as one buffer, with no second WHATWG fetch
      // around the one the libSQL client already made.
      const response = await dispatcher.request({ path: `${url.pathname}${url.search}`, method, headers, body })
      // The body is read here (replies are small JSON): the request is in flight, and timed, until its last byte,
      // so a socket closed mid-body counts as a broken request rather than an idle close.
      const replyBody = await response.body.arrayBuffer()
      observe(true)
      const replyHeaders: Array<[string, string]> = []
      for (const [name, value] of Object.entries(response.headers)) {
        if (Array.isArray(value)) for (const v of value) replyHeaders.push([name, v])
        else if (value !== undefined) replyHeaders.push([name, value])
      }
      const type = response.headers["content-type"]
      return {
        status: response.statusCode,
        contentType: typeof type === "string" ? type : undefined,
        body: replyBody,
        headers: replyHeaders
      }
    } catch (error) {
      this.broken = true
      observe(false)
      throw error
    } finally {
      this.inFlight--
    }
  }

  /** Closes the client and destroys its sockets (aborting any request still in flight). */
  async close(): Promise<void> {
    this.#closing = true
    this.client.close()
    await Promise.all([...this.#dispatchers.values()].map((d) => d.destroy().catch(() => undefined)))
  }
}
