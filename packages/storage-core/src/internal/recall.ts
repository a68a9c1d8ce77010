import type { Namespace, RecallItem, RecallQuery, RecallResult } from "@memory-turso/model"
import type { Database, DatabaseFailure } from "@memory-turso/pool"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { RecallPolicy } from "../RecallConfig.js"
import { fuse } from "./fusion.js"
import { kindsUnder } from "./recallFilters.js"
import { matchQuery, type TextHit, textHitOf, textStatement } from "./textRecall.js"
import type { VectorOutcome, VectorRecall } from "./vectorRecall.js"

/** How deep each list of a hybrid recall goes: deeper than `k`, so fusion can lift an item from lower down. */
export const listDepth = (k: number, hybrid: boolean): number => (hybrid ? Math.min(300, Math.max(3 * k, 30)) : k)

/**
 * Counts items as retrieved in one statement, returning their counts: an upsert of `retrieval_counts` rows for
 * the items that still exist (the row goes with its record).
 */
const COUNT = `INSERT INTO retrieval_counts (namespace, item_type, item_id, times_retrieved, last_retrieved_at)
SELECT ?1, json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'), 1, ?3 FROM json_each(?2) AS j
WHERE (json_extract(j.value, '$[0]') = 'episode'
    AND EXISTS (SELECT 1 FROM episodes WHERE namespace = ?1 AND episode_id = json_extract(j.value, '$[1]')))
  OR (json_extract(j.value, '$[0]') = 'pattern'
    AND EXISTS (SELECT 1 FROM patterns WHERE namespace = ?1 AND pattern_id = json_extract(j.value, '$[1]')))
  OR (json_extract(j.value, '$[0]') = 'heuristic'
    AND EXISTS (SELECT 1 FROM heuristics WHERE namespace = ?1 AND heuristic_id = json_extract(j.value, '$[1]')))
ON CONFLICT (namespace, item_type, item_id) DO UPDATE
SET times_retrieved = times_retrieved + 1, last_retrieved_at = excluded.last_retrieved_at
RETURNING item_type, item_id, times_retrieved`

/**
 * Recall: the text side (one statement per kind, all in one read batch: one round trip) and the vector side (see
 * `vectorRecall.ts`), fused by reciprocal rank with `rrf_k`; either side alone is its own ranking. With counting,
 * one more statement counts the items returned.
 */
export const makeRecall =
  (db: Database.Database["Type"], vectors: VectorRecall, policy: RecallPolicy) =>
  (namespace: Namespace, query: RecallQuery): Effect.Effect<RecallResult, DatabaseFailure> =>
    Effect.gen(function* () {
      const kinds = kindsUnder(query.kinds, query.filters)
      const match = query.text === undefined ? undefined : matchQuery(query.text)
      const hybrid = query.text !== undefined && query.vector !== undefined
      const depth = listDepth(query.k, hybrid)

      const textSide =
        match === undefined || kinds.length === 0
          ? Effect.succeed<ReadonlyArray<TextHit>>([])
          : Effect.map(
              db.batch(
                kinds.map((kind) => textStatement(namespace, kind, match, query.filters, depth)),
                "read"
              ),
              (results) =>
                results
                  .flatMap((result) => result.rows.map(textHitOf))
                  .sort((a, b) => a.bm25 - b.bm25)
                  .slice(0, depth)
            )
      const vectorSide: Effect.Effect<VectorOutcome, DatabaseFailure> =
        query.vector === undefined
          ? Effect.succeed({ hits: [], plan: "none", candidates: 0, indexQueries: 0 })
          : vectors(namespace, query.vector, kinds, query.filters, depth, query.exact)
      const [text, vector] = yield* Effect.all([textSide, vectorSide], { concurrency: 2 })

      let items: ReadonlyArray<RecallItem> = fuse(vector.hits, text, policy.rrf_k, query.k)
      if ((query.count_retrieved ?? policy.count_retrievals) && items.length > 0) {
        const now = yield* Clock.currentTimeMillis
        const counted = yield* db.execute({
          sql: COUNT,
          args: [namespace, JSON.stringify(items.map((item) => [item.item_type, item.item_id])), now]
        })
        const times = new Map(
          counted.rows.map((row) => [`${row["item_type"]}/${row["item_id"]}`, Number(row["times_retrieved"])])
        )
        items = items.flatMap((item) => {
          const count = times.get(`${item.item_type}/${item.item_id}`)
          // an item deleted since it was found is not served
          return count === undefined ? [] : [{ ...item, times_retrieved: count }]
        })
      }
      return {
        items,
        plan: {
          vector: vector.plan,
          candidates: vector.candidates,
          index_queries: vector.indexQueries,
          text: match !== undefined && kinds.length > 0
        }
      }
    })
