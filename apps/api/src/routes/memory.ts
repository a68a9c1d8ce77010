import { Episode, EpisodeQuery, Heuristic, HeuristicQuery, Pattern, PatternQuery } from "@memory-turso/model"
import { Storage } from "@memory-turso/storage-core"
import type { Routes } from "../http/Routes.js"
import type { Run } from "../http/respond.js"
import { type Hot, mountDocuments } from "./documents.js"

/** Episodes, patterns and heuristics. */
export const mountMemory = (routes: Routes, run: Run, hot: Hot) => {
  mountDocuments(routes, run, hot, {
    plural: "episodes",
    singular: "episode",
    idField: "episode_id",
    schema: Episode,
    json: Storage.EpisodeJson,
    idOf: (e) => e.episode_id,
    versionOf: (e) => e.version,
    query: EpisodeQuery,
    params: {
      task_type: ["task_type", "text"],
      domain: ["domain", "text"],
      language: ["language", "text"],
      tag: ["tags", "list"],
      tags: ["tags", "list"],
      tags_mode: ["tags_mode", "text"],
      from: ["from", "text"],
      to: ["to", "text"],
      metadata: ["metadata", "pairs"],
      completed: ["completed", "boolean"],
      limit: ["limit", "int"],
      cursor: ["cursor", "text"]
    },
    ops: (s) => ({
      upsert: s.upsertEpisode,
      upsertMany: s.upsertEpisodes,
      get: s.getEpisode,
      getJson: s.getEpisodeJson,
      getMany: s.getEpisodes,
      remove: s.deleteEpisode,
      list: s.queryEpisodes
    }),
    peek: (cache) => cache.peekEpisode
  })
  mountDocuments(routes, run, hot, {
    plural: "patterns",
    singular: "pattern",
    idField: "pattern_id",
    schema: Pattern,
    json: Storage.PatternJson,
    idOf: (p) => p.pattern_id,
    versionOf: (p) => p.version,
    query: PatternQuery,
    params: { type: ["type", "text"], limit: ["limit", "int"], cursor: ["cursor", "text"] },
    ops: (s) => ({
      upsert: s.upsertPattern,
      upsertMany: s.upsertPatterns,
      get: s.getPattern,
      getJson: s.getPatternJson,
      getMany: s.getPatterns,
      remove: s.deletePattern,
      list: s.listPatterns
    }),
    peek: (cache) => cache.peekPattern
  })
  mountDocuments(routes, run, hot, {
    plural: "heuristics",
    singular: "heuristic",
    idField: "heuristic_id",
    schema: Heuristic,
    json: Storage.HeuristicJson,
    idOf: (h) => h.heuristic_id,
    versionOf: (h) => h.version,
    query: HeuristicQuery,
    params: { limit: ["limit", "int"], cursor: ["cursor", "text"] },
    ops: (s) => ({
      upsert: s.upsertHeuristic,
      upsertMany: s.upsertHeuristics,
      get: s.getHeuristic,
      getJson: s.getHeuristicJson,
      getMany: s.getHeuristics,
      remove: s.deleteHeuristic,
      list: s.listHeuristics
    })
  })
}
