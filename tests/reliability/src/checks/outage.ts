/**
 * Database down for 5 s under write load: the test server is stopped as a killed server would be (connects
 * refused, sockets destroyed) while writers keep writing, then started again on the same database.
 * - every write acknowledged before, during or after is present afterwards, byte-identical (read back through a
 *   freshly started API, so nothing comes from a cache);
 * - answers during the outage are 503 with `Retry-After`;
 * - the service recovers within 1 s of the database returning (first acknowledged write after it).
 */
import { setTimeout as sleep } from "node:timers/promises"
import type { Check } from "../Check.js"
import { isSuccess, statusLabel, typedErrorCode } from "../Http.js"
import { canonical, clientOf, episodeOf, readEpisodes } from "../Records.js"
import { bump, examples, resultOf, tally } from "../Report.js"
import { withTestServer } from "../Stack.js"
import { startWriteLoad, type Write, waitUntil } from "../WriteLoad.js"

const WRITERS = 8
const BEFORE_MS = 1500
const OUTAGE_MS = 5000
const AFTER_MS = 1500
const RECOVERY_LIMIT_MS = 1000

const NAME = "database down 5 s under write load"

/** How the writes fell around the outage, and what the read-back found. */
const evaluate = (writes: ReadonlyArray<Write>, downAt: number, upAt: number) => {
  const acknowledged = writes.filter(({ answer }) => isSuccess(answer))
  const phase = (at: number) => (at <= downAt ? "before" : at <= upAt ? "during" : "after")
  const phases = new Map<string, number>([
    ["before", 0],
    ["during", 0],
    ["after", 0]
  ])
  for (const { answer } of acknowledged) bump(phases, phase(answer.answeredAt))
  const during = writes.filter(({ answer }) => phase(answer.answeredAt) === "during")
  const statuses = new Map<string, number>()
  for (const { answer } of during) bump(statuses, statusLabel(answer))
  const unavailable = during.filter(({ answer }) => answer.status === 503)
  const withRetryAfter = unavailable.filter(({ answer }) => answer.headers.get("retry-after") !== null)
  const untyped = unavailable.filter(({ answer }) => typedErrorCode(answer) === undefined)
  const codes = new Map<string, number>()
  for (const { answer } of unavailable) bump(codes, typedErrorCode(answer) ?? "untyped")
  const others = during.filter(({ answer }) => answer.status !== 503 && !isSuccess(answer))
  const firstAfter = Math.min(
    ...acknowledged.map(({ answer }) => answer.answeredAt).filter((at) => at > upAt),
    Number.POSITIVE_INFINITY
  )
  return { acknowledged, phases, during, statuses, unavailable, withRetryAfter, untyped, codes, others, firstAfter }
}

export const outageCheck: Check = {
  id: "outage",
  name: NAME,
  run: (context) =>
    withTestServer(context, async (server, start) => {
      const api = await start("outage")
      const load = startWriteLoad(api, WRITERS, "o")
      await sleep(BEFORE_MS)
      await server.stop()
      const downAt = performance.now()
      await sleep(OUTAGE_MS)
      await server.start()
      const upAt = performance.now()
      await waitUntil(() => load.writes.some(({ answer }) => answer.answeredAt > upAt && isSuccess(answer)), 15_000)
      await sleep(AFTER_MS)
      const writes = await load.stop()
      const found = evaluate(writes, downAt, upAt)

      // Read back through a new API process: what the database holds, not what a cache remembers.
      await api.stop()
      const verifier = clientOf(await start("outage-verify"))
      const stored = await readEpisodes(
        verifier,
        writes.map(({ id }) => id)
      )
      const missing: Array<string> = []
      const changed: Array<string> = []
      for (const { id, answer } of found.acknowledged) {
        const acknowledged = episodeOf(answer)
        const read = stored.get(id)
        if (read === undefined) missing.push(id)
        else if (acknowledged === undefined || canonical(acknowledged) !== canonical(read)) changed.push(id)
      }
      const refusedButStored = writes.filter(({ id, answer }) => !isSuccess(answer) && stored.has(id)).length
      const recoveryMs = found.firstAfter - upAt
      const recovery = Number.isFinite(recoveryMs)
        ? `recovered ${Math.round(recoveryMs)} ms after the database returned`
        : "never recovered"
      const { phases } = found
      const figures =
        `${found.acknowledged.length} acknowledged writes (${phases.get("before")} before, ${phases.get("during")} ` +
        `during, ${phases.get("after")} after) all checked: ${missing.length} missing, ${changed.length} changed; ` +
        `${found.during.length} answers during the ${OUTAGE_MS / 1000} s outage: ${tally(found.statuses)} ` +
        `(503 codes: ${tally(found.codes)}; ${found.withRetryAfter.length}/${found.unavailable.length} with ` +
        `Retry-After); ${recovery}; ${refusedButStored} of ${writes.length - found.acknowledged.length} ` +
        "unacknowledged writes were stored anyway"
      return resultOf(NAME, figures, [
        [missing.length > 0, `acknowledged writes missing: ${examples(missing)}`],
        [changed.length > 0, `acknowledged writes changed: ${examples(changed)}`],
        [found.unavailable.length === 0, "no 503 answer during the outage (the load did not reach it)"],
        [found.others.length > 0, `answers during the outage other than 503: ${found.others.length}`],
        [found.untyped.length > 0, `503 answers without a typed error body: ${found.untyped.length}`],
        [
          found.withRetryAfter.length < found.unavailable.length,
          `503 answers without Retry-After: ${found.unavailable.length - found.withRetryAfter.length}`
        ],
        [!(recoveryMs <= RECOVERY_LIMIT_MS), `recovery took longer than ${RECOVERY_LIMIT_MS} ms`],
        [phases.get("after") === 0, "no write acknowledged after the outage"]
      ])
    })
}
