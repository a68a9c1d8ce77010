import type { Value } from "@libsql/client"
import type { Codec, CodecError } from "@memory-turso/compression"
import type { DatabaseFailure } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import { CorruptPayload, type Entity } from "../StorageError.js"

/** A document's JSON as it goes into the payload column, with its plain size in bytes. */
export interface StoredPayload {
  readonly payload: string | Uint8Array
  readonly payloadBytes: number
  /** The dictionary the payload was compressed with (0: none, or not compressed). */
  readonly dictionaryId: number
}

/** The compression switch each document kind answers to (heuristics follow the patterns switch). */
export type PayloadKind = "episodes" | "patterns"

/** Which kinds go through the codec. */
export type Compressed = Readonly<Record<PayloadKind, boolean>>

/** How JSON documents are written to and read from payload columns. */
export interface PayloadFormat {
  readonly write: (kind: PayloadKind, json: string) => Effect.Effect<StoredPayload>
  readonly read: (entity: Entity, id: string, value: Value) => Effect.Effect<string, CorruptPayload | DatabaseFailure>
  /**
   * `read` without decoding UTF-8: a codec envelope's JSON as the bytes it holds (checked by its CRC), plain TEXT as
   * it is.
   */
  readonly readBytes: (
    entity: Entity,
    id: string,
    value: Value
  ) => Effect.Effect<string | Uint8Array, CorruptPayload | DatabaseFailure>
}

/** Registers a dictionary the codec does not know yet from wherever they are kept; false when there is none. */
export type FetchDictionary = (id: number) => Effect.Effect<boolean, DatabaseFailure>

/**
 * Payloads through the codec: JSON stays TEXT when the codec keeps it plain (or its kind is not compressed), and
 * becomes a BLOB envelope when it compresses. Reads accept both, whatever the current settings, so turning
 * compression off and on never makes a row unreadable.
 */
export const codecPayload = (
  codec: Codec.Codec["Type"],
  fetchDictionary: FetchDictionary,
  compressed: Compressed
): PayloadFormat => ({
  write: (kind, json) =>
    compressed[kind]
      ? Effect.map(codec.encodeText(json), (encoded) =>
          encoded._tag === "Plain"
            ? { payload: encoded.text, payloadBytes: Buffer.byteLength(json), dictionaryId: 0 }
            : { payload: encoded.bytes, payloadBytes: encoded.originalBytes, dictionaryId: encoded.dictionaryId }
        )
      : Effect.succeed({ payload: json, payloadBytes: Buffer.byteLength(json), dictionaryId: 0 }),
  read: (entity, id, value) => readWith(fetchDictionary, entity, id, value, codec.decodeText),
  readBytes: (entity, id, value) => readWith(fetchDictionary, entity, id, value, codec.decode)
})

/**
 * Reads a payload column's value: TEXT as it is, a BLOB through `decode` (fetching the dictionary it names once if
 * the codec lacks it); anything else, or an envelope that does not decode, is `CorruptPayload`.
 */
const readWith = <A>(
  fetchDictionary: FetchDictionary,
  entity: Entity,
  id: string,
  value: Value,
  decode: (bytes: ArrayBuffer, record: string) => Effect.Effect<A, CodecError.DecodeError>
): Effect.Effect<string | A, CorruptPayload | DatabaseFailure> => {
  if (typeof value === "string") return Effect.succeed(value)
  if (value instanceof ArrayBuffer) {
    const record = `${entity} ${id}`
    return decode(value, record).pipe(
      // written with a dictionary another process built: fetch it once, then read again
      Effect.catchTag("UnknownDictionary", (unknown) =>
        Effect.flatMap(fetchDictionary(unknown.dictionaryId), (found) =>
          found ? decode(value, record) : Effect.fail(unknown)
        )
      ),
      Effect.mapError((error) =>
        error._tag === "DatabaseError" || error._tag === "DatabaseUnavailable"
          ? error
          : new CorruptPayload({ entity, id, reason: error.message })
      )
    )
  }
  return Effect.fail(new CorruptPayload({ entity, id, reason: `unexpected ${typeof value} in payload column` }))
}
