/**
 * The adversarial corpus (`apps/api/test/support/hostileRequests.ts`, sent as it says: exactly its headers plus the token,
 * over a plain socket) against the built API (embedded default): every
 * request must get the status its entry expects, a typed 4xx (a JSON error body whose code the model knows, with
 * that code's status), never a 5xx; and records stored before must read back byte-identical after.
 */
import { type HostileRequest, hostileRequests, sendHostile } from "../../../../apps/api/test/support/hostileRequests.js"
import type { RunningApi } from "../ApiProcess.js"
import type { Check } from "../Check.js"
import { type Answer, authorized, send, statusLabel, typedErrorCode } from "../Http.js"
import { clientOf, episodeInput } from "../Records.js"
import { examples, resultOf } from "../Report.js"
import { withEmbedded } from "../Stack.js"

const NAME = "adversarial corpus"

/** The entry as the corpus gives it, with the API's token added (the corpus expects an API without tokens). */
const withToken = (entry: HostileRequest, token: string): HostileRequest => ({
  ...entry,
  headers: authorized(token, { ...entry.headers })
})

/** The corpus's answer as this suite's `Answer` (to read its typed error code). */
const answerOf = (answer: { status: number; text: string }): Answer => {
  const now = performance.now()
  return { status: answer.status, headers: new Headers(), body: Buffer.from(answer.text), sentAt: now, answeredAt: now }
}

/** Reads that must answer the same bytes before and after the corpus: each record, its embedding, every list. */
const SNAPSHOT_PATHS = [
  ...Array.from({ length: 5 }, (_, i) => `/episodes/h-e${i}`),
  ...Array.from({ length: 3 }, (_, i) => `/patterns/h-p${i}`),
  ...Array.from({ length: 2 }, (_, i) => `/heuristics/h-h${i}`),
  "/embeddings/episode/h-e0",
  "/episodes?limit=1000",
  "/patterns?limit=1000",
  "/heuristics?limit=1000"
]

const seed = async (api: RunningApi) => {
  const client = clientOf(api)
  for (let i = 0; i < 5; i++) await client.episodes.put(episodeInput(`h-e${i}`, "earlier data"))
  for (let i = 0; i < 3; i++)
    await client.patterns.put({ type: "tool_sequence", pattern_id: `h-p${i}`, tools: ["read", "edit"] })
  for (let i = 0; i < 2; i++)
    await client.heuristics.put({ heuristic_id: `h-h${i}`, condition: "tests fail", action: "read", confidence: 0.5 })
  await client.embeddings.put("episode", "h-e0", { model: "m", vector: [0.1, 0.2, 0.3, 0.4] })
}

const snapshot = async (api: RunningApi): Promise<ReadonlyArray<string>> =>
  Promise.all(
    SNAPSHOT_PATHS.map(async (path) => {
      const answer = await send(api.url, { method: "GET", path, headers: authorized(api.token) })
      return `${statusLabel(answer)} ${Buffer.from(answer.body).toString("base64")}`
    })
  )

export const hostileCorpusCheck: Check = {
  id: "hostile",
  name: NAME,
  run: (context) =>
    withEmbedded(context, "hostile", async (start) => {
      const requests = hostileRequests
      const api = await start("hostile")
      await seed(api)
      const before = await snapshot(api)
      if (before.some((read) => !read.startsWith("200 "))) throw new Error("the earlier data does not read back")
      const wrong: Array<string> = []
      let typed4xx = 0
      let serverErrors = 0
      for (const entry of requests) {
        const answer = answerOf(await sendHostile(api.url, withToken(entry, api.token)))
        const code = typedErrorCode(answer)
        const status = answer.status
        const is4xx = status !== null && status >= 400 && status < 500
        if (is4xx && code !== undefined) typed4xx++
        if (status !== null && status >= 500) serverErrors++
        if (status !== entry.expectStatus || !is4xx || code === undefined)
          wrong.push(
            `${entry.name} (${is4xx || (status ?? 0) >= 500 ? `${status} ${code ?? "untyped"}` : statusLabel(answer)}, expected ${entry.expectStatus})`
          )
      }
      const after = await snapshot(api)
      const changed = SNAPSHOT_PATHS.filter((_, i) => before[i] !== after[i])
      const figures =
        `${requests.length} hostile requests: ${typed4xx} typed 4xx, ${serverErrors} 5xx, ` +
        `${requests.length - wrong.length} as expected; ${SNAPSHOT_PATHS.length - changed.length}/` +
        `${SNAPSHOT_PATHS.length} reads of earlier data byte-identical after`
      return resultOf(NAME, figures, [
        [wrong.length > 0, `${wrong.length} not a typed 4xx as expected: ${examples(wrong, 12)}`],
        [changed.length > 0, `earlier data changed: ${examples(changed)}`]
      ])
    })
}
