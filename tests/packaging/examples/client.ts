import { ApiError, createClient } from "@memory-turso/client"

// The API's address, and a token when it has authentication on (sent as Authorization: Bearer).
const url = process.env["MEMORY_TURSO_URL"] ?? "http://127.0.0.1:3000"
const memory = createClient({ url, token: process.env["MEMORY_TURSO_TOKEN"] })
const team = memory.namespace("team-a") // X-Memory-Namespace on every request
const stored = await team.episodes.put({ episode_id: "e1", task_description: "fix the flaky test", tags: ["ci"] })
const page = await team.episodes.list({ tags: ["ci"], limit: 10 }) // { items, next_cursor }
console.log(stored.task_type, page.items.length) // => other 1
try {
  await team.episodes.get("no-such-episode")
} catch (error) {
  if (error instanceof ApiError) console.log(error.status, error.code) // => 404 not_found
}
