/**
 * A listening socket that can stop accepting (connects are refused) and listen again on the same port, while the
 * connections it already accepted live on: they are handed to the HTTP server, which never listens itself.
 */
import { createServer, type Server, type Socket } from "node:net"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export class Listener {
  readonly #host: string
  readonly #onSocket: (socket: Socket) => void
  #server: Server | undefined
  #port = 0

  constructor(host: string, onSocket: (socket: Socket) => void) {
    this.#host = host
    this.#onSocket = onSocket
  }

  get listening(): boolean {
    return this.#server !== undefined
  }

  /** The bound port (after the first listen). */
  get port(): number {
    return this.#port
  }

  /**
   * Listens on `port` (0 picks a free one). Listening again on the port it had before retries briefly, while the
   * just-closed listening socket may still hold it.
   */
  async listen(port: number): Promise<number> {
    if (this.#server !== undefined) return this.#port
    const again = port !== 0 && port === this.#port
    for (let attempt = 0; ; attempt++) {
      const server = createServer(this.#onSocket)
      try {
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject)
          server.listen({ port, host: this.#host, exclusive: true }, () => {
            server.off("error", reject)
            resolve()
          })
        })
      } catch (error) {
        const code = (error as { code?: unknown }).code
        if (code === "EADDRINUSE" && again && attempt < 50) {
          await sleep(20)
          continue
        }
        throw error
      }
      const address = server.address()
      this.#port = typeof address === "object" && address !== null ? address.port : port
      this.#server = server
      return this.#port
    }
  }

  /** Stops accepting; connections already accepted stay open. */
  async close(): Promise<void> {
    const server = this.#server
    if (server === undefined) return
    this.#server = undefined
    await new Promise<void>((resolve) => {
      server.close()
      // The listening handle is released on the next turn of the loop; accepted connections do not hold it.
      setImmediate(resolve)
    })
  }
}
