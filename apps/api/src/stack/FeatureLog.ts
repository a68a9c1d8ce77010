import { CompressionSection, type MemoryStore } from "@memory-turso/store"
import * as Effect from "effect/Effect"
import * as LogLevel from "effect/LogLevel"
import type { AppConfig } from "../config/AppConfig.js"
import type { Level } from "../config/RustLog.js"

/** The Effect log level for a configured level name. */
export const logLevelOf = (level: Level): LogLevel.LogLevel =>
  ({
    error: LogLevel.Error,
    warn: LogLevel.Warning,
    info: LogLevel.Info,
    debug: LogLevel.Debug,
    trace: LogLevel.Trace
  })[level]

const onOff = (on: boolean, settings: string) => (on ? `enabled, ${settings}` : "disabled")

/** One start-up line per feature with its state and key settings, e.g. "cache: enabled, 10000 episodes, ttl 1800s". */
export const logFeatures = (config: AppConfig, status: MemoryStore.StoreStatus["Type"]) => {
  const { cache, compression, monitoring, retry, telemetry } = config
  const lines = [
    `database: ${config.database.url.startsWith("file:") ? "embedded" : "remote"}`,
    `compression: ${onOff(status.features.compression, `${compression.algorithm} level ${compression.level}, threshold ${compression.threshold_bytes} bytes, min savings ${compression.min_savings}, dictionary ${CompressionSection.usesDictionary(compression) ? `on (${compression.dictionary_samples} episodes, ${compression.dictionary_bytes} bytes, rebuilt past drift ${compression.dictionary_rebuild_drift}, swept every ${compression.dictionary_sweep_interval_secs}s)` : "off"}`)}`,
    `cache: ${onOff(status.features.cache, `${cache.max_episodes} episodes / ${cache.max_patterns} patterns / ${cache.max_query_results} queries, ttl ${cache.episode_ttl_secs}s/${cache.pattern_ttl_secs}s/${cache.query_ttl_secs}s within [${cache.min_ttl_secs}s, ${cache.max_ttl_secs}s]`)}`,
    `keep-alive: ${onOff(status.features.keepalive, `interval ${config.keepalive.interval_secs}s, stale after ${config.keepalive.stale_threshold_secs}s, ping timeout ${config.keepalive.ping_timeout_secs}s`)}`,
    `connection pool: max ${config.connection_pool.max_connections}, acquire timeout ${config.connection_pool.connection_timeout_secs}s, health checks ${config.connection_pool.enable_health_check ? `after ${config.connection_pool.health_check_idle_secs}s idle` : "off"}`,
    `prepared statements: ${onOff(status.features.prepared_statements, `cache of ${config.database.statement_cache_size}`)}`,
    `retry: up to ${retry.max_retries} retries, ${retry.retry_base_delay_ms}-${retry.retry_max_delay_ms} ms backoff`,
    `monitoring: ${onOff(monitoring.enabled, `summary every ${monitoring.metrics_interval_secs}s, level ${monitoring.log_level}`)}`,
    `telemetry: ${telemetry.otlp_endpoint === undefined ? "OTLP export off" : `OTLP/HTTP to ${telemetry.otlp_endpoint} every ${telemetry.export_interval_secs}s, sampling ${telemetry.sampling_ratio}, service ${telemetry.service_name}`}`
  ]
  return Effect.forEach(lines, (line) => Effect.logInfo(line), { discard: true })
}
