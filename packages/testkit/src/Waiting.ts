import * as Effect from "effect/Effect"

/**
 * Polls in real time until `check` holds, for effects a server or the sockets apply on their own timers (closing
 * an idle socket, say). Fails after `timeoutMs`.
 */
export const eventually = (check: () => boolean, timeoutMs = 15_000): Effect.Effect<void> =>
  Effect.promise(async () => {
    const end = Date.now() + timeoutMs
    while (!check()) {
      if (Date.now() > end) throw new Error("Condition not reached in time")
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  })

/** Real-time sleep, for tests on real sockets. */
export const sleep = (ms: number): Effect.Effect<void> =>
  Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, ms)))
