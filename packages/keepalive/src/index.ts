export * as KeepAlive from "./KeepAlive.js"
export * as KeepAliveConfig from "./KeepAliveConfig.js"
export type { KeepAliveStats } from "./KeepAliveStats.js"
