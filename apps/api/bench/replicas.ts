// Two API processes on one database (an embedded file or a remote one), and the run that checks and measures how
// fresh the second one's reads are while the first one writes. Used by test/coherence.test.ts and bench/coherence.ts.
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { type Served, startApi } from "./processes.js"

/** One API process: its URL and pid, and the calls the runs make. */
export interface Replica extends Served {
  readonly put: (id: string, text: string) => Promise<void>
  readonly remove: (id: string) => Promise<void>
  /** The episode's `task_description`, or undefined when it is not found. */
  readonly read: (id: string) => Promise<string | undefined>
  /** The `/metrics` JSON `cache` section. */
  readonly cache: () => Promise<Record<string, number>>
  /** The `/metrics` JSON `database` section (the calls this process made). */
  readonly database: () => Promise<Record<string, number>>
}

const expectOk = async (response: Response, what: string) => {
  if (!response.ok && response.status !== 404) throw new Error(`${what}: ${response.status} ${await response.text()}`)
  return response
}

/** Config sections as TOML tables of plain keys: `{ cache: { coherence_interval_ms: 50 } }`. */
export type Sections = Record<string, Record<string, number | boolean>>

const toml = (sections: Sections) =>
  Object.entries(sections)
    .map(
      ([name, keys]) =>
        `[${name}]\n${Object.entries(keys)
          .map(([key, value]) => `${key} = ${value}\n`)
          .join("")}`
    )
    .join("\n")

/** Starts one API process over `url` with the config `sections`, its config file in `dir`. */
export const startReplica = async (
  dir: string,
  name: string,
  url: string,
  sections: Sections,
  env: Record<string, string> = {}
): Promise<Replica> => {
  const config = join(dir, `${name}.toml`)
  writeFileSync(config, toml(sections))
  const served = await startApi({ TURSO_DB_URL: url, CONFIG_FILE: config, ...env })
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${served.url}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } })
    })
  const metrics = async () => (await (await expectOk(await call("GET", "/metrics"), "metrics")).json()) as never
  return {
    ...served,
    put: async (id, text) => {
      const response = await expectOk(await call("POST", "/episodes", { episode_id: id, task_description: text }), id)
      await response.arrayBuffer()
    },
    remove: async (id) => {
      await (await expectOk(await call("DELETE", `/episodes/${id}`), id)).arrayBuffer()
    },
    read: async (id) => {
      const response = await expectOk(await call("GET", `/episodes/${id}`), id)
      if (response.status === 404) {
        await response.arrayBuffer()
        return undefined
      }
      return ((await response.json()) as { task_description: string }).task_description
    },
    cache: async () => ((await metrics()) as { cache: Record<string, number> }).cache,
    database: async () => ((await metrics()) as { database: Record<string, number> }).database
  }
}

/** One read of the follower checked against the writes: how many writes of its key it had not seen yet. */
export interface CheckedRead {
  /** Writes (and deletes) of the key committed before the read and not reflected in it. */
  readonly missedWrites: number
  /** Of those, writes the follower had already applied from the feed when the read started: must be 0. */
  readonly missedApplied: number
  /** Milliseconds between the commit of the newest write the read missed and the read (0: up to date). */
  readonly staleMs: number
}

/**
 * `ops` writes through `writer` (a delete every 7th op, else an upsert whose text names the op), over `keys` keys,
 * each followed by a read of the same key through `follower`. Every write is one feed entry, so op i is entry
 * `base + i + 1`; before each read the follower's `feed_position` says which writes its caches have applied, and
 * the read must reflect all of them (a value, or a 404 for a delete, at least as new as the newest applied).
 */
export const writeAndFollow = async (writer: Replica, follower: Replica, ops: number, keys: number) => {
  const base = (await writer.cache()).feed_position ?? 0
  const history = new Map<string, Array<{ op: number; text: string | undefined; at: number }>>()
  const reads: Array<CheckedRead> = []
  for (let op = 0; op < ops; op++) {
    const key = `k${op % keys}`
    const text = `op-${op}`
    const deleting = op % 7 === 6 && history.get(key)?.at(-1)?.text !== undefined
    if (deleting) await writer.remove(key)
    else await writer.put(key, text)
    const writes = history.get(key) ?? []
    writes.push({ op, text: deleting ? undefined : text, at: performance.now() })
    history.set(key, writes)
    const applied = (await follower.cache()).feed_position! - base // ops 0 .. applied - 1 are in its caches' view
    const seen = await follower.read(key)
    const readAt = performance.now()
    // the newest write the answer can be: the last one with that text (a 404: the last delete, or none yet)
    let answered = -1
    for (let i = writes.length - 1; i >= 0; i--) {
      if (writes[i]!.text === seen) {
        answered = i
        break
      }
    }
    if (answered === -1 && seen !== undefined) throw new Error(`${key}: read "${seen}", never written`)
    const missed = writes.slice(answered + 1)
    reads.push({
      missedWrites: missed.length,
      missedApplied: missed.filter((w) => w.op < applied).length,
      staleMs: missed.length === 0 ? 0 : readAt - missed[0]!.at
    })
  }
  return reads
}

/**
 * How long each of `writes` writes through `writer` takes to be seen by `follower`: the key is read through the
 * follower first (so its cache holds the old value), written, then read through the follower until it answers the new
 * value (reads served by its cache, which cost no database call). Milliseconds from the write's reply.
 */
export const visibilityDelays = async (writer: Replica, follower: Replica, writes: number, keys: number) => {
  const delays: Array<number> = []
  for (let i = 0; i < writes; i++) {
    const key = `v${i % keys}`
    const text = `write-${i}`
    await follower.read(key)
    await writer.put(key, text)
    const written = performance.now()
    for (let polls = 0; (await follower.read(key)) !== text; polls++) {
      if (polls > 10_000) throw new Error(`${key}: ${text} never seen`)
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
    delays.push(performance.now() - written)
  }
  return delays
}
