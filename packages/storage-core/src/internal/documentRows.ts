import type { Value } from "@libsql/client"
import * as Effect from "effect/Effect"
import { withNumberField } from "../CanonicalJson.js"
import type { StoredJson } from "../Storage.js"
import { CorruptPayload } from "../StorageError.js"
import type { DocumentSpec } from "./documentStore.js"
import type { PayloadFormat } from "./payload.js"
import { hasTopLevelString, withNumberFieldBytes } from "./storedJson.js"

/** The columns of a result row that a document store reads (`id`, `version`, `payload`, `sort_key`). */
export type Fields = Readonly<Record<string, Value | undefined>>

/** The field every stored document carries; its value lives in the row's `version` column, not in the payload. */
const VERSION = "version"

/** Decodes UTF-8 as the codec's `decodeText` does (invalid bytes are damage). */
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

/** How a document store turns its rows into records: decoded documents, or their canonical JSON bytes. */
export const rowReader = <A extends object>(format: PayloadFormat, spec: DocumentSpec<A>) => {
  /** The document in a row's JSON (without version): parsed, with the row's version, and checked to be this record's. */
  const parseRow = (id: string, version: number, json: string) => {
    const parsed = spec.json.parseStored(withNumberField(json, VERSION, version))
    if (parsed._tag === "Left") {
      return Effect.fail(new CorruptPayload({ entity: spec.entity, id, reason: parsed.left.message.slice(0, 500) }))
    }
    return spec.idOf(parsed.right) === id
      ? Effect.succeed(parsed.right)
      : Effect.fail(new CorruptPayload({ entity: spec.entity, id, reason: "the payload belongs to another record" }))
  }

  /** The document in a row, and the size of its JSON in bytes. */
  const decodeRow = (row: Fields) => {
    const id = String(row["id"])
    return format.read(spec.entity, id, row["payload"] ?? null).pipe(
      Effect.flatMap((json) =>
        Effect.map(parseRow(id, Number(row[VERSION]), json), (document) => ({
          document,
          bytes: Buffer.byteLength(json)
        }))
      )
    )
  }

  /**
   * A row's record as its canonical JSON bytes (version included), for serving as it is. A compressed payload, whose
   * envelope's CRC vouches for the bytes this store wrote, is not parsed when its first members name this record:
   * the version is spliced into its bytes. Plain TEXT (no checksum), or anything that check cannot confirm, is
   * parsed and checked as `get` does, so a damaged row is the same `CorruptPayload`.
   */
  const jsonOfRow = (id: string, row: Fields) => {
    const version = Number(row[VERSION])
    return format.readBytes(spec.entity, id, row["payload"] ?? null).pipe(
      Effect.flatMap((payload): Effect.Effect<StoredJson, CorruptPayload> => {
        if (typeof payload !== "string" && hasTopLevelString(payload, spec.sql.id, id)) {
          return Effect.succeed({ bytes: withNumberFieldBytes(payload, VERSION, version), version })
        }
        let json: string
        try {
          json = typeof payload === "string" ? payload : utf8.decode(payload)
        } catch {
          const reason = `corrupt compressed payload in record ${spec.entity} ${id}: decoded bytes are not valid UTF-8`
          return Effect.fail(new CorruptPayload({ entity: spec.entity, id, reason }))
        }
        return Effect.map(parseRow(id, version, json), (document) => ({ bytes: spec.json.bytes(document), version }))
      })
    )
  }

  return { decodeRow, jsonOfRow }
}
