import * as Data from "effect/Data"

/** The kinds of record the store keeps. */
export type Entity = "episode" | "pattern" | "heuristic" | "embedding"

/** No record with this id. */
export class NotFound extends Data.TaggedError("NotFound")<{
  readonly entity: Entity
  readonly id: string
}> {
  override get message(): string {
    return `${this.entity} ${JSON.stringify(this.id)} not found`
  }
}

/** A stored record could not be read back (damaged payload or one that no longer fits the model). */
export class CorruptPayload extends Data.TaggedError("CorruptPayload")<{
  readonly entity: Entity
  readonly id: string
  readonly reason: string
}> {
  override get message(): string {
    return `stored ${this.entity} ${JSON.stringify(this.id)} is unreadable: ${this.reason}`
  }
}

/** A pagination cursor that this store did not issue. */
export class InvalidCursor extends Data.TaggedError("InvalidCursor")<{
  readonly cursor: string
}> {
  override get message(): string {
    return "cursor is not one this server issued"
  }
}

/** No compression dictionary can be built now (the reason says why: settings, or nothing stored yet). */
export class DictionaryUnavailable extends Data.TaggedError("DictionaryUnavailable")<{
  readonly reason: string
}> {
  override get message(): string {
    return `no compression dictionary can be built: ${this.reason}`
  }
}
