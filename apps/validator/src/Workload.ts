import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Ref from "effect/Ref"
import { ApiClient } from "./ApiClient.js"
import * as MetricsSnapshot from "./MetricsSnapshot.js"
import * as SeedData from "./SeedData.js"
import { ApiGarbage } from "./ValidatorError.js"

/** Largest batch used to seed data (the API accepts up to 1000). */
export const SEED_CHUNK = 100
/** Concurrent DELETEs while cleaning up. */
export const CLEANUP_CONCURRENCY = 4

/** Reads and parses `GET /metrics`. */
export const readMetrics = (options: MetricsSnapshot.ParseOptions) =>
  Effect.gen(function* () {
    const api = yield* ApiClient
    const response = yield* api.json("GET", "/metrics")
    if (response.status !== 200)
      return yield* new ApiGarbage({
        endpoint: "GET /metrics",
        detail: `status ${response.status} ${errorCode(response.json)}`
      })
    return yield* Either.match(MetricsSnapshot.parse(response.json, options), {
      onLeft: Effect.fail,
      onRight: Effect.succeed
    })
  })

/** The API's error code and message, if the body is its error format. */
export const errorCode = (json: unknown): string => {
  const error =
    typeof json === "object" && json !== null
      ? (json as { error?: { code?: unknown; message?: unknown } }).error
      : undefined
  return error === undefined ? "" : `${String(error.code)}: ${String(error.message)}`.slice(0, 200)
}

/** Ids the validator created; deleted when the scope closes (unless data is kept). */
export interface Seeded {
  readonly prefix: string
  readonly add: (ids: ReadonlyArray<string>) => Effect.Effect<void>
  readonly count: Effect.Effect<number>
  readonly removed: Effect.Effect<number>
}

/**
 * A registry of seeded ids whose release deletes them all (`DELETE /episodes/:id`, a few at a time). A cleanup that
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
              .request("DELETE", `/episodes/${encodeURIComponent(id)}`)
              .pipe(Effect.tap((r) => (r.status < 300 ? Ref.update(removed, (n) => n + 1) : Effect.void))),
          { concurrency: CLEANUP_CONCURRENCY, discard: true }
        ).pipe(Effect.either)
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
 * Sends one batch and checks the answer stored every episode; returns the latency. A non-2xx answer is recorded
 * by the client's ledger (the `errors` criterion) and, while seeding, stops the run.
 */
export const storeBatch = (body: string, ids: ReadonlyArray<string>, seeded: Seeded, phase: "seeding" | "measuring") =>
  Effect.gen(function* () {
    const api = yield* ApiClient
    const response = yield* api.json("POST", "/episodes/batch", body)
    if (response.status >= 200 && response.status < 300) {
      const stored = (response.json as { stored?: unknown } | null)?.stored
      if (stored !== ids.length)
        return yield* new ApiGarbage({
          endpoint: "POST /episodes/batch",
          detail: `answered stored=${JSON.stringify(stored)} for ${ids.length} episodes`
        })
      yield* seeded.add(ids)
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
