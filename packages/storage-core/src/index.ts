export { AdaptiveCache, CacheConfig } from "@memory-turso/cache"
export { Codec, CompressionConfig } from "@memory-turso/compression"
export { KeepAlive, KeepAliveConfig, type KeepAliveStats } from "@memory-turso/keepalive"
export type { DatabaseFailure } from "@memory-turso/pool"
export {
  ConnectionPool,
  Database,
  DatabaseConfig,
  DatabaseError,
  DatabaseUnavailable,
  MissingAuthToken,
  Pool,
  PoolConfig,
  PoolTimeout
} from "@memory-turso/pool"
export * as CachedStorage from "./CachedStorage.js"
export * as CanonicalJson from "./CanonicalJson.js"
export * as DatabaseRetry from "./DatabaseRetry.js"
export * as Migrations from "./Migrations.js"
export * from "./model/CatalogQuery.js"
export * from "./model/Embedding.js"
export * from "./model/Episode.js"
export * from "./model/EpisodeQuery.js"
export * from "./model/Heuristic.js"
export * from "./model/Identifier.js"
export * from "./model/JsonValue.js"
export * from "./model/Namespace.js"
export * from "./model/Pattern.js"
export * from "./model/Timestamp.js"
export * as Storage from "./Storage.js"
export * from "./StorageError.js"
