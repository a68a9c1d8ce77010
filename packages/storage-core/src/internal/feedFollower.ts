import type { Database, DatabaseFailure } from "@memory-turso/pool"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { type CoherenceOptions, type CoherenceStats, notFollowing } from "../Coherence.js"
import * as ChangeFeed from "./changeFeedSql.js"

/** Entries read per request; a longer backlog is read in further requests at once. */
export const FEED_PAGE = 1000

/** What the follower does to the caches: drop what entries name; clear everything. */
export interface FeedSink {
  /** Applies entries in feed order; returns how many cached entries they dropped. */
  readonly apply: (entries: ReadonlyArray<ChangeFeed.FeedEntry>) => Effect.Effect<number>
  readonly clear: Effect.Effect<void>
}

/**
 * Follows the change feed for the caches of this process: reads the entries after its position every `intervalMs`
 * (in a keep-alive ping when one goes out: `boarding`, or is due: `carrier`), hands them to `sink`, and clears the caches when the feed was trimmed past its
 * position. `fresh()` says whether a cache hit may be served: only while the last successful read started less than
 * `maxStalenessMs` ago. Trims the feed every `trimIntervalMs`.
 */
export const makeFollower = (db: Database.Database["Type"], options: CoherenceOptions, sink: FeedSink) =>
  Effect.gen(function* () {
    const clock = yield* Effect.clock
    const head = yield* db.execute(ChangeFeed.HEAD)
    // the counters (position and lag are kept apart, below)
    const { feed_position: _position, feed_lag_ms: _lag, ...zero } = notFollowing
    const counts: { -readonly [K in keyof typeof zero]: number } = { ...zero }
    let position = Number(head.rows[0]?.["head"] ?? 0)
    // Caches start empty: they agree with the database as of now.
    let lastReadAt = clock.unsafeCurrentTimeMillis()

    const fetchPage = (statement: Database.Statement) =>
      Effect.gen(function* () {
        const carried = options.carrier === undefined ? Option.none() : yield* options.carrier([statement])
        counts.feed_reads++
        if (Option.isSome(carried)) {
          counts.feed_reads_carried++
          return ChangeFeed.pageOf(carried.value[0]?.rows ?? [])
        }
        const [result] = yield* db.batch([statement], "read")
        return ChangeFeed.pageOf(result?.rows ?? [])
      })

    /** Applies one page read after `from`: clears everything when the feed was trimmed past it. Whether it was full. */
    const applyPage = (from: number, page: ChangeFeed.FeedPage) =>
      Effect.gen(function* () {
        if (page.trimmedThrough > position) {
          counts.full_clears++
          yield* Effect.logWarning(
            `cache coherence: fell behind the change feed (at ${position}, trimmed through ${page.trimmedThrough}); ` +
              "caches cleared"
          )
          yield* sink.clear
          position = page.trimmedThrough
        }
        // a page read before another read moved the position holds entries applied already
        const entries = from === position ? page.entries : page.entries.filter((e) => e.seq > position)
        if (entries.length > 0) {
          counts.feed_invalidations += yield* sink.apply(entries)
          counts.feed_entries += entries.length
          position = entries[entries.length - 1]!.seq
        }
        return page.entries.length === FEED_PAGE
      })

    // One read at a time: each moves the position.
    const lock = yield* Effect.makeSemaphore(1)
    /** When the last read was sent (by this process or in a ping); a read carried by a ping not answered yet. */
    let lastAttemptAt = lastReadAt
    let boarded: { readonly at: number; readonly from: number } | undefined

    /** Reads pages after the position until one is not full; the caches then agree as of `startedAt`. */
    const readFrom = (startedAt: number) =>
      Effect.gen(function* () {
        while (yield* applyPage(position, yield* fetchPage(ChangeFeed.read(position, FEED_PAGE)))) {}
        lastReadAt = Math.max(lastReadAt, startedAt)
      })

    /** Reads and applies everything after the position; on success the caches agree as of its start. */
    const readNow: Effect.Effect<number, DatabaseFailure> = lock.withPermits(1)(
      Effect.gen(function* () {
        const startedAt = yield* Clock.currentTimeMillis
        const before = counts.feed_entries
        lastAttemptAt = startedAt
        yield* readFrom(startedAt)
        return counts.feed_entries - before
      })
    )

    /** A read riding in a ping: boards when half an interval passed since the last read went out. */
    const passenger = {
      board: () => {
        const now = clock.unsafeCurrentTimeMillis()
        if (boarded !== undefined || now - lastAttemptAt < options.intervalMs / 2) return undefined
        boarded = { at: now, from: position }
        lastAttemptAt = now
        return [ChangeFeed.read(position, FEED_PAGE)]
      },
      deliver: (results: Option.Option<ReadonlyArray<Database.ResultSet>>) =>
        lock.withPermits(1)(
          Effect.gen(function* () {
            const ride = boarded
            boarded = undefined
            if (ride === undefined) return
            if (Option.isNone(results)) {
              lastAttemptAt = 0 // not read: the loop reads at its next turn
              return
            }
            counts.feed_reads++
            counts.feed_reads_carried++
            const full = yield* applyPage(ride.from, ChangeFeed.pageOf(results.value[0]?.rows ?? []))
            if (full) yield* readFrom(ride.at)
            else lastReadAt = Math.max(lastReadAt, ride.at)
          }).pipe(
            Effect.catchAll((error) =>
              Effect.zipRight(
                Effect.sync(() => counts.feed_read_failures++),
                Effect.logDebug(`cache coherence: feed read failed (${error.message})`)
              )
            )
          )
        )
    }
    if (options.boarding !== undefined) yield* options.boarding(passenger)

    /** The loop's turn: a read unless one went out (here or in a ping) less than an interval ago. */
    const turn = Effect.suspend(() => {
      const now = clock.unsafeCurrentTimeMillis()
      // a ride never delivered (its ping's fiber ended) does not hold the loop up past the staleness bound
      if (boarded !== undefined && now - boarded.at > options.maxStalenessMs) boarded = undefined
      return boarded === undefined && now - lastAttemptAt >= options.intervalMs ? readNow : Effect.void
    })
    const follow = turn.pipe(
      Effect.catchAll((error) =>
        Effect.zipRight(
          Effect.sync(() => counts.feed_read_failures++),
          Effect.logDebug(`cache coherence: feed read failed (${error.message})`)
        )
      ),
      Effect.withSpan("CachedStorage.followFeed")
    )

    const trimNow = Effect.gen(function* () {
      yield* db.batch(ChangeFeed.trim(options.retentionMs, options.maxEntries), "write")
      counts.feed_trims++
    })

    // Wakes when an interval has passed since the last read went out (a read carried by a ping moves it).
    const nextTurn = Effect.suspend(() =>
      Effect.sleep(
        Duration.millis(
          boarded !== undefined
            ? options.intervalMs
            : Math.max(1, lastAttemptAt + options.intervalMs - clock.unsafeCurrentTimeMillis())
        )
      )
    )
    yield* Effect.forkScoped(Effect.forever(Effect.zipRight(nextTurn, follow)))
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.zipRight(
          Effect.sleep(Duration.millis(options.trimIntervalMs)),
          trimNow.pipe(Effect.catchAll((error) => Effect.logWarning(`change feed not trimmed: ${error.message}`)))
        )
      )
    )

    return {
      /** Whether cache hits may be served now; counts a bypass when not. */
      fresh: (): boolean => {
        if (clock.unsafeCurrentTimeMillis() - lastReadAt <= options.maxStalenessMs) return true
        counts.stale_bypasses++
        return false
      },
      /** Whether cache hits may be served now, without counting. */
      isFresh: (): boolean => clock.unsafeCurrentTimeMillis() - lastReadAt <= options.maxStalenessMs,
      readNow,
      trimNow,
      stats: (): CoherenceStats => ({
        feed_position: position,
        feed_lag_ms: Math.max(0, clock.unsafeCurrentTimeMillis() - lastReadAt),
        ...counts
      })
    }
  })

/** A follower (see `makeFollower`). */
export type Follower = Effect.Effect.Success<ReturnType<typeof makeFollower>>
