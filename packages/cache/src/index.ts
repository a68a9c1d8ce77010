export * as AdaptiveCache from "./AdaptiveCache.js"
export * as CacheOptions from "./CacheOptions.js"
export * as CacheStats from "./CacheStats.js"
