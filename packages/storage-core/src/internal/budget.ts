import type { Database } from "@memory-turso/pool"

/**
 * The response byte budget in SQL. A page or batch is measured by the stored documents' plain sizes
 * (`payload_bytes`) before any payload is read: rows come back in order with a running total, and only the rows
 * within the budget (and always the first one, however large) carry their payload; the others come back as an id
 * alone, so no read holds more than about one budget of payloads in memory whatever the rows hold. The payloads
 * are joined back by primary key after the window is computed, so SQLite never carries the other rows' payloads
 * through its sorter either.
 */

/**
 * Wraps a listing that yields `id`, `sort_key` and `payload_bytes` in order (newest first) into one that also
 * yields `version` and `payload`, within the budget. Arguments: the budget first, then the listing's, then the namespace.
 */
export const budgetedListing = (table: string, idColumn: string, listing: string): string =>
  `SELECT p.id AS id, p.sort_key AS sort_key, t.version AS version, CASE WHEN p.running <= ? OR p.position = 1 THEN t.payload END AS payload
FROM (SELECT id, sort_key, sum(payload_bytes) OVER w AS running, row_number() OVER w AS position
  FROM (${listing})
  WINDOW w AS (ORDER BY sort_key DESC, id DESC ROWS UNBOUNDED PRECEDING)) AS p
CROSS JOIN ${table} t ON t.namespace = ? AND t.${idColumn} = p.id
ORDER BY p.position`

/** A budgeted listing statement: see `budgetedListing`. */
export const budgetedListingStatement = (
  table: string,
  idColumn: string,
  listing: Database.Statement,
  namespace: string,
  budget: number
): Database.Statement => ({
  sql: budgetedListing(table, idColumn, listing.sql),
  args: [budget, ...listing.args, namespace]
})

/**
 * Reads documents by id in the order asked (the ids as a JSON array, without duplicates), within the budget: the
 * rows past it come back without their payload. Arguments: budget, ids (JSON), namespace, namespace.
 */
export const budgetedSelectMany = (table: string, idColumn: string): string =>
  `SELECT p.id AS id, t.version AS version, CASE WHEN p.running <= ? OR p.position = 1 THEN t.payload END AS payload
FROM (SELECT d.${idColumn} AS id, sum(d.payload_bytes) OVER w AS running, row_number() OVER w AS position
  FROM json_each(?) j CROSS JOIN ${table} d ON d.namespace = ? AND d.${idColumn} = j.value
  WINDOW w AS (ORDER BY j.key ROWS UNBOUNDED PRECEDING)) AS p
CROSS JOIN ${table} t ON t.namespace = ? AND t.${idColumn} = p.id
ORDER BY p.position`

/**
 * Counts the bytes of a response as its documents are decoded, one at a time: `admit` says whether one more
 * document of `bytes` fits. The first document always fits (a record larger than the budget is served alone).
 */
export class ByteBudget {
  private used = 0
  private count = 0
  constructor(readonly limit: number) {}

  admit(bytes: number): boolean {
    if (this.count > 0 && this.used + bytes > this.limit) return false
    this.used += bytes
    this.count++
    return true
  }
}
