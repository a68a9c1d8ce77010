/**
 * Socket bookkeeping for the network model: which sockets carried non-admin requests ("data sockets", the only
 * ones counted), whether a socket still owes its connect cost, requests in flight, and the idle timeout.
 */
import type { Socket } from "node:net"
import type { Counters } from "./stats.js"

interface SocketState {
  data: boolean
  inflight: number
  idleTimer: NodeJS.Timeout | undefined
  closed: boolean
}

type CloseReason = "client" | "idle" | "reset" | "stop"

export class SocketTracker {
  readonly #states = new Map<Socket, SocketState>()
  readonly #counters: Counters
  readonly #idleTimeoutMs: () => number

  constructor(counters: Counters, idleTimeoutMs: () => number) {
    this.#counters = counters
    this.#idleTimeoutMs = idleTimeoutMs
  }

  /** A new TCP connection; it is counted when its first non-admin request arrives. */
  accept(socket: Socket): void {
    const state: SocketState = { data: false, inflight: 0, idleTimer: undefined, closed: false }
    this.#states.set(socket, state)
    socket.on("close", () => this.#closed(socket, "client"))
    this.#armIdle(socket, state)
  }

  /**
   * A request started on the socket. Returns the connect cost owed: true for the first non-admin request of a
   * socket (its TCP + TLS handshake), false afterwards and for admin requests.
   */
  begin(socket: Socket, admin: boolean): boolean {
    const state = this.#states.get(socket)
    if (state === undefined) return false
    state.inflight++
    if (state.idleTimer !== undefined) clearTimeout(state.idleTimer)
    state.idleTimer = undefined
    if (admin || state.data) return false
    state.data = true
    this.#counters.value.sockets_accepted++
    this.#counters.value.sockets_open++
    return true
  }

  /** A request finished (response written or socket gone). */
  end(socket: Socket): void {
    const state = this.#states.get(socket)
    if (state === undefined) return
    state.inflight = Math.max(0, state.inflight - 1)
    if (state.inflight === 0) this.#armIdle(socket, state)
  }

  /** Destroys a socket now, counting why. */
  destroy(socket: Socket, reason: CloseReason): void {
    this.#closed(socket, reason)
    socket.destroy()
  }

  /** Destroys every data socket except `keep` (the one carrying an admin request); returns how many. */
  destroyDataSockets(reason: CloseReason, keep?: Socket): number {
    let count = 0
    for (const [socket, state] of [...this.#states]) {
      if (socket === keep || !state.data) continue
      this.destroy(socket, reason)
      count++
    }
    return count
  }

  /** Destroys every socket (on stop). */
  destroyAll(): void {
    for (const socket of [...this.#states.keys()]) this.destroy(socket, "stop")
  }

  #armIdle(socket: Socket, state: SocketState): void {
    const ms = this.#idleTimeoutMs()
    if (ms <= 0 || state.closed) return
    if (state.idleTimer !== undefined) clearTimeout(state.idleTimer)
    state.idleTimer = setTimeout(() => {
      state.idleTimer = undefined
      if (state.inflight === 0) this.destroy(socket, "idle")
    }, ms)
    state.idleTimer.unref()
  }

  #closed(socket: Socket, reason: CloseReason): void {
    const state = this.#states.get(socket)
    if (state === undefined || state.closed) return
    state.closed = true
    if (state.idleTimer !== undefined) clearTimeout(state.idleTimer)
    this.#states.delete(socket)
    if (!state.data) return
    const counters = this.#counters.value
    counters.sockets_open--
    counters.sockets_closed++
    if (reason === "idle") counters.sockets_closed_idle++
  }
}
