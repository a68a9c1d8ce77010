import type { RecallItem, RecallKind } from "@memory-turso/model"
import type { TextHit } from "./textRecall.js"
import type { VectorHit } from "./vectorRecall.js"

/**
 * Reciprocal rank fusion: each item scores the sum of 1 / (k + rank) over the ranked lists it appears in (rank from
 * 1), so an item near the top of both lists beats one at the top of only one, whatever the scales of the lists'
 * own scores. Ties go by kind, then id.
 */
export const fuse = (
  vector: ReadonlyArray<VectorHit>,
  text: ReadonlyArray<TextHit>,
  rrfK: number,
  k: number
): ReadonlyArray<RecallItem> => {
  type Entry = {
    item_type: RecallKind
    item_id: string
    fused: number
    vector_rank?: number
    vector_similarity?: number
    text_rank?: number
    bm25?: number
  }
  const entries = new Map<string, Entry>()
  const entry = (item_type: RecallKind, item_id: string) => {
    const key = `${item_type}/${item_id}`
    let found = entries.get(key)
    if (found === undefined) {
      found = { item_type, item_id, fused: 0 }
      entries.set(key, found)
    }
    return found
  }
  vector.forEach((hit, i) => {
    const e = entry(hit.item_type, hit.item_id)
    e.fused += 1 / (rrfK + i + 1)
    e.vector_rank = i + 1
    e.vector_similarity = hit.similarity
  })
  text.forEach((hit, i) => {
    const e = entry(hit.item_type, hit.item_id)
    e.fused += 1 / (rrfK + i + 1)
    e.text_rank = i + 1
    // FTS5's bm25() is lower-is-better (negative): served as a relevance, higher is better
    e.bm25 = -hit.bm25
  })
  return [...entries.values()]
    .sort(
      (a, b) =>
        b.fused - a.fused ||
        (a.item_type < b.item_type ? -1 : a.item_type > b.item_type ? 1 : 0) ||
        (a.item_id < b.item_id ? -1 : a.item_id > b.item_id ? 1 : 0)
    )
    .slice(0, k)
    .map(({ item_id, item_type, ...score }) => ({ item_type, item_id, score }))
}
