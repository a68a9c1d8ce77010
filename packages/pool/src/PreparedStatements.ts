/** What the embedded prepared-statement cache has done (snake_case, for /metrics `prepared_statements`). */
export interface PreparedStatementStats {
  /** Statements found already prepared. */
  readonly hits: number
  /** Statements that had to be prepared. */
  readonly misses: number
  /** `hits / (hits + misses)`, 0..1. */
  readonly hit_rate: number
  /** Mean time to prepare a statement on a miss, in microseconds. */
  readonly avg_prep_time_us: number
  /** Prepared statements held now, and at most. */
  readonly cached: number
  readonly capacity: number
  /** Least recently used statements dropped to stay within capacity. */
  readonly evictions: number
  /**
   * Times the whole cache was dropped because the schema may have changed (`CREATE` / `ALTER` / `DROP`, or
   * `executeMultiple`, `migrate`, a committed transaction with such a statement): cached readers keep the columns
   * they were prepared with.
   */
  readonly invalidations: number
}
