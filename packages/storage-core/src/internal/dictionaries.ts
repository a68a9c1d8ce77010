/**
 * Compression dictionaries kept in the database beside the rows that use them: registered with the codec when a
 * row names one it lacks (built earlier, or by another process), the newest one used for writes and built from the
 * most recent episodes when `use_dictionary` is on.
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
const usesDictionary = (codec: Codec.Codec["Type"], settings: CompressionPolicy): boolean =>
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

/** Registers the newest stored dictionary; its id, or 0 when there is none (or it is not usable). */
const registerNewest = (db: Database.Database["Type"], codec: Codec.Codec["Type"]) =>
  Effect.flatMap(
    db.execute({
      sql: "SELECT dictionary_id, bytes FROM compression_dictionaries ORDER BY dictionary_id DESC LIMIT 1",
      args: []
    }),
    (result) => registerFirst(codec, result)
  )

/**
 * Builds a dictionary from the most recent episodes (their JSON, newest last): as many as fill `dictionary_bytes`,
 * at most `dictionary_samples`. Stores it under the next id, registers it and makes new writes use it.
 */
export const build = (
  db: Database.Database["Type"],
  codec: Codec.Codec["Type"],
  format: PayloadFormat,
  settings: CompressionPolicy
): Effect.Effect<DictionaryInfo, DictionaryUnavailable | DatabaseFailure> =>
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
    let filled = 0
    for (const row of recent.rows) {
      if (filled >= settings.dictionary_bytes) break
      ids.push(String(row["episode_id"]))
      filled += Number(row["payload_bytes"])
    }
    const loaded = yield* db.execute({
      sql: "SELECT episode_id, payload FROM episodes WHERE episode_id IN (SELECT value FROM json_each(?))",
      args: [JSON.stringify(ids)]
    })
    const payloads = new Map(loaded.rows.map((row) => [String(row["episode_id"]), row["payload"] ?? null]))
    const samples: Array<Uint8Array> = []
    for (const id of ids.reverse()) {
      const payload = payloads.get(id)
      if (payload === undefined) continue // deleted meanwhile
      // a damaged row is no sample (reading it reports the damage); a database failure ends the build
      const read = yield* format
        .read("episode", id, payload)
        .pipe(Effect.catchTag("CorruptPayload", () => Effect.succeed(undefined)))
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
    return { dictionary_id: id, bytes: bytes.length, samples: samples.length, created_at: createdAt }
  })

/**
 * With `use_dictionary` on: new writes use the newest stored dictionary; with none stored, one is built as soon as
 * `dictionary_samples` episodes are (at start, or by the episode write that reaches the count). Returns what each
 * episode write calls with the number of episodes it stored. A failed build is logged and tried again after
 * another `dictionary_samples` writes; it never fails the write.
 */
export const autoBuild = (
  db: Database.Database["Type"],
  codec: Codec.Codec["Type"],
  settings: CompressionPolicy,
  buildDictionary: Effect.Effect<DictionaryInfo, unknown>
) =>
  Effect.gen(function* () {
    const none = (_written: number) => Effect.void
    if (!usesDictionary(codec, settings)) return none
    const newest = yield* registerNewest(db, codec)
    if (newest > 0) {
      yield* Effect.orDie(codec.useDictionary(newest))
      return none
    }
    const tryBuild = Effect.matchEffect(buildDictionary, {
      onFailure: (error) =>
        Effect.as(
          Effect.logWarning(`compression dictionary not built: ${error instanceof Error ? error.message : error}`),
          false
        ),
      onSuccess: (info) =>
        Effect.as(
          Effect.logInfo(
            `compression dictionary ${info.dictionary_id} built from ${info.samples} episodes (${info.bytes} bytes)`
          ),
          true
        )
    })
    const counted = yield* db.execute({ sql: "SELECT count(*) AS n FROM episodes", args: [] })
    let due = settings.dictionary_samples - Number(counted.rows[0]?.["n"] ?? 0)
    if (due <= 0 && (yield* tryBuild)) return none
    if (due <= 0) due = settings.dictionary_samples
    let built = false
    return (written: number) =>
      Effect.suspend(() => {
        if (built) return Effect.void
        due -= written
        if (due > 0) return Effect.void
        due = settings.dictionary_samples
        return Effect.map(tryBuild, (ok) => {
          built = ok
        })
      })
  })
