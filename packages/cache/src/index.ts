export * as AdaptiveCache from "./AdaptiveCache.js"
export * as CacheConfig from "./CacheConfig.js"
export * as CacheStats from "./CacheStats.js"
