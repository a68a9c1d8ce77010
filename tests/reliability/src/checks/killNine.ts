/**
 * `kill -9` of the API during concurrent batch writes, 5 times, on an embedded database and on the test server.
 * Each batch is 10 episodes with ids `b<k>-<i>`. After each kill the API is started again on the same database,
 * and every batch written so far is read back: an acknowledged batch must be present in full (each episode as
 * sent); no batch may be present in part (0 or 10 of its episodes), acknowledged or not.
 */
import { setTimeout as sleep } from "node:timers/promises"
import type { EpisodeInput } from "@memory-turso/model"
import type { RunningApi } from "../ApiProcess.js"
import type { Check } from "../Check.js"
import { isSuccess, jsonRequest, send } from "../Http.js"
import { clientOf, episodeInput, holds, readEpisodes } from "../Records.js"
import { type CheckResult, count, examples, resultOf } from "../Report.js"
import { type ApiStarter, withEmbedded, withTestServer } from "../Stack.js"
import { waitUntil } from "../WriteLoad.js"

const KILLS = 5
const WRITERS = 4
const BATCH_SIZE = 10

interface Batch {
  readonly k: number
  readonly inputs: ReadonlyArray<EpisodeInput>
  /** acknowledged: 2xx; unknown: no answer (in flight at the kill); refused: an error answer. */
  outcome: "pending" | "acknowledged" | "unknown" | "refused"
}

/** What reading every batch back found. */
interface Findings {
  /** Batch numbers present in part. */
  readonly partial: Set<number>
  /** Acknowledged batches not present in full. */
  readonly lost: Set<number>
  /** Acknowledged batches present with an episode not as sent. */
  readonly changed: Set<number>
}

const verify = async (api: RunningApi, batches: ReadonlyArray<Batch>, findings: Findings) => {
  const ids = batches.flatMap((batch) => batch.inputs.map((input) => input.episode_id!))
  const stored = await readEpisodes(clientOf(api), ids)
  const present = new Map<number, number>()
  for (const batch of batches) {
    const found = batch.inputs.filter((input) => stored.has(input.episode_id!))
    present.set(batch.k, found.length)
    if (found.length !== 0 && found.length !== BATCH_SIZE) findings.partial.add(batch.k)
    if (batch.outcome !== "acknowledged") continue
    if (found.length !== BATCH_SIZE) findings.lost.add(batch.k)
    else if (!batch.inputs.every((input) => holds(stored.get(input.episode_id!), input))) findings.changed.add(batch.k)
  }
  return present
}

/** Writes batches with `WRITERS` writers until the API is killed, 0.2-1.2 s after its third acknowledged batch. */
const writeUntilKilled = async (api: RunningApi, batches: Array<Batch>) => {
  let killed = false
  let acknowledged = 0
  const writer = async () => {
    while (!killed) {
      const k = batches.length
      const inputs = Array.from({ length: BATCH_SIZE }, (_, i) => episodeInput(`b${k}-${i}`, `batch ${k}`))
      const batch: Batch = { k, inputs, outcome: "pending" }
      batches.push(batch)
      const answer = await send(api.url, jsonRequest(api.token, "POST", "/episodes/batch", { episodes: inputs }))
      batch.outcome = isSuccess(answer) ? "acknowledged" : answer.status === null ? "unknown" : "refused"
      if (batch.outcome === "acknowledged") acknowledged++
    }
  }
  const writers = Array.from({ length: WRITERS }, writer)
  await waitUntil(() => acknowledged >= 3, 20_000)
  await sleep(200 + Math.random() * 1000)
  killed = true // no writer starts a batch after this: every batch counted was sent to the API before the kill
  await api.kill()
  await Promise.all(writers)
}

/** The rounds: start, read everything back, write until killed; then a last start and read-back. */
const rounds = async (name: string, mode: string, start: ApiStarter): Promise<CheckResult> => {
  const batches: Array<Batch> = []
  const findings: Findings = { partial: new Set(), lost: new Set(), changed: new Set() }
  let present = new Map<number, number>()
  for (let round = 0; round <= KILLS; round++) {
    const api = await start(`kill-${mode}-${round}`)
    present = await verify(api, batches, findings)
    if (round < KILLS) await writeUntilKilled(api, batches)
  }
  const acknowledged = batches.filter((batch) => batch.outcome === "acknowledged").length
  const unknown = batches.filter((batch) => batch.outcome === "unknown")
  const unknownStored = unknown.filter((batch) => present.get(batch.k) === BATCH_SIZE).length
  const unknownAbsent = unknown.filter((batch) => present.get(batch.k) === 0).length
  const refused = batches.filter((batch) => batch.outcome === "refused").length
  const fine = findings.lost.size === 0 && findings.changed.size === 0
  const figures =
    `${count(KILLS, "kill")}, ${acknowledged} acknowledged batches of ${BATCH_SIZE} ` +
    `${fine ? "all present in full" : `(${findings.lost.size} not in full, ${findings.changed.size} changed)`}, ` +
    `${findings.partial.size} partial; ${unknown.length} in flight at a kill (${unknownStored} stored in full, ` +
    `${unknownAbsent} absent)` +
    (refused > 0 ? `, ${refused} refused` : "")
  const label = (set: Set<number>) => examples([...set].map((k) => `b${k}`))
  return resultOf(name, figures, [
    [findings.lost.size > 0, `acknowledged batches missing episodes: ${label(findings.lost)}`],
    [findings.changed.size > 0, `acknowledged batches with changed episodes: ${label(findings.changed)}`],
    [findings.partial.size > 0, `batches present in part: ${label(findings.partial)}`],
    [acknowledged === 0, "no batch was acknowledged"]
  ])
}

const killCheck = (mode: "embedded" | "remote"): Check => {
  const name = `kill -9 ${mode}`
  return {
    id: `kill-${mode}`,
    name,
    run: (context) =>
      mode === "remote"
        ? withTestServer(context, (_, start) => rounds(name, mode, start))
        : withEmbedded(context, "kill-embedded", (start) => rounds(name, mode, start))
  }
}

export const killEmbeddedCheck = killCheck("embedded")
export const killRemoteCheck = killCheck("remote")
