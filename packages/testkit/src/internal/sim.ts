/**
 * The server: database, streams, network model, faults and counters behind one HTTP server, with a lifecycle
 * that can stop (as a killed server: sockets destroyed, open transactions lost) and start again on the same port
 * and database.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { Socket } from "node:net"
import { type AdminDeps, handleAdmin } from "./admin.js"
import { DatabaseHandle } from "./database.js"
import { FaultState } from "./faults.js"
import { writeJson } from "./http.js"
import { DEFAULT_CONFIG, type FaultSpec, parseConfigPatch, parseFault, type SimConfig } from "./input.js"
import { Listener } from "./listener.js"
import { handleData, type RouteDeps } from "./routes.js"
import { SocketTracker } from "./sockets.js"
import { Counters, type Stats } from "./stats.js"
import { StreamRegistry } from "./streams.js"

export interface SimOptions {
  readonly port?: number | undefined
  readonly host?: string | undefined
  readonly adminPort?: number | undefined
  readonly db?: string | undefined
  readonly authToken?: string | undefined
  readonly network?: Partial<SimConfig> | undefined
}

export class Sim {
  readonly host: string
  readonly counters = new Counters()
  readonly faults = new FaultState()
  readonly sockets: SocketTracker
  readonly db: DatabaseHandle
  readonly streams: StreamRegistry
  readonly #http: Server
  readonly #data: Listener
  readonly #admin: Listener | undefined
  readonly #adminSockets = new WeakSet<Socket>()
  readonly #routes: RouteDeps
  readonly #adminDeps: AdminDeps
  #config: SimConfig
  #port: number
  #adminPort: number
  #generation = 0
  #running = false
  #resumeTimer: NodeJS.Timeout | undefined

  constructor(options: SimOptions) {
    this.host = options.host ?? "127.0.0.1"
    this.#port = options.port ?? 0
    this.#adminPort = options.adminPort ?? 0
    this.#config = { ...DEFAULT_CONFIG, ...parseConfigPatch(options.network ?? {}) }
    this.sockets = new SocketTracker(this.counters, () => this.#config.idle_timeout_ms)
    this.db = new DatabaseHandle(options.db)
    this.streams = new StreamRegistry(this.db, this.counters, () => this.#config.stream_timeout_ms)
    this.#http = createServer((req, res) => this.#onRequest(req, res))
    this.#http.keepAliveTimeout = 0 // the idle timeout is the network model's, not Node's
    this.#http.requestTimeout = 0
    this.#data = new Listener(this.host, (socket) => this.#onSocket(socket, false))
    this.#admin =
      options.adminPort === undefined ? undefined : new Listener(this.host, (socket) => this.#onSocket(socket, true))
    const authToken = options.authToken
    this.#routes = {
      config: () => this.#config,
      counters: this.counters,
      faults: this.faults,
      sockets: this.sockets,
      pipeline: () => ({
        streams: this.streams,
        counters: this.counters,
        busyTimeoutMs: this.#config.busy_timeout_ms
      }),
      authToken: authToken === undefined || authToken === "" ? undefined : authToken,
      current: () => this.#generation
    }
    this.#adminDeps = {
      sockets: this.sockets,
      stats: () => this.stats(),
      resetStats: () => this.counters.reset(),
      config: () => this.config(),
      configure: (patch) => this.configure(patch),
      fault: (spec, origin) => this.fault(spec, origin)
    }
  }

  get port(): number {
    return this.#port
  }

  get adminPort(): number | undefined {
    return this.#admin === undefined ? undefined : this.#adminPort
  }

  get running(): boolean {
    return this.#running
  }

  get accepting(): boolean {
    return this.#data.listening
  }

  config(): SimConfig {
    return { ...this.#config }
  }

  stats(): Stats {
    return this.counters.snapshot()
  }

  configure(patch: unknown): SimConfig {
    this.#config = { ...this.#config, ...parseConfigPatch(patch) }
    return this.config()
  }

  /** Opens the database and listens (on the same ports as before after a stop). */
  async start(): Promise<void> {
    if (this.#running) return
    this.db.open()
    try {
      this.#port = await this.#data.listen(this.#port)
      if (this.#admin !== undefined) this.#adminPort = await this.#admin.listen(this.#adminPort)
    } catch (error) {
      await this.#data.close()
      this.db.close()
      throw error
    }
    this.#running = true
  }

  /** Stops like a killed server: no more connects, every socket destroyed, open transactions rolled back. */
  async stop(): Promise<void> {
    if (!this.#running) return
    this.#running = false
    this.#generation++
    if (this.#resumeTimer !== undefined) clearTimeout(this.#resumeTimer)
    this.#resumeTimer = undefined
    await this.#data.close()
    await this.#admin?.close()
    this.sockets.destroyAll()
    this.faults.clear()
    this.faults.releaseStalls()
    this.streams.closeAll()
    this.db.close()
  }

  /** Applies a fault now (validated first). */
  async fault(input: unknown, origin?: Socket): Promise<void> {
    const spec: FaultSpec = parseFault(input)
    const injected = this.counters.value.faults_injected
    switch (spec.kind) {
      case "fail":
        this.faults.setFail(spec.count ?? 1, spec.status ?? 503, spec.message ?? "Service unavailable (injected fault)")
        return
      case "reset":
        if (spec.count === undefined) injected.reset += this.sockets.destroyDataSockets("reset", origin)
        else this.faults.setReset(spec.count, spec.after_execute ?? false)
        return
      case "stall":
        this.faults.setStall(spec.count ?? 1, spec.ms)
        return
      case "stop_accepting":
        if (this.#running && this.#data.listening) {
          await this.#data.close()
          injected.stop_accepting++
        }
        if (spec.ms !== undefined && this.#running) {
          if (this.#resumeTimer !== undefined) clearTimeout(this.#resumeTimer)
          this.#resumeTimer = setTimeout(() => void this.fault({ kind: "resume" }).catch(() => undefined), spec.ms)
        }
        return
      case "resume":
        if (this.#resumeTimer !== undefined) clearTimeout(this.#resumeTimer)
        this.#resumeTimer = undefined
        this.faults.releaseStalls()
        if (this.#running) await this.#data.listen(this.#port)
        return
      case "clear":
        this.faults.clear()
        return
    }
  }

  #onSocket(socket: Socket, admin: boolean): void {
    if (!this.#running) {
      socket.destroy()
      return
    }
    if (admin) this.#adminSockets.add(socket)
    this.sockets.accept(socket)
    this.#http.emit("connection", socket)
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket
    const isAdminPath = (req.url ?? "").startsWith("/_sim/")
    const done = (error: unknown) => {
      if (!res.headersSent) writeJson(res, 500, { message: String(error), code: "INTERNAL_ERROR" })
    }
    if (isAdminPath) {
      handleAdmin(this.#adminDeps, req, res, socket).catch(done)
    } else if (this.#adminSockets.has(socket)) {
      writeJson(res, 404, { code: "NOT_FOUND", message: "The admin port serves /_sim/ routes only" })
    } else {
      handleData(this.#routes, req, res, socket).catch(done)
    }
  }
}
