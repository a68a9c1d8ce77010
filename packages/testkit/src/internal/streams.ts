/**
 * Streams and batons. A stream owns one connection and its stored SQL texts; each response hands out a new
 * single-use baton, and a stream that receives no request within the stream timeout is rolled back and closed.
 */
import { randomBytes } from "node:crypto"
import type { Connection, DatabaseHandle } from "./database.js"
import { HttpError } from "./errors.js"
import type { Counters } from "./stats.js"

/** One Hrana stream. */
export class Stream {
  readonly id: number
  readonly storedSql = new Map<number, string>()
  connection: Connection
  baton: string | undefined
  timer: NodeJS.Timeout | undefined
  closed = false

  constructor(id: number, connection: Connection) {
    this.id = id
    this.connection = connection
  }
}

/** Every open stream, addressed by baton. */
export class StreamRegistry {
  readonly #streams = new Map<number, Stream>()
  readonly #db: DatabaseHandle
  readonly #counters: Counters
  readonly #timeoutMs: () => number
  #nextId = 1

  constructor(db: DatabaseHandle, counters: Counters, timeoutMs: () => number) {
    this.#db = db
    this.#counters = counters
    this.#timeoutMs = timeoutMs
  }

  /** Opens a stream on a connection of its own. */
  open(): Stream {
    const stream = new Stream(this.#nextId++, this.#db.acquire())
    this.#streams.set(stream.id, stream)
    this.#counters.value.streams_opened++
    this.#counters.value.streams_open++
    return stream
  }

  /**
   * The stream a baton designates; the baton is used up. An unknown, stale or reused baton is an HTTP 400, as
   * sqld answers: the client then drops the stream.
   */
  take(baton: string): Stream {
    const id = Number(baton.split(".", 1)[0])
    const stream = Number.isSafeInteger(id) ? this.#streams.get(id) : undefined
    if (stream === undefined) {
      throw new HttpError(400, "STREAM_NOT_FOUND", "The stream of this baton was closed or has expired")
    }
    if (stream.baton === undefined || stream.baton !== baton) {
      throw new HttpError(400, "BATON_REUSED", "This baton was already used or is not the stream's latest baton")
    }
    stream.baton = undefined
    if (stream.timer !== undefined) clearTimeout(stream.timer)
    stream.timer = undefined
    return stream
  }

  /** A fresh baton for the stream's next request; the stream expires if that request does not come in time. */
  issue(stream: Stream): string {
    const baton = `${stream.id}.${randomBytes(18).toString("base64url")}`
    stream.baton = baton
    stream.timer = setTimeout(() => this.expire(stream), this.#timeoutMs())
    stream.timer.unref()
    return baton
  }

  /** A connection in autocommit state for the stream, in place of one that may hold a stale snapshot. */
  replaceConnection(stream: Stream): void {
    this.#db.release(stream.connection)
    stream.connection = this.#db.acquire()
  }

  /** Closes a stream: an open transaction is rolled back and the connection goes back to the database. */
  close(stream: Stream): void {
    if (stream.closed) return
    stream.closed = true
    stream.baton = undefined
    if (stream.timer !== undefined) clearTimeout(stream.timer)
    stream.timer = undefined
    this.#streams.delete(stream.id)
    this.#db.release(stream.connection)
    this.#counters.value.streams_closed++
    this.#counters.value.streams_open--
  }

  /** The stream timeout fired: roll back and close. */
  expire(stream: Stream): void {
    if (stream.closed || stream.baton === undefined) return
    this.#counters.value.streams_expired++
    this.close(stream)
  }

  /** Closes every stream (on stop). */
  closeAll(): void {
    for (const stream of [...this.#streams.values()]) this.close(stream)
  }
}
