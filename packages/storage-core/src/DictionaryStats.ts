/** A dictionary stored in `compression_dictionaries`. */
export interface DictionaryInfo {
  readonly dictionary_id: number
  /** Its size in bytes. */
  readonly bytes: number
  /** How many episodes it was built from. */
  readonly samples: number
  readonly created_at: number
}

/** The dictionary keeper's figures, published under /metrics `compression`. */
export interface DictionaryStats {
  /** Dictionaries stored in the database (as of the last build or sweep of this process). */
  readonly dictionaries_stored: number
  /** Dictionaries this process built: the first one, on demand and on drift. */
  readonly dictionary_builds: number
  /** Of those, built because the ratio drifted. */
  readonly dictionary_rebuilds: number
  readonly dictionary_build_failures: number
  /** Dictionaries this process's sweeps removed because no row used them. */
  readonly dictionary_removals: number
  /** The ratio the current dictionary reached on held-out episodes when it was built (0: none). */
  readonly dictionary_held_out_ratio: number
  /** The ratio of the latest episode writes with the current dictionary (0: none yet). */
  readonly dictionary_recent_ratio: number
}
