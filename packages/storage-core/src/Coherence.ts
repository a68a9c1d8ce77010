import type { Database } from "@memory-turso/pool"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Scope from "effect/Scope"

/**
 * Sends read-only statements in a request the caller makes anyway (e.g. a keep-alive ping that is due): their
 * results, or None when nothing could carry them now (the follower then sends its own request).
 */
export type Carrier = (
  statements: ReadonlyArray<Database.Statement>
) => Effect.Effect<Option.Option<ReadonlyArray<Database.ResultSet>>>

/**
 * Lets the follower's reads ride in pings sent anyway, while the scope lasts: at each ping `board` is asked for
 * statements, and `deliver` gets their results (None: they were not sent or not answered).
 */
export type Boarding = (passenger: {
  readonly board: () => ReadonlyArray<Database.Statement> | undefined
  readonly deliver: (results: Option.Option<ReadonlyArray<Database.ResultSet>>) => Effect.Effect<void>
}) => Effect.Effect<void, never, Scope.Scope>

/**
 * How the caches follow the change feed that every write appends to in the database (migration 7), so that other
 * processes' writes are seen: read every `intervalMs`; no cache hit when the feed has not been read for
 * `maxStalenessMs`; entries older than `retentionMs` and beyond the newest `maxEntries` trimmed every
 * `trimIntervalMs`. `boarding` and `carrier` let the reads ride in requests sent anyway (keep-alive pings going out,
 * or due).
 */
export interface CoherenceOptions {
  readonly intervalMs: number
  readonly maxStalenessMs: number
  readonly retentionMs: number
  readonly maxEntries: number
  readonly trimIntervalMs: number
  readonly carrier?: Carrier | undefined
  readonly boarding?: Boarding | undefined
}

/** The follower's figures (published under `/metrics` `cache`). */
export interface CoherenceStats {
  /** The last feed entry this process has applied. */
  readonly feed_position: number
  /** Milliseconds since the last successful feed read started (how stale a cache hit may be now). */
  readonly feed_lag_ms: number
  readonly feed_reads: number
  /** Of those, carried by a request sent anyway (a keep-alive ping): no round trip of their own. */
  readonly feed_reads_carried: number
  readonly feed_read_failures: number
  /** Feed entries applied. */
  readonly feed_entries: number
  /** Cached entries (records and query results) the feed dropped. */
  readonly feed_invalidations: number
  /** Times the caches were cleared because this process fell behind what the feed still holds. */
  readonly full_clears: number
  /** Reads that went to the database because the feed had not been read for `max_staleness_ms`. */
  readonly stale_bypasses: number
  readonly feed_trims: number
}

/** The coherence figures of caches that do not follow the change feed (caches off, or one process alone). */
export const notFollowing: CoherenceStats = {
  feed_position: 0,
  feed_lag_ms: 0,
  feed_reads: 0,
  feed_reads_carried: 0,
  feed_read_failures: 0,
  feed_entries: 0,
  feed_invalidations: 0,
  full_clears: 0,
  stale_bypasses: 0,
  feed_trims: 0
}
