import { DEFAULT_NAMESPACE } from "@memory-turso/model"
import * as Effect from "effect/Effect"
import { InvalidCursor } from "../StorageError.js"

/** Position after the last row of a page: its sort key and id. */
export interface Position {
  readonly key: number
  readonly id: string
}

/** An opaque cursor for a position in one namespace's listing. */
export const encodeCursor = (namespace: string, position: Position): string =>
  Buffer.from(JSON.stringify([position.key, position.id, namespace]), "utf8").toString("base64url")

/**
 * Reads a cursor back, failing with `InvalidCursor` for anything this store did not issue, and for a cursor issued
 * in another namespace. (Cursors from before namespaces, without one, belong to the default namespace.)
 */
export const decodeCursor = (namespace: string, cursor: string): Effect.Effect<Position, InvalidCursor> =>
  Effect.try({
    try: () => {
      const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"))
      if (
        Array.isArray(parsed) &&
        (parsed.length === 2 || parsed.length === 3) &&
        Number.isSafeInteger(parsed[0]) &&
        typeof parsed[1] === "string" &&
        (parsed[2] ?? DEFAULT_NAMESPACE) === namespace
      ) {
        return { key: parsed[0] as number, id: parsed[1] as string }
      }
      throw new Error("malformed")
    },
    catch: () => new InvalidCursor({ cursor })
  })
