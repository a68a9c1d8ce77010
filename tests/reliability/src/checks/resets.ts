/**
 * Connections reset mid-request: while workers run idempotent operations (reads by id, batch reads, list pages,
 * and writes of the same value to the same id, each with its own `Idempotency-Key`), the test server resets the
 * API's database sockets: a request's socket on arrival, a request's socket after it executed (the effect
 * happened, the answer is lost), and every open socket at once, in turn. The client sends each operation once:
 * the server must absorb every reset (retrying what is safe to retry), so 0 operations may fail, and every record
 * reads back as written.
 */
import { randomUUID } from "node:crypto"
import { setTimeout as sleep } from "node:timers/promises"
import type { EpisodeInput } from "@memory-turso/model"
import type { FaultSpec } from "@memory-turso/testkit"
import type { RunningApi } from "../ApiProcess.js"
import type { Check } from "../Check.js"
import { type Answer, authorized, isSuccess, jsonOf, jsonRequest, send, statusLabel } from "../Http.js"
import { episodeInput, holds, storeEpisodes } from "../Records.js"
import { bump, count, examples, resultOf, tally } from "../Report.js"
import { withTestServer } from "../Stack.js"

const RECORDS = 40
const WORKERS = 6
const DURATION_MS = 8000
/**
 * One fault at a time, this far apart: more than the server's first retry delays (100 ms doubling, from the
 * `[retry]` defaults), so a server that retries an idempotent call absorbs each reset, however the faults fall.
 */
const INJECT_EVERY_MS = 400
const NAME = "connections reset mid-request"

/** The faults injected in turn. */
const FAULTS: ReadonlyArray<readonly [label: string, spec: FaultSpec]> = [
  ["on arrival", { kind: "reset", count: 1, after_execute: false }],
  ["after execution", { kind: "reset", count: 1, after_execute: true }],
  ["every open socket", { kind: "reset" }]
]

type Operation = "read" | "batch read" | "list" | "same-value write"
const OPERATIONS: ReadonlyArray<Operation> = ["read", "batch read", "list", "same-value write"]

const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(Math.random() * items.length)]!

/** Runs one operation; answers why it failed, or undefined. */
const operate = async (api: RunningApi, operation: Operation, inputs: ReadonlyArray<EpisodeInput>) => {
  const input = pick(inputs)
  const id = input.episode_id!
  let answer: Answer
  let check: (body: unknown) => boolean
  switch (operation) {
    case "read":
      answer = await send(api.url, { method: "GET", path: `/episodes/${id}`, headers: authorized(api.token) })
      check = (body) => holds(body, input)
      break
    case "batch read": {
      const batch = Array.from({ length: 5 }, () => pick(inputs))
      const ids = [...new Set(batch.map((one) => one.episode_id!))]
      answer = await send(api.url, jsonRequest(api.token, "POST", "/episodes/batch/get", { ids }))
      check = (body) => {
        const { episodes, missing } = body as { episodes: Array<{ episode_id: string }>; missing: Array<string> }
        return (
          missing.length === 0 &&
          episodes.length === ids.length &&
          episodes.every((episode) => holds(episode, inputs.find((one) => one.episode_id === episode.episode_id)!))
        )
      }
      break
    }
    case "list":
      answer = await send(api.url, { method: "GET", path: "/episodes?limit=20", headers: authorized(api.token) })
      check = (body) => Array.isArray((body as { episodes?: unknown }).episodes)
      break
    case "same-value write":
      answer = await send(api.url, {
        ...jsonRequest(api.token, "POST", "/episodes", input),
        headers: authorized(api.token, { "content-type": "application/json", "idempotency-key": randomUUID() })
      })
      check = (body) => holds(body, input)
      break
  }
  if (!isSuccess(answer)) return `${operation}: ${statusLabel(answer)}`
  let right = false
  try {
    right = check(jsonOf(answer))
  } catch {
    // a body of another shape: wrong content
  }
  return right ? undefined : `${operation}: wrong content`
}

export const resetsCheck: Check = {
  id: "resets",
  name: NAME,
  run: (context) =>
    withTestServer(context, async (server, start) => {
      // No cache: every read goes to the database.
      const api = await start("resets", { cache: { enabled: false } })
      const inputs = Array.from({ length: RECORDS }, (_, i) => episodeInput(`r-${i}`, "reset record"))
      await storeEpisodes(api, inputs)
      const resetsBefore = server.stats().faults_injected.reset
      let stopping = false
      const injections = new Map<string, number>()
      const injector = (async () => {
        for (let i = 0; !stopping; i++) {
          const [label, spec] = FAULTS[i % FAULTS.length]!
          await server.fault(spec)
          bump(injections, label)
          await sleep(INJECT_EVERY_MS)
        }
        await server.fault({ kind: "clear" })
      })()
      const operations = new Map<Operation, number>()
      const failures = new Map<string, number>()
      const worker = async () => {
        while (!stopping) {
          const operation = pick(OPERATIONS)
          bump(operations, operation)
          const failure = await operate(api, operation, inputs)
          if (failure !== undefined) bump(failures, failure)
        }
      }
      const workers = Array.from({ length: WORKERS }, worker)
      await sleep(DURATION_MS)
      stopping = true
      await Promise.all([injector, ...workers])
      const socketsReset = server.stats().faults_injected.reset - resetsBefore

      const changed: Array<string> = []
      for (const input of inputs) {
        const answer = await send(api.url, {
          method: "GET",
          path: `/episodes/${input.episode_id}`,
          headers: authorized(api.token)
        })
        if (!isSuccess(answer) || !holds(jsonOf(answer), input)) changed.push(input.episode_id!)
      }
      const total = [...operations.values()].reduce((a, b) => a + b, 0)
      const failed = [...failures.values()].reduce((a, b) => a + b, 0)
      const figures =
        `${total} idempotent operations (${tally(operations)}), ${count(socketsReset, "socket")} reset ` +
        `(injected: ${tally(injections)}): ${failed} failed${failed > 0 ? ` (${tally(failures)})` : ""}; ` +
        `${RECORDS - changed.length}/${RECORDS} records read back as written`
      return resultOf(NAME, figures, [
        [failed > 0, `${failed} idempotent operations failed`],
        [socketsReset === 0, "no socket was reset"],
        [changed.length > 0, `records not as written: ${examples(changed)}`]
      ])
    })
}
