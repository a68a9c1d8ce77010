/**
 * The records the checks write, and reading them back: episodes with a payload unique to each write, compared
 * field by field as canonical JSON (keys sorted), so "present" means present with the same bytes.
 */
import { randomBytes } from "node:crypto"
import { createClient, type MemoryClient } from "@memory-turso/client"
import { Episode, type EpisodeInput } from "@memory-turso/model"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type { RunningApi } from "./ApiProcess.js"
import { type Answer, isSuccess, jsonOf, jsonRequest, send, statusLabel } from "./Http.js"

/** The typed client of a running API, in the suite's namespace (reads retried twice, as the client does). */
export const clientOf = (api: RunningApi): MemoryClient =>
  createClient({ url: api.url, token: api.token, timeoutMs: 30_000 })

/** JSON with every object's keys sorted: equal values give equal bytes. */
export const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        )
      : v
  )

/** An episode whose content is unique to this write (a random payload), under `id`. */
export const episodeInput = (id: string, note: string): EpisodeInput => ({
  episode_id: id,
  task_type: "testing",
  task_description: `${note} ${randomBytes(24).toString("base64url")}`,
  start_time: new Date().toISOString(),
  tags: ["reliability", note.split(" ")[0]!],
  metadata: { note, payload: randomBytes(32).toString("hex") },
  steps: [
    {
      step_number: 1,
      timestamp: new Date().toISOString(),
      tool: "write",
      action: note,
      parameters: { id },
      result: { type: "success", output: "ok" },
      latency_ms: 1
    }
  ]
})

const decodeEpisode = Schema.decodeUnknownEither(Episode)

/** The episode an acknowledged write answered with, or undefined if the body is not one. */
export const episodeOf = (answer: Answer): Episode | undefined => {
  const decoded = decodeEpisode(jsonOf(answer))
  return Either.isRight(decoded) ? decoded.right : undefined
}

const decodeInput = Schema.decodeUnknownSync(Episode)

/**
 * Whether `stored` (an episode as answered) is `sent` as the server must store it: every field of the input with
 * the defaults the model fills, each with the same canonical JSON (fields the server adds besides are ignored).
 */
export const holds = (stored: unknown, sent: EpisodeInput): boolean => {
  if (stored === null || typeof stored !== "object") return false
  const record = stored as Record<string, unknown>
  return Object.entries(decodeInput(sent)).every(([key, value]) => canonical(record[key]) === canonical(value))
}

/** Reads episodes by id, 500 per request; answers the ones found by id. */
export const readEpisodes = async (
  client: MemoryClient,
  ids: ReadonlyArray<string>
): Promise<ReadonlyMap<string, Episode>> => {
  const found = new Map<string, Episode>()
  for (let i = 0; i < ids.length; i += 500) {
    const { items } = await client.episodes.getMany(ids.slice(i, i + 500))
    for (const item of items) found.set(item.episode_id, item)
  }
  return found
}

/** Stores episodes one by one (`POST /episodes`); throws on the first that is not acknowledged. */
export const storeEpisodes = async (api: RunningApi, inputs: ReadonlyArray<EpisodeInput>): Promise<void> => {
  for (const input of inputs) {
    const answer = await send(api.url, jsonRequest(api.token, "POST", "/episodes", input))
    if (!isSuccess(answer)) throw new Error(`storing ${input.episode_id} answered ${statusLabel(answer)}`)
  }
}
