import type { ApiError, CallOptions, MemoryClient } from "@memory-turso/client"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import { ApiClient } from "./ApiClient.js"
import * as MetricsSnapshot from "./MetricsSnapshot.js"
import { continuity } from "./Observations.js"
import * as SeedData from "./SeedData.js"
import { ApiGarbage } from "./ValidatorError.js"

/** Largest batch used to seed data (the API accepts up to 1000). */
export const SEED_CHUNK = 100
/** Concurrent DELETEs while cleaning up. */
export const CLEANUP_CONCURRENCY = 4
/**
 * Reads of each seeded item in `run`'s hit-rate phase (the first is the single read). A cache that keeps what was read
 * misses each item once and hits the rest: a hit rate of (10 - 1) / 10 = 0.9; a write-through cache hits all 10.
 */
export const READS_PER_ITEM = 10

/**
 * Reads `GET /metrics` through the client (decoded with the model's `Metrics`, or `PartialMetrics` when missing
 * sections are allowed); with `previous`, also checks that the API did not restart since then (exit 3 if it did: no
 * delta across a restart means anything).
 */
export const readMetrics = (options: MetricsSnapshot.ReadOptions, previous?: MetricsSnapshot.MetricsSnapshot) =>
  Effect.gen(function* () {
    const api = yield* ApiClient
    const answer = yield* api.call((client, call) =>
      options.allowMissingSections ? client.metrics({ ...call, allowMissingSections: true }) : client.metrics(call)
    )
    if (Either.isLeft(answer.value))
      return yield* new ApiGarbage({
        endpoint: "GET /metrics",
        detail: `status ${answer.status} ${errorText(answer.value.left)}`
      })
    const snapshot = MetricsSnapshot.fromMetrics(answer.value.right)
    if (previous !== undefined) yield* continuity(previous, snapshot)
    return snapshot
  })

/** The API's error code and message. */
export const errorText = (error: ApiError): string => `${error.code}: ${error.message}`.slice(0, 200)

/**
 * Ids the validator sent for storing; deleted when the scope closes (unless data is kept). Ids are registered before
 * their batch is sent, so an interrupted or failed batch is cleaned up too.
 */
export interface Seeded {
  readonly prefix: string
  readonly add: (ids: ReadonlyArray<string>) => Effect.Effect<void>
  /** Ids registered (sent for storing). */
  readonly count: Effect.Effect<number>
  /** Ids the cleanup confirmed gone: deleted (2xx) or already absent (404). */
  readonly removed: Effect.Effect<number>
}

/**
 * A registry of seeded ids whose release deletes them all (`DELETE /episodes/:id`, a few at a time). A 404 means the
 * episode was never stored (its batch was interrupted or refused) or is already gone: not an error. A cleanup that
 * cannot reach the API stops with a warning on stderr instead of failing the run.
 */
export const seededRegistry = (prefix: string, keepData: boolean) =>
  Effect.gen(function* () {
    const api = yield* ApiClient
    const ids = yield* Ref.make<ReadonlyArray<string>>([])
    const removed = yield* Ref.make(0)
    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        const all = yield* Ref.get(ids)
        if (all.length === 0) return
        if (keepData) {
          yield* Console.error(`kept ${all.length} seeded episodes (ids start with ${prefix})`)
          return
        }
        const outcome = yield* Effect.forEach(
          all,
          (id) =>
            api
              .call((client, call) => client.episodes.delete(id, call), goneOrDeleted)
              .pipe(Effect.tap((r) => (goneOrDeleted(r.status) ? Ref.update(removed, (n) => n + 1) : Effect.void))),
          { concurrency: CLEANUP_CONCURRENCY, discard: true }
        ).pipe(
          // Finalizers run uninterruptibly (and after SIGINT this fiber is being interrupted): the DELETEs run in a
          // fiber of their own, interruptible, so --timeout-ms can still cut a request the API never answers.
          Effect.interruptible,
          Effect.forkDaemon,
          Effect.flatMap(Fiber.join),
          Effect.either
        )
        if (outcome._tag === "Left")
          yield* Console.error(`warning: cleanup stopped (${outcome.left.message}); ids start with ${prefix}`)
      })
    )
    return {
      prefix,
      add: (more: ReadonlyArray<string>) => Ref.update(ids, (all) => [...all, ...more]),
      count: Effect.map(Ref.get(ids), (all) => all.length),
      removed: Ref.get(removed)
    } satisfies Seeded
  })

const goneOrDeleted = (status: number) => (status >= 200 && status < 300) || status === 404

/** Stores episodes with `POST /episodes/batch` in chunks (not timed); any non-2xx answer stops the run. */
export const seed = (seeded: Seeded, episodes: ReadonlyArray<SeedData.SeedEpisode>) =>
  Effect.gen(function* () {
    for (let i = 0; i < episodes.length; i += SEED_CHUNK)
      yield* storeBatch(episodes.slice(i, i + SEED_CHUNK), seeded, "seeding")
  })

/**
 * Sends one batch and checks the answer stored every episode; returns the latency. The ids are registered for cleanup
 * before the batch is sent (an interrupted batch may still have been stored). A non-2xx answer is recorded by the
 * client's ledger (the `errors` criterion) and, while seeding, stops the run.
 */
export const storeBatch = (
  episodes: ReadonlyArray<SeedData.SeedEpisode>,
  seeded: Seeded,
  phase: "seeding" | "measuring"
) =>
  Effect.gen(function* () {
    const api = yield* ApiClient
    yield* seeded.add(episodes.map((e) => e.episode_id))
    const answer = yield* api.call((client, call) => client.episodes.putMany(episodes, call))
    if (Either.isRight(answer.value)) {
      const { stored } = answer.value.right
      if (stored !== episodes.length)
        return yield* new ApiGarbage({
          endpoint: "POST /episodes/batch",
          detail: `answered stored=${stored} for ${episodes.length} episodes`
        })
    } else if (phase === "seeding") {
      return yield* new ApiGarbage({
        endpoint: "POST /episodes/batch",
        detail: `the API refused the validator's seed data: status ${answer.status} ${errorText(answer.value.left)}`
      })
    }
    return answer.ms
  })

/** Reads one episode, checks a 2xx answer is that episode, and returns the latency. */
export const readEpisode = (id: string) =>
  Effect.gen(function* () {
    const api = yield* ApiClient
    const answer = yield* api.call((client, call) => client.episodes.get(id, call))
    if (Either.isRight(answer.value) && answer.value.right.episode_id !== id)
      return yield* new ApiGarbage({
        endpoint: `GET /episodes/${encodeURIComponent(id)}`,
        detail: `answered episode_id ${JSON.stringify(answer.value.right.episode_id)}`
      })
    return answer.ms
  })

/** Makes a call `samples` times and returns each latency (`/health`, `/db-health`). */
export const timeCalls = <A>(samples: number, send: (client: MemoryClient, call: CallOptions) => Promise<A>) =>
  Effect.flatMap(ApiClient, (api) =>
    Effect.forEach(Array.from({ length: samples }), () => Effect.map(api.call(send), (answer) => answer.ms))
  )

/** Episodes for one run: ids `<prefix>-<name>-<i>`, generated from the run id. */
export const episodes = (prefix: string, name: string, count: number): ReadonlyArray<SeedData.SeedEpisode> =>
  Array.from({ length: count }, (_, i) => SeedData.episode(prefix, `${prefix}-${name}-${i}`))
