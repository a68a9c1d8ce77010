import type { Client, ResultSet } from "@libsql/client"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { Statement } from "../Database.js"

/** `SELECT 1` through `client`, bounded by `timeout`: true when it answered in time. The ping every pool uses. */
export const pingClient = (client: Client, timeout: Duration.DurationInput): Effect.Effect<boolean> =>
  Effect.tryPromise(() => client.execute("SELECT 1")).pipe(
    Effect.timeout(timeout),
    Effect.as(true),
    Effect.orElseSucceed(() => false)
  )

/**
 * A ping that carries read-only `statements` in place of `SELECT 1` (one batch, one request), bounded by `timeout`:
 * their results, or None when it failed or timed out.
 */
export const pingClientCarrying = (
  client: Client,
  statements: ReadonlyArray<Statement>,
  timeout: Duration.DurationInput
): Effect.Effect<Option.Option<ReadonlyArray<ResultSet>>> =>
  Effect.tryPromise(() =>
    client.batch(
      statements.map((s) => ({ sql: s.sql, args: [...s.args] })),
      "read"
    )
  ).pipe(Effect.timeout(timeout), Effect.option)
