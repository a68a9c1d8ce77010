import { Codec, Envelope } from "@memory-turso/compression"
import { Database } from "@memory-turso/pool"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Storage from "../../src/Storage.js"
import type * as StorageConfig from "../../src/StorageConfig.js"

/** Storage with its own codec over the test's database: one process's view of it. */
export const process = (compression: StorageConfig.CompressionPolicyInput) =>
  Effect.gen(function* () {
    const context = yield* Layer.build(Storage.layer({ compression }).pipe(Layer.provideMerge(Codec.layer())))
    return { storage: Context.get(context, Storage.Storage), codec: Context.get(context, Codec.Codec) }
  })

/** How many dictionaries are stored. */
export const dictionaryCount = Effect.flatMap(Database.Database, (db) =>
  Effect.map(db.execute({ sql: "SELECT count(*) AS n FROM compression_dictionaries", args: [] }), (r) =>
    Number(r.rows[0]!["n"])
  )
)

/** The dictionary id in a stored row's envelope and its stored size. */
export const storedRow = (id: string) =>
  Effect.flatMap(Database.Database, (db) =>
    Effect.map(db.execute({ sql: "SELECT payload FROM episodes WHERE episode_id = ?", args: [id] }), (r) => {
      const bytes = new Uint8Array(r.rows[0]!["payload"] as ArrayBuffer)
      const header = Envelope.readHeader(bytes)
      if (Either.isLeft(header)) throw new Error(`row ${id} is not an envelope`)
      return { dictionaryId: header.right.dictionaryId, size: bytes.length }
    })
  )

/** Waits (bounded, on the live clock) until `n` dictionaries are stored. */
export const dictionariesStored = (n: number) =>
  Effect.repeat(dictionaryCount, {
    until: (count) => count >= n,
    schedule: Schedule.intersect(Schedule.spaced("5 millis"), Schedule.recurs(2000))
  }).pipe(Effect.zipRight(dictionaryCount))
