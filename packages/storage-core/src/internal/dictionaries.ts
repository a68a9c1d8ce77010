/**
 * Compression dictionaries kept in the database beside the rows that use them: registered with the codec when a
 * row names one it lacks (built earlier, or by another process), built from the most recent episodes and measured
 * on episodes left out of them. When they are built, rebuilt and removed is `dictionaryKeeper.ts`'s business.
 */

import { type Codec, Dictionary } from "@memory-turso/compression"
import type { Database, DatabaseFailure } from "@memory-turso/pool"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { DictionaryInfo } from "../Storage.js"
import type { CompressionPolicy } from "../StorageConfig.js"
import { DictionaryUnavailable } from "../StorageError.js"
import type { PayloadFormat } from "./payload.js"

const bytesOf = (value: unknown): Uint8Array | undefined =>
  value instanceof ArrayBuffer ? new Uint8Array(value) : value instanceof Uint8Array ? value : undefined

const utf8 = new TextEncoder()

/** Dictionaries are written only by an enabled zstd codec with `use_dictionary` on. */
export const usesDictionary = (codec: Codec.Codec["Type"], settings: CompressionPolicy): boolean =>
  codec.settings.enabled && codec.settings.algorithm === "zstd" && settings.use_dictionary

/** Registers the dictionary in the first row of `result` (columns `dictionary_id`, `bytes`); its id, or 0. */
const registerFirst = (codec: Codec.Codec["Type"], result: { readonly rows: ReadonlyArray<Record<string, unknown>> }) =>
  Effect.gen(function* () {
    const row = result.rows[0]
    const bytes = bytesOf(row?.["bytes"])
    if (row === undefined || bytes === undefined) return 0
    const id = Number(row["dictionary_id"])
    return (yield* Effect.either(codec.addDictionary(id, bytes)))._tag === "Right" ? id : 0
  })

/** Registers dictionary `id` from the database; false when it is not there (or not usable). */
export const fetch = (db: Database.Database["Type"], codec: Codec.Codec["Type"], id: number) =>
  Effect.flatMap(
    db.execute({
      sql: "SELECT dictionary_id, bytes FROM compression_dictionaries WHERE dictionary_id = ?",
      args: [id]
    }),
    (result) => Effect.map(registerFirst(codec, result), (registered) => registered !== 0)
  )

/** The newest stored dictionary, registered: its id (0 when there is none or it is not usable) and held-out ratio. */
export const registerNewest = (db: Database.Database["Type"], codec: Codec.Codec["Type"]) =>
  Effect.flatMap(
    db.execute({
      sql: `SELECT dictionary_id, bytes, held_out_ratio FROM compression_dictionaries
        ORDER BY dictionary_id DESC LIMIT 1`,
      args: []
    }),
    (result) =>
      Effect.map(registerFirst(codec, result), (id) => ({
        id,
        heldOutRatio: ratioOf(result.rows[0]?.["held_out_ratio"])
      }))
  )

/** A stored held-out ratio; NaN when none was measured. */
const ratioOf = (value: unknown) => (typeof value === "number" ? value : Number.NaN)

/** How many of the episodes after a dictionary's samples are kept out of it to measure its ratio. */
export const HELD_OUT = 16

/** A dictionary just built: what the caller sees, and its ratio on held-out episodes (NaN when none were left). */
export interface Built {
  readonly info: DictionaryInfo
  readonly heldOutRatio: number
}

/**
 * Builds a dictionary from the most recent episodes (their JSON, newest last): as many as fill `dictionary_bytes`,
 * at most `dictionary_samples`. Stores it under the next id, registers it and makes new writes use it. Up to
 * `HELD_OUT` of the next most recent episodes are left out of it and compressed with it: its held-out ratio (stored
 * bytes over JSON bytes), the figure later writes are held to.
 */
