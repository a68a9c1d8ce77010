import { Database, type DatabaseFailure } from "@memory-turso/pool"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Replay from "./Replay.js"

/** How failed database calls are retried (the `[retry]` section). */
export interface RetryPolicy {
  readonly max_retries: number
  readonly retry_base_delay_ms: number
  readonly retry_max_delay_ms: number
}

/** What retrying has done. */
export interface RetryStats {
  readonly retries: number
  readonly recovered: number
  readonly gave_up: number
}

/** The statistics of the retry decorator. */
export class DatabaseRetry extends Context.Tag("@memory-turso/storage-core/DatabaseRetry")<
  DatabaseRetry,
  { readonly stats: () => RetryStats }
>() {}

/**
 * A failure worth trying again at once: unavailable (network, busy, closed), but not a full pool (`PoolTimeout`:
 * a retry would only queue again behind the same callers) nor a call past its deadline (the database is slow, and
 * the outcome of that call is unknown). Those two go straight back to the caller (the API answers 503 at once).
 */
export const isRetriable = (error: DatabaseFailure): boolean =>
  error._tag === "DatabaseUnavailable" && error.timeout === undefined && error.deadline === undefined

/**
 * Decorates `Database` so `execute` and `batch` calls that fail as retriable (see `isRetriable`) are tried
 * again up to `max_retries` times, after exponential delays from `retry_base_delay_ms` (doubling, jittered)
 * capped at `retry_max_delay_ms`. Statement errors are never retried, nor are interactive transactions. Only
 * calls safe to replay are retried (see `Replay.isReplayable`): reads, and writes marked with a `Replay` (guarded
 * by a version or an idempotency key). Any other write is sent once, since its reply may have been lost after it
 * committed and a second run could overwrite a newer write: its failure leaves the outcome unknown.
 */
export const layer = (policy: RetryPolicy) =>
  Layer.effectContext(
    Effect.gen(function* () {
      const db = yield* Database.Database
      let retries = 0
      let recovered = 0
      let gaveUp = 0
      const schedule = Schedule.exponential(Duration.millis(policy.retry_base_delay_ms)).pipe(
        Schedule.jittered,
        Schedule.modifyDelay((delay) => Duration.min(delay, Duration.millis(policy.retry_max_delay_ms))),
        Schedule.intersect(Schedule.recurs(policy.max_retries))
      )
      // The first attempt runs alone: the retry schedule is set up only once it has failed as retriable, then
      // replays that failure into `Effect.retry`, so the delays and counts are those of retrying from the start.
      const retrying = <A>(call: () => Effect.Effect<A, DatabaseFailure>) =>
        Effect.suspend(() => {
          let attempts = 0
          const attempt = Effect.suspend(() => {
            attempts++
            return call()
          }).pipe(
            // Counted here, not as schedule input: only failures that are really tried again are retries.
            Effect.tapError((error) =>
              Effect.sync(() => void (isRetriable(error) && attempts <= policy.max_retries && retries++))
            )
          )
          const again = (first: DatabaseFailure) => {
            let replayed = false
            const replaying = Effect.suspend(() => {
              if (replayed) return attempt
              replayed = true
              return Effect.fail(first)
            })
            return replaying.pipe(
              Effect.retry({ schedule, while: isRetriable }),
              Effect.tap(() => Effect.sync(() => void (attempts > 1 && recovered++))),
              Effect.tapError((error) =>
                Effect.sync(() => void (isRetriable(error) && attempts > policy.max_retries && gaveUp++))
              )
            )
          }
          return Effect.catchIf(attempt, isRetriable, again)
        })
      const retried = Database.Database.of({
        ...db,
        execute: (statement) =>
          Replay.isReplayable([statement])
            ? retrying(Replay.counting([statement], () => db.execute(statement)))
            : db.execute(statement),
        batch: (statements, mode) =>
          Replay.isReplayable(statements, mode)
            ? retrying(Replay.counting(statements, () => db.batch(statements, mode)))
            : db.batch(statements, mode)
      })
      const stats = () => ({ retries, recovered, gave_up: gaveUp })
      return Context.make(Database.Database, retried).pipe(Context.add(DatabaseRetry, DatabaseRetry.of({ stats })))
    })
  )
