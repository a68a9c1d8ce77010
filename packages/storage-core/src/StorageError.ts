import * as Data from "effect/Data"
import type { Recorded } from "./WriteOptions.js"

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

/** A conditional write or delete found the record at another version, or found no record; nothing was changed. */
export class PreconditionFailed extends Data.TaggedError("PreconditionFailed")<{
  readonly entity: Entity
  readonly id: string
  /** The version the write asked for (If-Match). */
  readonly expected: number
  /** The record's version now; absent when there is no record. */
  readonly actual?: number | undefined
}> {
  override get message(): string {
    const record = `${this.entity} ${JSON.stringify(this.id)}`
    return this.actual === undefined
      ? `${record} does not exist (If-Match asked for version ${this.expected})`
      : `${record} is at version ${this.actual}, not ${this.expected}`
  }
}

/**
 * A write's idempotency key was used before in the namespace (within the window): nothing was written now;
 * `recorded` is what the first write under the key answered, and the fingerprint of its request.
 */
export class IdempotencyKeyUsed extends Data.TaggedError("IdempotencyKeyUsed")<{
  readonly key: string
  readonly recorded: Recorded
}> {
  override get message(): string {
    return "this Idempotency-Key was used before in the namespace"
  }
}

/**
 * A write failed because the database stopped answering: its request may have been applied or not. It was not
 * sent again unless that was safe (see `Replay`), so nothing newer was overwritten.
 */
export class OutcomeUnknown extends Data.TaggedError("OutcomeUnknown")<{
  readonly entity: Entity
  /** The record written (or the first of a batch). */
  readonly id: string
  /** The database's message. */
  readonly reason: string
}> {
  override get message(): string {
    return `the database stopped answering during a write of ${this.entity} ${JSON.stringify(this.id)}; it may or may not have been applied`
  }
}