export const build = (
  db: Database.Database["Type"],
  codec: Codec.Codec["Type"],
  format: PayloadFormat,
  settings: CompressionPolicy
): Effect.Effect<Built, DictionaryUnavailable | DatabaseFailure> =>
  Effect.gen(function* () {
    if (!usesDictionary(codec, settings)) {
      return yield* new DictionaryUnavailable({
        reason: "compression.use_dictionary is off (it needs compression enabled with algorithm zstd)"
      })
    }
    // Only the newest `dictionary_bytes` of the samples make the dictionary: read just the episodes that fill it.
    const recent = yield* db.execute({
      sql: "SELECT episode_id, payload_bytes FROM episodes ORDER BY updated_at DESC, episode_id DESC LIMIT ?",
      args: [settings.dictionary_samples]
    })
    const ids: Array<string> = []
    const heldOut: Array<string> = []
    let filled = 0
    for (const row of recent.rows) {
      const id = String(row["episode_id"])
      if (filled < settings.dictionary_bytes) {
        ids.push(id)
        filled += Number(row["payload_bytes"])
      } else if (heldOut.length < HELD_OUT) heldOut.push(id)
      else break
    }
    const loaded = yield* db.execute({
      sql: "SELECT episode_id, payload FROM episodes WHERE episode_id IN (SELECT value FROM json_each(?))",
      args: [JSON.stringify([...ids, ...heldOut])]
    })
    const payloads = new Map(loaded.rows.map((row) => [String(row["episode_id"]), row["payload"] ?? null]))
    // a damaged row is no sample (reading it reports the damage); a database failure ends the build
    const readJson = (id: string) => {
      const payload = payloads.get(id)
      if (payload === undefined) return Effect.succeed(undefined) // deleted meanwhile
      return format
        .read("episode", id, payload)
        .pipe(Effect.catchTag("CorruptPayload", () => Effect.succeed(undefined)))
    }
    const samples: Array<Uint8Array> = []
    for (const id of ids.reverse()) {
      const read = yield* readJson(id)
      if (read !== undefined) samples.push(utf8.encode(read))
    }
    if (samples.length === 0) {
      const reason =
        ids.length === 0 ? "no episodes are stored yet" : `none of the ${ids.length} most recent episodes is readable`
      return yield* new DictionaryUnavailable({ reason })
    }
    const bytes = Dictionary.fromSamples(samples, settings.dictionary_bytes)
    const createdAt = yield* Clock.currentTimeMillis
    // The next id is taken inside the insert: two processes building at once get two ids, never a clash.
    const inserted = yield* db.execute({
      sql: `INSERT INTO compression_dictionaries (dictionary_id, bytes, samples, created_at)
        SELECT coalesce(max(dictionary_id), 0) + 1, ?, ?, ? FROM compression_dictionaries
        RETURNING dictionary_id`,
      args: [bytes, samples.length, createdAt]
    })
    const id = Number(inserted.rows[0]!["dictionary_id"])
    yield* Effect.orDie(Effect.zipRight(codec.addDictionary(id, bytes), codec.useDictionary(id)))
    let jsonBytes = 0
    let storedBytes = 0
    for (const heldOutId of heldOut) {
      const json = yield* readJson(heldOutId)
      if (json === undefined) continue
      const encoded = yield* codec.encodeText(json)
      jsonBytes += Buffer.byteLength(json)
      storedBytes += encoded._tag === "Plain" ? Buffer.byteLength(json) : encoded.bytes.length
    }
    const heldOutRatio = jsonBytes === 0 ? Number.NaN : storedBytes / jsonBytes
    if (jsonBytes > 0) {
      yield* db.execute({
        sql: "UPDATE compression_dictionaries SET held_out_ratio = ? WHERE dictionary_id = ?",
        args: [heldOutRatio, id]
      })
    }
    return {
      info: { dictionary_id: id, bytes: bytes.length, samples: samples.length, created_at: createdAt },
      heldOutRatio
    }
  })
