// The engine's own cost of reading one episode by id: a prepared SELECT on the database file (libsql, in-process)
// and the codec's decode of its payload, nothing else (no HTTP, no runtime, no pool).
import { Codec } from "@memory-turso/compression"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import Sqlite from "libsql"

/** Microseconds per read: select, decode, and both. */
export interface EngineReadCost {
  readonly selectUs: number
  readonly decodeUs: number
  readonly readUs: number
}

/** Reads `reads` episodes of `ids` (namespace `default`) from the file at `path`, timing both halves. */
export const engineReadCost = async (
  path: string,
  ids: ReadonlyArray<string>,
  reads: number
): Promise<EngineReadCost> => {
  const scope = Effect.runSync(Scope.make())
  try {
    const codec = await Effect.runPromise(Scope.extend(Codec.make(), scope))
    const db = new Sqlite(path, { readonly: true })
    try {
      for (const row of db.prepare("SELECT dictionary_id, bytes FROM compression_dictionaries").all() as Array<{
        dictionary_id: number
        bytes: Buffer
      }>) {
        Effect.runSync(codec.addDictionary(Number(row.dictionary_id), new Uint8Array(row.bytes)))
      }
      const select = db.prepare("SELECT version, payload FROM episodes WHERE namespace = ? AND episode_id = ?")
      const decode = (payload: string | Buffer) =>
        typeof payload === "string" ? payload : Effect.runSync(codec.decodeText(payload, "episode"))
      let selectMs = 0
      let decodeMs = 0
      for (let round = 0; round < 2; round++) {
        // the first round warms up
        selectMs = 0
        decodeMs = 0
        for (let i = 0; i < reads; i++) {
          const t0 = performance.now()
          const row = select.get("default", ids[(i * 7919) % ids.length]) as { payload: string | Buffer }
          const t1 = performance.now()
          decode(row.payload)
          decodeMs += performance.now() - t1
          selectMs += t1 - t0
        }
      }
      const selectUs = (selectMs / reads) * 1000
      const decodeUs = (decodeMs / reads) * 1000
      return { selectUs, decodeUs, readUs: selectUs + decodeUs }
    } finally {
      db.close()
    }
  } finally {
    await Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
