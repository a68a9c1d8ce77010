/**
 * Concurrent writers, each sending `POST /episodes` with a new id and a unique payload, one after the other, until
 * stopped; every write is kept with its answer. After a failed write a writer pauses 20 ms (a client that would
 * otherwise spin on fast failures).
 */
import { setTimeout as sleep } from "node:timers/promises"
import type { EpisodeInput } from "@memory-turso/model"
import type { RunningApi } from "./ApiProcess.js"
import { type Answer, isSuccess, jsonRequest, send } from "./Http.js"
import { episodeInput } from "./Records.js"

/** One write and what came back. */
export interface Write {
  readonly id: string
  readonly input: EpisodeInput
  readonly answer: Answer
}

export interface WriteLoad {
  /** Every write answered so far (a live array). */
  readonly writes: ReadonlyArray<Write>
  /** Stops the writers after their current write; resolves with every write. */
  readonly stop: () => Promise<ReadonlyArray<Write>>
}

/** Starts `writers` writers whose ids are `<prefix>-w<writer>-<n>`. */
export const startWriteLoad = (api: RunningApi, writers: number, prefix: string): WriteLoad => {
  let running = true
  const writes: Array<Write> = []
  const loop = async (writer: number) => {
    for (let n = 0; running; n++) {
      const id = `${prefix}-w${writer}-${n}`
      const input = episodeInput(id, `${prefix} write`)
      const answer = await send(api.url, jsonRequest(api.token, "POST", "/episodes", input))
      writes.push({ id, input, answer })
      if (!isSuccess(answer)) await sleep(20)
    }
  }
  const loops = Array.from({ length: writers }, (_, writer) => loop(writer))
  return {
    writes,
    stop: async () => {
      running = false
      await Promise.all(loops)
      return writes
    }
  }
}

/** Waits until `ready()` holds (checked every 20 ms) or `timeoutMs` passes; answers whether it held. */
export const waitUntil = async (ready: () => boolean, timeoutMs: number): Promise<boolean> => {
  const deadline = performance.now() + timeoutMs
  while (!ready()) {
    if (performance.now() > deadline) return false
    await sleep(20)
  }
  return true
}
