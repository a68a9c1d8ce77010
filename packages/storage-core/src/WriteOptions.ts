import { BatchStored } from "@memory-turso/model"
import * as Duration from "effect/Duration"
import * as CanonicalJson from "./CanonicalJson.js"

/** A write's idempotency key, and the fingerprint of the request that carried it. */
export interface IdempotencyKey {
  /** The client's key (HTTP `Idempotency-Key`), kept per namespace for the window. */
  readonly key: string
  /** What identifies the request (a hash of its method, path and body): the key with another fingerprint is refused. */
  readonly fingerprint: string
}

/** What the first write under a key answered (status and body, byte for byte), and its request's fingerprint. */
export interface Recorded {
  readonly fingerprint: string
  readonly status: number
  readonly body: string
}

/**
 * A write's or a delete's condition on the record's version (HTTP `If-Match`): another version, or no record,
 * fails it with `PreconditionFailed` and changes nothing. Checked in the write's own statements, not read before.
 */
export interface VersionCondition {
  readonly ifVersion?: number | undefined
}

/** Conditions of a write of one document. */
export interface WriteOptions extends VersionCondition {
  /**
   * Records the write's result under this key in the write's transaction. A later write with the key (within the
   * window) writes nothing and fails with `IdempotencyKeyUsed`, which carries the first result.
   */
  readonly idempotency?: IdempotencyKey | undefined
}

/** Conditions of a batch write: an idempotency key, as for one record (its result is `batchResult`). */
export interface BatchOptions {
  readonly idempotency?: IdempotencyKey | undefined
}

/** How long idempotency keys are kept unless storage is told otherwise: 24 hours. */
export const DEFAULT_IDEMPOTENCY_WINDOW: Duration.Duration = Duration.hours(24)

const BatchStoredJson = CanonicalJson.make(BatchStored)

/**
 * The result a batch write records under its idempotency key: `BatchStored` as JSON, `{"stored":n,"ids":[...]}`.
 * (A one-record write records the record's JSON with its new version.)
 */
export const batchResult = (ids: ReadonlyArray<string>): string =>
  BatchStoredJson.stringify({ stored: ids.length, ids })
