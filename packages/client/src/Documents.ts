import type { BatchGet, BatchStored, Page } from "./Bodies.js"
import type { CallOptions } from "./Exchange.js"

/**
 * Episodes, patterns or heuristics in the client's namespace. `A` is the record as decoded (every default filled),
 * `Input` as sent (only the required fields), `Query` the list filters as sent.
 */
export interface DocumentClient<A, Input, Query> {
  /** Creates or replaces one record (an absent id is generated) and answers it as stored. */
  readonly put: (document: Input, options?: CallOptions) => Promise<A>
  /** Creates or replaces up to 1000 records in one transaction (all or nothing). */
  readonly putMany: (documents: ReadonlyArray<Input>, options?: CallOptions) => Promise<BatchStored>
  /** Reads one record; an absent one rejects with an `ApiError` of code `not_found`. */
  readonly get: (id: string, options?: CallOptions) => Promise<A>
  /** Reads up to 1000 records in one round trip: those found in the order asked, and the ids missing. */
  readonly getMany: (ids: ReadonlyArray<string>, options?: CallOptions) => Promise<BatchGet<A>>
  /** One page, newest first (`limit` 1-1000, default 50; `cursor` from the previous page). */
  readonly list: (query?: Query, options?: CallOptions) => Promise<Page<A>>
  /** Deletes one record (an episode's or pattern's embedding goes with it); an absent one is `not_found`. */
  readonly delete: (id: string, options?: CallOptions) => Promise<void>
}
