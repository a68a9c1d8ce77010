import type { Client } from "@libsql/client"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"

/** `SELECT 1` through `client`, bounded by `timeout`: true when it answered in time. The ping every pool uses. */
export const pingClient = (client: Client, timeout: Duration.DurationInput): Effect.Effect<boolean> =>
  Effect.tryPromise(() => client.execute("SELECT 1")).pipe(
    Effect.timeout(timeout),
    Effect.as(true),
    Effect.orElseSucceed(() => false)
  )
