import * as Effect from "effect/Effect"

/**
 * Lets the event loop run what is waiting (I/O, timers, other requests) before the fiber goes on. Effect's own
 * yields are microtasks, which let no I/O in; so long synchronous work (decoding a big body) calls this between
 * bounded slices, and other requests (`/livez` among them) are served meanwhile.
 */
export const yieldToEventLoop: Effect.Effect<void> = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})
