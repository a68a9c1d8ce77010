import {
  Episode,
  EpisodeQuery,
  Heuristic,
  HeuristicQuery,
  Pattern,
  PatternQuery,
  Storage
} from "@memory-turso/storage-core"
import type { Hono } from "hono"
import type { AppEnv, Run } from "../http/respond.js"
import { type Hot, mountDocuments } from "./documents.js"

/** Episodes, patterns and heuristics. */
export const mountMemory = (app: Hono<AppEnv>, run: Run, hot: Hot) => {
  mountDocuments(app, run, hot, {
    plural: "episodes",
    idField: "episode_id",
    schema: Episode,
    json: Storage.EpisodeJson,
    idOf: (e) => e.episode_id,
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
      getMany: s.getEpisodes,
      remove: s.deleteEpisode,
      list: s.queryEpisodes
    }),
    peek: (cache) => cache.peekEpisode
  })
  mountDocuments(app, run, hot, {
    plural: "patterns",
    idField: "pattern_id",
    schema: Pattern,
    json: Storage.PatternJson,
    idOf: (p) => p.pattern_id,
    query: PatternQuery,
    params: { type: ["type", "text"], limit: ["limit", "int"], cursor: ["cursor", "text"] },
    ops: (s) => ({
      upsert: s.upsertPattern,
      upsertMany: s.upsertPatterns,
      get: s.getPattern,
      getMany: s.getPatterns,
      remove: s.deletePattern,
      list: s.listPatterns
    }),
    peek: (cache) => cache.peekPattern
  })
  mountDocuments(app, run, hot, {
    plural: "heuristics",
    idField: "heuristic_id",
    schema: Heuristic,
    json: Storage.HeuristicJson,
    idOf: (h) => h.heuristic_id,
    query: HeuristicQuery,
    params: { limit: ["limit", "int"], cursor: ["cursor", "text"] },
    ops: (s) => ({
      upsert: s.upsertHeuristic,
      upsertMany: s.upsertHeuristics,
      get: s.getHeuristic,
      remove: s.deleteHeuristic,
      list: s.listHeuristics
    })
  })
}
