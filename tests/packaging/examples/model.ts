import { Episode, Namespace } from "@memory-turso/model"
import { Either, Schema } from "effect"

// Decoding fills every default: a UUIDv7 id, task_type "other", start_time now, empty lists and maps.
const episode = Schema.decodeUnknownSync(Episode)({ task_description: "fix the flaky test", tags: ["ci"] })
console.log(episode.episode_id.length, episode.task_type, episode.steps, episode.tags) // => 36 other [] [ 'ci' ]
// How the API decodes bodies: every issue reported, unknown fields refused (a typo never vanishes).
const decodeBody = Schema.decodeUnknownEither(Episode, { errors: "all", onExcessProperty: "error" })
console.log(Either.isLeft(decodeBody({ task_description: "fix", tgas: ["ci"] }))) // => true
console.log(Schema.is(Namespace)("team-a"), Schema.is(Namespace)("team a")) // => true false
