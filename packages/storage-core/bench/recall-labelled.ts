// The recall benchmark's labelled set: hybrid, vector-only and text-only recall@5 on incidents written by hand
// (recall-corpus.ts) among generated distractor episodes.
import { Episode, Namespace, RecallQuery, type RecallQueryInput } from "@memory-turso/model"
import { Pool } from "@memory-turso/pool"
import { prng } from "@memory-turso/testkit"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as Storage from "../src/Storage.js"
import { embed, INCIDENTS } from "./recall-corpus.js"

/** Opens a storage over a database URL for the scope. */
export type OpenStorage = (
  url: string
) => Effect.Effect<{ readonly storage: Storage.Storage["Type"] }, unknown, Scope.Scope>

const recallQuery = (input: RecallQueryInput) => Schema.decodeUnknownSync(RecallQuery)(input)

const CHORES = [
  "Bump the lodash dependency",
  "Rename the helper function",
  "Update the changelog",
  "Add a unit test for the parser",
  "Translate the settings page",
  "Refactor the payment form component",
  "Write docs for the config options",
  "Fix a typo in the error message",
  "Upgrade the build tool to the next major version",
  "Remove dead code"
]
const PLACES = [
  "service",
  "frontend app",
  "admin panel",
  "CLI",
  "shared library",
  "mobile app",
  "docs site",
  "build config"
]
const STEPS = [
  "changed two files",
  "updated the snapshot",
  "asked for a review",
  "adjusted the import paths",
  "regenerated the lock file",
  "reformatted the code"
]
const OUTCOMES = ["merged after review", "checks green", "released in the next version", "closed the ticket"]

/** How many of `a` are in `b`. */
export const overlap = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) => a.filter((x) => b.includes(x)).length

/** Hybrid, vector-only and text-only recall@5 on the labelled set (see recall-corpus.ts). */
export const labelled = (storageOver: OpenStorage, distractors: number, conceptWeight: number) =>
  Effect.scoped(
    Effect.gen(function* () {
      const url = yield* Pool.temporaryUrl
      const { storage } = yield* storageOver(url)
      const ns = Namespace.make("labelled")
      const texts: Array<{ id: string; text: string; incident: string | undefined }> = []
      for (const incident of INCIDENTS) {
        incident.episodes.forEach((e, j) => {
          texts.push({
            id: `${incident.id}-${j}`,
            text: [e.task, ...e.steps, e.outcome].join("\n"),
            incident: incident.id
          })
        })
      }
      // Distractors: everyday chores of an agent (bumping dependencies, renaming, docs, ...), combined from short lists:
      // coherent, relevant to no query, sharing common words ("build", "test", "service", "config") with the incidents.
      const pick = prng(7)
      const any = <A>(xs: ReadonlyArray<A>) => xs[Math.floor(pick() * xs.length)]!
      for (let d = 0; d < distractors; d++) {
        texts.push({
          id: `noise-${d}`,
          text: [
            `${any(CHORES)} in the ${any(PLACES)}`,
            `opened the ${any(PLACES)} and ${any(STEPS)}`,
            `ran the ${any(["unit", "integration", "lint", "type"])} checks`,
            `${any(OUTCOMES)}`
          ].join("\n"),
          incident: undefined
        })
      }
      yield* storage.upsertEpisodes(
        ns,
        texts.map((t) => {
          const [task, ...rest] = t.text.split("\n")
          return Schema.decodeUnknownSync(Episode)({
            episode_id: t.id,
            task_description: task,
            steps: rest.slice(0, -1).map((action, s) => ({
              step_number: s + 1,
              timestamp: "2026-01-01T00:00:00Z",
              tool: "shell",
              action,
              latency_ms: 1
            })),
            ...(rest.length > 0 ? { outcome: { type: "success", verdict: rest.at(-1), artifacts: [] } } : {})
          })
        })
      )
      for (const t of texts) {
        yield* storage.upsertEmbedding(ns, {
          item_type: "episode",
          item_id: t.id,
          model: "trigram-hash",
          vector: embed(t.text, conceptWeight)
        })
      }
      const scores = { hybrid: 0, vector: 0, text: 0 }
      let queries = 0
      for (const incident of INCIDENTS) {
        for (const q of incident.queries) {
          queries += 1
          const relevant = incident.episodes.map((_, j) => `${incident.id}-${j}`)
          const ask = (input: Omit<RecallQueryInput, "k" | "kinds">) =>
            Effect.map(
              storage.recall(ns, recallQuery({ ...input, k: 5, kinds: ["episode"] })),
              (r) =>
                overlap(
                  r.items.map((i) => i.item_id),
                  relevant
                ) / relevant.length
            )
          scores.hybrid += yield* ask({ text: q, vector: embed(q, conceptWeight) })
          scores.vector += yield* ask({ vector: embed(q, conceptWeight) })
          scores.text += yield* ask({ text: q })
        }
      }
      return {
        hybrid: scores.hybrid / queries,
        vector: scores.vector / queries,
        text: scores.text / queries,
        queries,
        episodes: texts.length
      }
    })
  )
