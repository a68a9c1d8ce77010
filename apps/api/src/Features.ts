/** Which optimizations this server really runs with. */
export interface Features {
  readonly keepalive: boolean
  readonly compression: boolean
  readonly cache: boolean
  /** The embedded prepared-statement cache (remote statements are cached per stream by the client). */
  readonly prepared_statements: boolean
  readonly batch_operations: true
}

/** The embedded default: no optional layer yet, batches always. */
export const baseline: Features = {
  keepalive: false,
  compression: false,
  cache: false,
  prepared_statements: false,
  batch_operations: true
}

/** "enabled" when any optional layer is active. */
export const optimizationsOf = (features: Features): "enabled" | "disabled" =>
  features.keepalive || features.compression || features.cache || features.prepared_statements ? "enabled" : "disabled"
