/** A /metrics body as the contract describes it. */
export const contractBody = (): Record<string, any> => ({
  cache: {
    enabled: true,
    hit_rate: 0.9,
    episode_hit_rate: 0.9,
    pattern_hit_rate: 0,
    query_hit_rate: 0,
    episode_hits: 9,
    episode_misses: 1
  },
  compression: { enabled: true, ratio: 0.3, savings: 0.7, bytes_in: 1000, bytes_out: 300 },
  pool: { enabled: true, active: 1, idle: 3, max: 4, utilization: 0.25, waiting: 0, timeouts: 0 },
  connection_pool: { enabled: true, active: 1, idle: 3, max: 4, utilization: 0.25, waiting: 0, timeouts: 0 },
  keepalive: {
    enabled: true,
    connections_created: 4,
    connections_refreshed: 1,
    stale_detected: 0,
    stale_rate: 0,
    avg_time_saved_ms: 3
  },
  prepared_statements: { enabled: false },
  requests: { "GET /health": { count: 3, errors: 1, client_errors: 0, p50_ms: 1, p95_ms: 2, p99_ms: 2 } },
  process: { rss_bytes: 100, heap_used_bytes: 50, uptime_s: 3 }
})
