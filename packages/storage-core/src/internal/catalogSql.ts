import { documentSql } from "./documentTable.js"

/** SQL for the patterns table. */
export const patterns = documentSql({
  table: "patterns",
  id: "pattern_id",
  columns: ["pattern_type", "success_rate", "occurrence_count"],
  orderBy: "created_at"
})

/** SQL for the heuristics table. */
export const heuristics = documentSql({
  table: "heuristics",
  id: "heuristic_id",
  columns: ["confidence"],
  orderBy: "created_at"
})

/** How many records of each kind one namespace holds. */
export const COUNTS = `SELECT (SELECT count(*) FROM episodes WHERE namespace = ?1) AS episodes,
  (SELECT count(*) FROM patterns WHERE namespace = ?1) AS patterns,
  (SELECT count(*) FROM heuristics WHERE namespace = ?1) AS heuristics,
  (SELECT count(*) FROM embeddings WHERE namespace = ?1) AS embeddings`
