import * as Schema from "effect/Schema"
import { TaskType } from "./Episode.js"
import { listOf, stringMap } from "./internal/property.js"
import { Timestamp } from "./Timestamp.js"

/** The most results one page may hold. */
export const MAX_PAGE_SIZE = 1000

/** A page size: 1..1000, default 50. */
export const limit = Schema.optionalWith(Schema.Int.pipe(Schema.between(1, MAX_PAGE_SIZE)), { default: () => 50 })

/**
 * Filters for listing episodes, newest first. `tags` match an episode's own tags and its context's tags, all of them
 * (`tags_mode` "all", the default) or any; `metadata` pairs must all match; `from`/`to` bound the start time
 * (inclusive); `completed` true keeps only episodes with an end time and an outcome.
 */
export const EpisodeQuery = Schema.Struct({
  task_type: Schema.optionalWith(TaskType, { exact: true }),
  domain: Schema.optionalWith(Schema.String, { exact: true }),
  language: Schema.optionalWith(Schema.String, { exact: true }),
  tags: listOf(Schema.String),
  tags_mode: Schema.optionalWith(Schema.Literal("all", "any"), { default: () => "all" as const }),
  from: Schema.optionalWith(Timestamp, { exact: true }),
  to: Schema.optionalWith(Timestamp, { exact: true }),
  metadata: stringMap,
  completed: Schema.optionalWith(Schema.Boolean, { exact: true }),
  limit,
  cursor: Schema.optionalWith(Schema.String, { exact: true })
})
export type EpisodeQuery = typeof EpisodeQuery.Type
export type EpisodeQueryInput = typeof EpisodeQuery.Encoded
