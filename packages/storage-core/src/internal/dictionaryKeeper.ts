/**
 * Keeps this process's compression dictionary fit, in the background and never on a write's path: builds the first
 * one once `dictionary_samples` episodes are stored, builds a new one when the ratio of the latest episode writes
 * drifts `dictionary_rebuild_drift` above the ratio the current one reached on held-out episodes, and every
 * `dictionary_sweep_interval_secs` adopts a newer one another process built and removes those no row uses.
 */
import type { Codec } from "@memory-turso/compression"
import type { Database, DatabaseFailure } from "@memory-turso/pool"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import type { DictionaryInfo, DictionaryStats } from "../Storage.js"
import type { CompressionPolicy } from "../StorageConfig.js"
import type { DictionaryUnavailable } from "../StorageError.js"
import * as Dictionaries from "./dictionaries.js"
import { DICTIONARY_REMOVED, STORED, SWEEP } from "./dictionarySql.js"
import type { PayloadFormat, StoredPayload } from "./payload.js"
import { RatioWindow } from "./ratioWindow.js"

/** Most dictionaries one sweep removes (the rest wait for the next). */
export const SWEEP_LIMIT = 16

/** What storage asks of the keeper. */
export interface DictionaryKeeper {
  /** `format` with episode writes observed (their ratio, the drift check). */
  readonly observing: (format: PayloadFormat) => PayloadFormat
  /** Counts stored episodes towards the first build; wakes the builder when it is due. Never waits for it. */
  readonly afterEpisodeWrites: (written: number) => Effect.Effect<void>
  /** Builds a dictionary now (waiting for a build or sweep under way) and makes new writes use it. */
  readonly buildNow: Effect.Effect<DictionaryInfo, DictionaryUnavailable | DatabaseFailure>
  /** One sweep now: adopts a newer stored dictionary, removes unused ones; the ids removed. */
  readonly sweep: Effect.Effect<ReadonlyArray<number>, DatabaseFailure>
  /**
   * Runs `write` again, once, with the newest stored dictionary when the database refused it because its dictionary
   * was removed meanwhile (see `DICTIONARY_REMOVED`).
   */
  readonly retryRefused: <A, E extends { readonly _tag: string }, R>(
    write: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | DatabaseFailure, R>
  readonly stats: Effect.Effect<DictionaryStats>
}

const refused = (error: { readonly _tag: string }): boolean =>
  error._tag === "DatabaseError" &&
  ((error as { readonly message?: string }).message ?? "").includes(DICTIONARY_REMOVED)

/** Starts the keeper: registers the newest stored dictionary and forks its builder and sweeper into the scope. */
export const make = (
  db: Database.Database["Type"],
  codec: Codec.Codec["Type"],
  format: PayloadFormat,
  settings: CompressionPolicy
): Effect.Effect<DictionaryKeeper, DatabaseFailure, Scope.Scope> =>
  Effect.gen(function* () {
    const enabled = Dictionaries.usesDictionary(codec, settings)
    const window = new RatioWindow(settings.dictionary_drift_window)
    const lock = yield* Effect.makeSemaphore(1)
    const wake = yield* Queue.sliding<void>(1)
    const counts = { builds: 0, rebuilds: 0, failures: 0, removals: 0, stored: 0 }
    let current = 0
    let heldOutRatio = Number.NaN
    let rebuildWanted = false
    let due = settings.dictionary_samples

    /** New writes use `id`; the drift is measured afresh against `ratio` (NaN: the first full window sets it). */
    const adopt = (id: number, ratio: number) => {
      current = id
      heldOutRatio = ratio
      rebuildWanted = false
      window.clear()
    }

    const storedCount = Effect.map(db.execute({ sql: STORED, args: [] }), (result) => ({
      n: Number(result.rows[0]?.["n"] ?? 0),
      newest: Number(result.rows[0]?.["newest"] ?? 0)
    }))

    /** Makes new writes use the newest stored dictionary when it is newer than the current one. */
    const adoptNewest = Effect.gen(function* () {
      const newest = yield* Dictionaries.registerNewest(db, codec)
      if (newest.id === 0 || newest.id === current) return
      yield* Effect.orDie(codec.useDictionary(newest.id))
      adopt(newest.id, newest.heldOutRatio)
    })

    const build = (reason: "first" | "drift" | "asked") =>
      Effect.tap(Dictionaries.build(db, codec, format, settings), (built) =>
        Effect.sync(() => {
          counts.builds++
          counts.stored++
          if (reason === "drift") counts.rebuilds++
          adopt(built.info.dictionary_id, built.heldOutRatio)
        })
      )

    /** A build the keeper decided on: logged, never failing; after a failure, tried again `dictionary_samples` later. */
    const background = (reason: "first" | "drift") =>
      Effect.matchEffect(build(reason), {
        onFailure: (error) => {
          counts.failures++
          due = settings.dictionary_samples
          rebuildWanted = false
          window.clear()
          return Effect.logWarning(`compression dictionary not built: ${error.message}`)
        },
        onSuccess: ({ info, heldOutRatio }) =>
          Effect.logInfo(
            `compression dictionary ${info.dictionary_id} built (${reason}) from ${info.samples} episodes (${info.bytes} bytes), ${Number.isNaN(heldOutRatio) ? "no episodes left to hold out" : `held-out ratio ${heldOutRatio.toFixed(3)}`}`
          )
      })

    const maintain = Effect.suspend(() => {
      if (current === 0 && due <= 0) return background("first")
      if (rebuildWanted) return background("drift")
      return Effect.void
    })

    const sweep = lock.withPermits(1)(
      Effect.gen(function* () {
        if (enabled) yield* adoptNewest
        const before = yield* storedCount
        const result = yield* db.execute({ sql: SWEEP, args: [current, SWEEP_LIMIT] })
        const removed = result.rows.map((row) => Number(row["dictionary_id"]))
        counts.removals += removed.length
        counts.stored = before.n - removed.length
        if (removed.length > 0) yield* Effect.logInfo(`compression dictionaries removed (no row uses them): ${removed}`)
        return removed
      })
    )

    // Start: the newest stored dictionary for writes, or the count towards the first build.
    const start = yield* storedCount
    counts.stored = start.n
    if (enabled) {
      if (start.newest > 0) yield* adoptNewest
      if (current === 0) {
        const episodes = yield* db.execute({ sql: "SELECT count(*) AS n FROM episodes", args: [] })
        due -= Number(episodes.rows[0]?.["n"] ?? 0)
        if (due <= 0) yield* Queue.offer(wake, undefined)
      }
      yield* Effect.forkScoped(Effect.forever(Effect.zipRight(Queue.take(wake), lock.withPermits(1)(maintain))))
    }
    if (settings.dictionary_sweep_interval_secs > 0) {
      const interval = Duration.seconds(settings.dictionary_sweep_interval_secs)
      const sweepLogged = Effect.catchAllCause(sweep, (cause) =>
        Effect.logWarning("compression dictionary sweep failed", cause)
      )
      yield* Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sleep(interval), sweepLogged)))
    }

    const observe = (stored: StoredPayload) =>
      Effect.suspend(() => {
        // written plain (ratio 1) or with the current dictionary; not one replaced while it was being encoded
        if (current === 0 || (stored.dictionaryId !== 0 && stored.dictionaryId !== current)) return Effect.void
        window.add(
          stored.payloadBytes,
          typeof stored.payload === "string" ? stored.payloadBytes : stored.payload.length
        )
        if (!window.full || rebuildWanted) return Effect.void
        if (Number.isNaN(heldOutRatio)) heldOutRatio = window.ratio
        else if (window.ratio > heldOutRatio + settings.dictionary_rebuild_drift) {
          rebuildWanted = true
          return Queue.offer(wake, undefined)
        }
        return Effect.void
      })

    const keeper: DictionaryKeeper = {
      observing: (inner) =>
        enabled
          ? {
              ...inner,
              write: (kind, json) =>
                kind === "episodes" ? Effect.tap(inner.write(kind, json), observe) : inner.write(kind, json)
            }
          : inner,
      afterEpisodeWrites: (written) =>
        Effect.suspend(() => {
          if (!enabled || current !== 0 || due <= 0) return Effect.void
          due -= written
          return due <= 0 ? Queue.offer(wake, undefined) : Effect.void
        }),
      buildNow: lock.withPermits(1)(Effect.map(build("asked"), (built) => built.info)),
      sweep,
      retryRefused: (write) => Effect.catchIf(write, refused, () => Effect.zipRight(adoptNewest, write)),
      stats: Effect.sync(() => ({
        dictionaries_stored: counts.stored,
        dictionary_builds: counts.builds,
        dictionary_rebuilds: counts.rebuilds,
        dictionary_build_failures: counts.failures,
        dictionary_removals: counts.removals,
        dictionary_held_out_ratio: Number.isNaN(heldOutRatio) ? 0 : heldOutRatio,
        dictionary_recent_ratio: Number.isNaN(window.ratio) ? 0 : window.ratio
      }))
    }
    return keeper
  })
