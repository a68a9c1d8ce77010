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
 * Reads and parses `GET /metrics`; with `previous`, also checks that the API did not restart since then (exit 3 if it
 * did: no delta across a restart means anything).
 */
export const readMetrics = (options: MetricsSnapshot.ParseOptions, previous?: MetricsSnapshot.MetricsSnapshot) =>
  Effect.gen(function* () {
    const api = yield* ApiClient
    const response = yield* api.json("GET", "/metrics")
    if (response.status !== 200)
      return yield* new ApiGarbage({
        endpoint: "GET /metrics",
        detail: `status ${response.status} ${errorCode(response.json)}`
      })
    const snapshot = yield* Either.match(MetricsSnapshot.parse(response.json, options), {
      onLeft: Effect.fail,
      onRight: Effect.succeed
    })
    if (previous !== undefined) yield* continuity(previous, snapshot)
    return snapshot
  })

/** The API's error code and message, if the body is its error format. */
export const errorCode = (json: unknown): string => {
  const error =
    typeof json === "object" && json !== null
      ? (json as { error?: { code?: unknown; message?: unknown } }).error
      : undefined
  return error === undefined ? "" : `${String(error.code)}: ${String(error.message)}`.slice(0, 200)
}

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
              .request("DELETE", `/episodes/${encodeURIComponent(id)}`, undefined, goneOrDeleted)
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
    for (let i = 0; i < episodes.length; i += SEED_CHUNK) {
      const chunk = episodes.slice(i, i + SEED_CHUNK)
      yield* storeBatch(
        JSON.stringify({ episodes: chunk }),
        chunk.map((e) => e.episode_id),
        seeded,
        "seeding"
      )
    }
  })

/**
 * Sends one batch and checks the answer stored every episode; returns the latency. The ids are registered for cleanup
 * before the batch is sent (an interrupted batch may still have been stored). A non-2xx answer is recorded by the
 * client's ledger (the `errors` criterion) and, while seeding, stops the run.
 */
export const storeBatch = (body: string, ids: ReadonlyArray<string>, seeded: Seeded, phase: "seeding" | "measuring") =>
  Effect.gen(function* () {
    const api = yield* ApiClient
    yield* seeded.add(ids)
    const response = yield* api.json("POST", "/episodes/batch", body)
    if (response.status >= 200 && response.status < 300) {
      const stored = (response.json as { stored?: unknown } | null)?.stored
      if (stored !== ids.length)
        return yield* new ApiGarbage({
          endpoint: "POST /episodes/batch",
          detail: `answered stored=${JSON.stringify(stored)} for ${ids.length} episodes`
        })
    } else if (phase === "seeding") {
      return yield* new ApiGarbage({
        endpoint: "POST /episodes/batch",
        detail: `the API refused the validator's seed data: status ${response.status} ${errorCode(response.json)}`
      })
    }
    return response.ms
  })

/** Reads one episode, checks a 2xx answer is that episode, and returns the latency. */
export const readEpisode = (id: string) =>
  Effect.gen(function* () {
    const api = yield* ApiClient
    const path = `/episodes/${encodeURIComponent(id)}`
    const response = yield* api.request("GET", path)
    if (response.status >= 200 && response.status < 300) {
      const got = yield* Effect.try({
        try: () => (JSON.parse(response.text) as { episode_id?: unknown }).episode_id,
        catch: () => new ApiGarbage({ endpoint: `GET ${path}`, detail: "the body is not JSON" })
      })
      if (got !== id)
        return yield* new ApiGarbage({ endpoint: `GET ${path}`, detail: `answered episode_id ${JSON.stringify(got)}` })
    }
    return response.ms
  })

/** Sends a GET `samples` times and returns each latency. */
export const timeGet = (path: string, samples: number) =>
  Effect.flatMap(ApiClient, (api) =>
    Effect.forEach(Array.from({ length: samples }), () => Effect.map(api.request("GET", path), (r) => r.ms))
  )

/** Episodes for one run: ids `<prefix>-<name>-<i>`, generated from the run id. */
export const episodes = (prefix: string, name: string, count: number): ReadonlyArray<SeedData.SeedEpisode> =>
  Array.from({ length: count }, (_, i) => SeedData.episode(prefix, `${prefix}-${name}-${i}`))
