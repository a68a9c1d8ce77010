// The API's `decode` answers valid bodies with the compiled parser (see @memory-turso/model CompiledParse): every
// body of the hostile corpus, real-text episodes and mutations of them must get exactly what Effect's decode alone
// gives: the same value (same keys in the same order), or the same 422 with the same issues.
import { Episode, Heuristic, validationIssues } from "@memory-turso/model"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import { describe, expect, it } from "vitest"
import { realisticEpisode } from "../bench/realisticEpisode.js"
import { validationFailed } from "../src/http/ApiError.js"
import { decode } from "../src/http/body.js"
import { findTooDeep } from "../src/limits/JsonDepth.js"
import { hostileRequests } from "./support/hostileRequests.js"

const DEFAULT_MAX_JSON_DEPTH = 32

/** Effect's decode alone, as `decode` ran before it had a compiled path. */
const effectOnly = <A, I>(schema: Schema.Schema<A, I>, input: unknown, complete: boolean) =>
  Schema.decodeUnknown(schema)(input, { errors: complete ? "all" : "first", onExcessProperty: "error" }).pipe(
    Effect.mapError((error) => validationFailed(validationIssues(error, [])))
  )

/** What a decode ends with, comparably: the value's JSON, or the error's status and body. */
const outcome = (effect: Effect.Effect<unknown, { status: number; body: () => string }>) => {
  const exit = Effect.runSyncExit(effect)
  if (Exit.isSuccess(exit)) return { ok: JSON.stringify(exit.value) }
  const failure = Cause.failureOption(exit.cause)
  if (failure._tag === "None") return { defect: Cause.pretty(exit.cause) }
  return { status: failure.value.status, body: failure.value.body() }
}

const Batch = Schema.Array(Episode).pipe(Schema.maxItems(1000))
const schemas = [
  ["Episode", Episode],
  ["batch of episodes", Batch],
  ["Heuristic", Heuristic]
] as const

/** The same as Effect's, for both report modes; true when the input was accepted. */
const same = (schema: Schema.Schema.Any, input: unknown) => {
  let accepted = false
  for (const complete of [true, false]) {
    const ours = outcome(decode(schema as Schema.Schema<unknown, unknown>, input, [], complete))
    expect(ours).toEqual(outcome(effectOnly(schema as Schema.Schema<unknown, unknown>, input, complete)))
    accepted = "ok" in ours
  }
  return accepted
}

/** Fixed ids and times: decoding fills absent ones with new values each time. */
const withIds = (input: unknown) =>
  typeof input === "object" && input !== null && !Array.isArray(input)
    ? { episode_id: "fixed", start_time: "2026-01-01T00:00:00Z", ...input }
    : input

/** The hostile bodies that reach decoding: JSON within the default depth limit (deeper ones are refused first). */
const jsonBodies = hostileRequests.flatMap((request) => {
  if (typeof request.body !== "string" || findTooDeep(request.body, DEFAULT_MAX_JSON_DEPTH) !== undefined) return []
  try {
    return [{ name: request.name, value: JSON.parse(request.body) as unknown }]
  } catch {
    return []
  }
})

describe("decode with the compiled parser", () => {
  it("gives what Effect gives for every JSON body of the hostile corpus", () => {
    expect(jsonBodies.length).toBeGreaterThan(20)
    for (const { value } of jsonBodies) {
      for (const [, schema] of schemas) {
        same(schema, Array.isArray(value) ? value.map(withIds) : withIds(value))
      }
    }
  })

  it("gives what Effect gives for real-text episodes, alone and in batches, and for mutations of them", () => {
    const episodes = Array.from({ length: 40 }, (_, i) => realisticEpisode(`real-${i}`, 4608))
    let accepted = 0
    for (const episode of episodes) if (same(Episode, episode)) accepted++
    expect(accepted).toBe(episodes.length)
    expect(same(Batch, episodes)).toBe(true)
    const mutations: ReadonlyArray<(e: Record<string, unknown>) => unknown> = [
      (e) => ({ ...e, task_type: "dreaming" }),
      (e) => ({ ...e, extra: 1 }),
      (e) => ({ ...e, steps: [{ ...(e["steps"] as Array<object>)[0], step_number: 0 }] }),
      (e) => ({ ...e, steps: [{ ...(e["steps"] as Array<object>)[0], timestamp: "yesterday" }] }),
      (e) => ({ ...e, steps: [{ ...(e["steps"] as Array<object>)[0], result: { type: "error" } }] }),
      (e) => ({ ...e, steps: [{ ...(e["steps"] as Array<object>)[0], result: null, tokens_used: null }] }),
      (e) => ({ ...e, context: { ...(e["context"] as object), complexity: undefined, language: null } }),
      (e) => ({ ...e, metadata: { a: 1 } }),
      (e) => ({ ...e, reward: { total: Number.POSITIVE_INFINITY } }),
      (e) => ({ ...e, outcome: { type: "success", verdict: "ok" } }),
      (e) => ({ ...e, outcome: { type: "abstained", reason: "r", stopped_at_step: -1 } }),
      (e) => ({ ...e, episode_id: "../etc" }),
      (e) => ({ ...e, end_time: null, version: 3 })
    ]
    let refused = 0
    for (const mutation of mutations) {
      for (const episode of episodes.slice(0, 5)) {
        if (!same(Episode, mutation(episode as never))) refused++
      }
    }
    expect(refused).toBeGreaterThan(30)
  })
})
