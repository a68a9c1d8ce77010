import type { Value } from "@libsql/client"
import * as Effect from "effect/Effect"
import { CorruptPayload, type Entity } from "../StorageError.js"

/** A document's JSON as it goes into the payload column, with its plain size in bytes. */
export interface StoredPayload {
  readonly payload: string | Uint8Array
  readonly payloadBytes: number
}

/** How JSON documents are written to and read from payload columns. */
export interface PayloadFormat {
  readonly write: (kind: "episodes" | "patterns" | "heuristics", json: string) => Effect.Effect<StoredPayload>
  readonly read: (entity: Entity, id: string, value: Value) => Effect.Effect<string, CorruptPayload>
}

/** Payloads stored as plain JSON text. */
export const plainPayload: PayloadFormat = {
  write: (_kind, json) => Effect.succeed({ payload: json, payloadBytes: Buffer.byteLength(json) }),
  read: (entity, id, value) =>
    typeof value === "string"
      ? Effect.succeed(value)
      : Effect.fail(new CorruptPayload({ entity, id, reason: `expected JSON text, found ${typeof value}` }))
}
