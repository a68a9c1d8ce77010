/**
 * Pool exhaustion: 10x `max_connections` concurrent requests (reads and writes) against the test server with
 * 250 ms of latency per round trip, so most of them queue for a connection. Every request must end within the
 * acquire timeout (`connection_timeout_secs`) + 1 s, answered 2xx or a typed 503 `pool_timeout`: no other 5xx, no
 * request left without an answer.
 */
import type { Check } from "../Check.js"
import { type Answer, authorized, isSuccess, jsonRequest, send, statusLabel, typedErrorCode } from "../Http.js"
import { episodeInput, storeEpisodes } from "../Records.js"
import { bump, resultOf, tally } from "../Report.js"
import { withTestServer } from "../Stack.js"

const MAX_CONNECTIONS = 4
const ACQUIRE_TIMEOUT_S = 2
const REQUESTS = 10 * MAX_CONNECTIONS
const RTT_MS = 250
const LIMIT_MS = (ACQUIRE_TIMEOUT_S + 1) * 1000
/** An answer later than this is a hang. */
const HANG_MS = 30_000
const NAME = "pool exhaustion at 10x max_connections"

/** How an answer is counted: `200`, `503 pool_timeout`, `503 untyped`, `no answer (...)`. */
const outcome = (answer: Answer): string =>
  answer.status === null || isSuccess(answer)
    ? statusLabel(answer)
    : `${answer.status} ${typedErrorCode(answer) ?? "untyped"}`

export const poolExhaustionCheck: Check = {
  id: "pool",
  name: NAME,
  run: (context) =>
    withTestServer(context, async (server, start) => {
      // No cache (reads reach the pool) and no keep-alive pings (they would take connections too).
      const api = await start("pool", {
        connection_pool: { max_connections: MAX_CONNECTIONS, connection_timeout_secs: ACQUIRE_TIMEOUT_S },
        cache: { enabled: false },
        keepalive: { enabled: false }
      })
      const seeded = Array.from({ length: REQUESTS / 2 }, (_, i) => episodeInput(`p-${i}`, "pool record"))
      await storeEpisodes(api, seeded)
      server.configure({ rtt_ms: RTT_MS })
      const answers = await Promise.all(
        Array.from({ length: REQUESTS }, (_, i) =>
          i % 2 === 0
            ? send(api.url, {
                method: "GET",
                path: `/episodes/${seeded[i / 2]!.episode_id}`,
                headers: authorized(api.token),
                timeoutMs: HANG_MS
              })
            : send(api.url, {
                ...jsonRequest(api.token, "POST", "/episodes", episodeInput(`p-new-${i}`, "pool write")),
                timeoutMs: HANG_MS
              })
        )
      )
      server.configure({ rtt_ms: 0 })
      const outcomes = new Map<string, number>()
      for (const answer of answers) bump(outcomes, outcome(answer))
      const durations = answers.map((answer) => answer.answeredAt - answer.sentAt)
      const slowest = Math.max(...durations)
      const late = durations.filter((ms) => ms > LIMIT_MS).length
      const unanswered = answers.filter((answer) => answer.status === null).length
      const timeouts = answers.filter((answer) => answer.status === 503 && typedErrorCode(answer) === "pool_timeout")
      const withRetryAfter = timeouts.filter((answer) => answer.headers.get("retry-after") !== null).length
      const wrong = answers.filter((answer) => answer.status !== null && !isSuccess(answer)).length - timeouts.length
      const figures =
        `${REQUESTS} concurrent requests (max_connections ${MAX_CONNECTIONS}, acquire timeout ${ACQUIRE_TIMEOUT_S} s, ` +
        `rtt ${RTT_MS} ms): ${tally(outcomes)} (${withRetryAfter}/${timeouts.length} pool_timeout with ` +
        `Retry-After); slowest ${(slowest / 1000).toFixed(1)} s (limit ${(LIMIT_MS / 1000).toFixed(1)} s), ` +
        `${late} over it`
      return resultOf(NAME, figures, [
        [late > 0, `${late} requests ended after ${LIMIT_MS / 1000} s`],
        [unanswered > 0, `${unanswered} requests got no answer`],
        [wrong > 0, `${wrong} answers neither 2xx nor a typed 503 pool_timeout`],
        [timeouts.length === 0, "no pool_timeout answer (the pool was never exhausted)"]
      ])
    })
}
