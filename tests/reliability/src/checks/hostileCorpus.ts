/**
 * The adversarial corpus (`apps/api/test/hostileRequests.ts`) against the built API (embedded default): every
 * request must get the status its entry expects, a typed 4xx (a JSON error body whose code the model knows, with
 * that code's status), never a 5xx; and records stored before must read back byte-identical after.
 */
import * as corpus from "../../../../apps/api/test/hostileRequests.js"
import type { RunningApi } from "../ApiProcess.js"
import type { Check } from "../Check.js"
import { authorized, type Request, send, statusLabel, typedErrorCode } from "../Http.js"
import { clientOf, episodeInput } from "../Records.js"
import { examples, resultOf } from "../Report.js"
import { withEmbedded } from "../Stack.js"

const NAME = "adversarial corpus"

/** An entry as the corpus module gives it (bodies may be strings, bytes or values to send as JSON). */
interface Entry {
  readonly name: string
  readonly method: string
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: unknown
  readonly expectStatus: number
}

const isEntry = (value: unknown): value is Entry =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as Entry).name === "string" &&
  typeof (value as Entry).path === "string" &&
  typeof (value as Entry).expectStatus === "number"

/** The corpus: the module's `hostileRequests` export, else its only export that is an array of entries. */
const entries = (): ReadonlyArray<Entry> => {
  const module = corpus as Record<string, unknown>
  const arrays = Object.values(module).filter(
    (value): value is ReadonlyArray<Entry> => Array.isArray(value) && value.length > 0 && value.every(isEntry)
  )
  const named = module["hostileRequests"]
  if (Array.isArray(named) && named.every(isEntry)) return named
  if (arrays.length === 1) return arrays[0]!
  throw new Error("apps/api/test/hostileRequests.ts exports no single array of { name, method, path, expectStatus }")
}

/** The request for an entry: the token and a JSON content type unless the entry names them ("" leaves one out). */
const requestOf = (entry: Entry, token: string): Request => {
  const body =
    entry.body === undefined || typeof entry.body === "string" || entry.body instanceof Uint8Array
      ? entry.body
      : JSON.stringify(entry.body)
  const defaults: Record<string, string> = authorized(
    token,
    body === undefined ? {} : { "content-type": "application/json" }
  )
  const given = Object.fromEntries(
    Object.entries(entry.headers ?? {}).map(([key, value]) => [key.toLowerCase(), value])
  )
  const headers = Object.fromEntries(Object.entries({ ...defaults, ...given }).filter(([, value]) => value !== ""))
  return { method: entry.method, path: entry.path, headers, ...(body === undefined ? {} : { body }) }
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
      const requests = entries()
      const api = await start("hostile")
      await seed(api)
      const before = await snapshot(api)
      if (before.some((read) => !read.startsWith("200 "))) throw new Error("the earlier data does not read back")
      const wrong: Array<string> = []
      let typed4xx = 0
      let serverErrors = 0
      for (const entry of requests) {
        const answer = await send(api.url, requestOf(entry, api.token))
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
