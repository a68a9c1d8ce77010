import QuickLRU from "quick-lru"
import type { Stats } from "../CacheStats.js"
import type { Resolved } from "./options.js"

/** One cached value and its adaptive-TTL window. */
export interface Entry<V> {
  readonly value: V
  /** The key's weight and the value's. */
  readonly weight: number
  /** Stored at + maxTtl: however often it is read, the value is dead at and after this instant. */
  readonly deadline: number
  /** Current (adapted) TTL in ms. */
  ttl: number
  /** Start of the current window (load, set or hot promotion). */
  refreshedAt: number
  /** refreshedAt + ttl: the entry is dead at and after this instant. */
  expiresAt: number
  /** Reads within the current window. */
  reads: number
}

/**
 * The synchronous core: a quick-lru store sized so that `maxEntries` is a real maximum, the adaptive-TTL rules,
 * a bounded memory of adapted TTLs for keys that left the store, and the counters. Time is passed in by the caller.
 */
export class Store<K, V> {
  readonly lru: QuickLRU<K, Entry<V>>
  /** Adapted TTLs (different from the default) of keys no longer held, at most `maxEntries` of them. */
  readonly ttlMemory: QuickLRU<K, number>
  hits = 0
  misses = 0
  loads = 0
  loadFailures = 0
  evictions = 0
  expirations = 0
  invalidations = 0
  sweeps = 0
  oversized = 0
  entries = 0
  bytes = 0

  constructor(readonly options: Resolved<V, K>) {
    // quick-lru keeps two generations of up to maxSize entries each (at most 2 * maxSize - 1 together).
    const maxSize = Math.ceil(options.maxEntries / 2)
    this.lru = new QuickLRU<K, Entry<V>>({
      maxSize,
      onEviction: (key, entry) => {
        this.evictions++
        this.forget(entry)
        this.remember(key, entry.ttl)
      }
    })
    this.ttlMemory = new QuickLRU<K, number>({ maxSize })
  }

  /**
   * A read: the live entry (counted as a hit, possibly promoted) or undefined (counted as a miss unless
   * `countMiss` is false, for callers that fall back to a counted read).
   */
  read(key: K, now: number, countMiss = true): Entry<V> | undefined {
    const entry = this.lru.get(key)
    if (entry === undefined) {
      if (countMiss) this.misses++
      return undefined
    }
    if (now >= entry.expiresAt) {
      this.expire(key, entry)
      if (countMiss) this.misses++
      return undefined
    }
    this.hits++
    if (++entry.reads >= this.options.hotThreshold) {
      entry.ttl = this.clamp(entry.ttl * (1 + this.options.adaptationRate))
      if (now + entry.ttl < entry.deadline) {
        entry.refreshedAt = now
        entry.expiresAt = now + entry.ttl
        entry.reads = 0
      } else {
        // Capped by the deadline: the window runs until then and its reads keep counting (the entry was hot).
        entry.expiresAt = entry.deadline
      }
    }
    return entry
  }

  /** The live entry without counting a read or touching recency. */
  peekLive(key: K, now: number): Entry<V> | undefined {
    const entry = this.lru.peek(key)
    return entry !== undefined && now < entry.expiresAt ? entry : undefined
  }

  /**
   * Stores a value, unless a live entry supersedes it (see `Options.supersedes`); a live entry keeps its TTL,
   * otherwise the remembered or default TTL applies. The value lives at most `maxTtl` from now. True if stored.
   */
  fill(key: K, value: V, now: number): boolean {
    const supersedes = this.options.supersedes
    if (supersedes !== undefined) {
      const live = this.peekLive(key, now)
      if (live !== undefined && !supersedes(value, live.value)) {
        return false
      }
    }
    // Weigh first: if the user's weigh throws, nothing has changed yet.
    const weight = this.options.weighKey(key) + (this.options.weigh === undefined ? 0 : this.options.weigh(value))
    const previous = this.lru.peek(key)
    if (weight > this.options.maxEntryWeight) {
      // Too heavy to keep; an older value of the key must not outlive this one either.
      if (previous !== undefined) this.invalidate(key, now)
      this.oversized++
      return false
    }
    let ttl: number
    if (previous !== undefined && now < previous.expiresAt) {
      ttl = previous.ttl
      this.lru.delete(key)
      this.forget(previous)
    } else {
      if (previous !== undefined) this.expire(key, previous)
      ttl = this.ttlMemory.peek(key) ?? this.options.ttlMs
      this.ttlMemory.delete(key)
    }
    const deadline = now + this.options.maxTtlMs
    const entry: Entry<V> = { value, weight, deadline, ttl, refreshedAt: now, expiresAt: now + ttl, reads: 0 }
    // Deleted above, so quick-lru never keeps a stale copy of this key in its old generation.
    this.entries++
    this.bytes += weight
    this.lru.set(key, entry)
    return true
  }

  /** Removes one entry; true if a live one was removed (an expired one counts as an expiration). */
  invalidate(key: K, now: number): boolean {
    const entry = this.lru.peek(key)
    if (entry === undefined) return false
    if (now >= entry.expiresAt) {
      this.expire(key, entry)
      return false
    }
    this.lru.delete(key)
    this.forget(entry)
    this.invalidations++
    this.remember(key, entry.ttl)
    return true
  }

  /** Removes the entries whose key and value satisfy the predicate; returns how many live ones were removed. */
  invalidateWhere(predicate: (key: K, value: V) => boolean, now: number): number {
    const matching: Array<K> = []
    for (const [key, entry] of this.lru) if (predicate(key, entry.value)) matching.push(key)
    let removed = 0
    for (const key of matching) if (this.invalidate(key, now)) removed++
    return removed
  }

  /** Removes every entry (adapted TTLs are remembered); returns how many live ones were removed. */
  clear(now: number): number {
    return this.invalidateWhere(() => true, now)
  }

  /** Removes every expired entry; returns how many. */
  sweep(now: number): number {
    const expired: Array<[K, Entry<V>]> = []
    for (const pair of this.lru) if (now >= pair[1].expiresAt) expired.push(pair)
    for (const [key, entry] of expired) this.expire(key, entry)
    this.sweeps++
    return expired.length
  }

  stats(): Stats {
    const reads = this.hits + this.misses
    return {
      hits: this.hits,
      misses: this.misses,
      loads: this.loads,
      load_failures: this.loadFailures,
      evictions: this.evictions,
      expirations: this.expirations,
      invalidations: this.invalidations,
      sweeps: this.sweeps,
      hit_rate: reads === 0 ? 0 : this.hits / reads,
      entries: this.entries,
      approx_bytes: this.bytes,
      oversized: this.oversized
    }
  }

  /** Removes an expired entry and remembers its TTL, shrunk if it was cold in its last window. */
  private expire(key: K, entry: Entry<V>): void {
    this.lru.delete(key)
    this.forget(entry)
    this.expirations++
    const cold = entry.reads <= this.options.coldThreshold
    this.remember(key, cold ? this.clamp(entry.ttl * (1 - this.options.adaptationRate)) : entry.ttl)
  }

  private forget(entry: Entry<V>): void {
    this.entries--
    this.bytes -= entry.weight
  }

  private remember(key: K, ttl: number): void {
    // Delete first: quick-lru's set would leave a stale copy in its old generation.
    this.ttlMemory.delete(key)
    if (ttl !== this.options.ttlMs) this.ttlMemory.set(key, ttl)
  }

  private clamp(ttl: number): number {
    return Math.min(this.options.maxTtlMs, Math.max(this.options.minTtlMs, Math.round(ttl)))
  }
}
