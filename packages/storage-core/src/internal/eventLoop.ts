import * as Effect from "effect/Effect"

/**
 * Lets the event loop run what is waiting (I/O, timers) before the fiber goes on. Effect's own yields between
 * operations are microtasks, which let no I/O in; an embedded libSQL call runs in this thread too. So work that can
 * take long (a scan in chunks, decoding a page of documents) calls this between bounded pieces, and other requests
 * (`/livez` among them) are served meanwhile.
 */
export const yieldToEventLoop: Effect.Effect<void> = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

/**
 * Counts work done in a loop and says when to let the event loop in: after every `bytes` of payloads decoded or
 * `rows` rows, whichever comes first.
 */
export class Slices {
  private bytes = 0
  private rows = 0
  constructor(
    private readonly maxBytes: number,
    private readonly maxRows: number
  ) {}

  /** Records one piece of work; true when a slice is full (and starts the next). */
  done(bytes: number): boolean {
    this.bytes += bytes
    this.rows++
    if (this.bytes < this.maxBytes && this.rows < this.maxRows) return false
    this.bytes = 0
    this.rows = 0
    return true
  }
}

/**
 * A slice of decoding: 64 KiB of documents or 32 of them, a millisecond or two of work. Small, because the event
 * loop runs every request's waiting slice before it reads the sockets again: with a few heavy requests in flight,
 * a probe waits for one slice of each.
 */
export const decodeSlices = () => new Slices(64 * 1024, 32)
