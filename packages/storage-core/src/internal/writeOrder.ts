/** The writes in flight of one key, and what those that finished decided. */
interface Group {
  writers: number
  /** A delete or a failed write (its outcome perhaps unknown) finished: no later finisher may store its value. */
  poisoned: boolean
  /** The highest version stored by a finished writer of the group. */
  highest: number
}

/** What a write that committed does to the cache. */
export type AfterCommit = "store" | "drop" | "keep"

/**
 * Orders the write-through of concurrent writes of one key, so an older write's value never replaces a newer one.
 * Writes of a key that overlap in time form a group (from the first start to the last end). Within a group:
 * - a write that committed version v stores it, unless a finisher before it stored a higher version (then the
 *   cache keeps what it has) or the group is poisoned (then it drops the entry);
 * - a delete, or a write that failed or whose outcome is unknown, drops the entry and poisons the group: a write
 *   finishing after it cannot tell whether it committed before or after (a delete restarts versions at 1).
 * A write that overlapped nothing stores its value. The cache's own `supersedes` (version order) is the second
 * guard: a set never replaces a live entry of a higher version.
 */
export class WriteOrder {
  private readonly groups = new Map<string, Group>()

  /** A write or delete of `keys` starts. */
  begin(keys: Iterable<string>): void {
    for (const key of keys) {
      const group = this.groups.get(key)
      if (group === undefined) this.groups.set(key, { writers: 1, poisoned: false, highest: 0 })
      else group.writers++
    }
  }

  /** A write of `key` committed `version`: what to do with its value. Ends the write. */
  committed(key: string, version: number): AfterCommit {
    const group = this.end(key)
    if (group === undefined) return "store"
    if (group.poisoned) return "drop"
    if (version < group.highest) return "keep"
    group.highest = version
    return "store"
  }

  /** A delete of `key` finished, or a write of it failed (the entry is dropped). Ends the write. */
  dropped(key: string): void {
    const group = this.end(key)
    if (group !== undefined) group.poisoned = true
  }

  /**
   * Another write of `key` (or of every key, without one) was seen committing meanwhile, e.g. in the change feed:
   * the writes in flight of it drop the entry instead of storing their value.
   */
  interfere(key?: string): void {
    if (key === undefined) for (const group of this.groups.values()) group.poisoned = true
    else {
      const group = this.groups.get(key)
      if (group !== undefined) group.poisoned = true
    }
  }

  /** Keys with writes in flight (for tests: nothing leaks). */
  get size(): number {
    return this.groups.size
  }

  private end(key: string): Group | undefined {
    const group = this.groups.get(key)
    if (group === undefined) return undefined
    if (--group.writers === 0) this.groups.delete(key)
    return group
  }
}
