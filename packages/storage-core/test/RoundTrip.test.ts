import { afterAll, describe, expect, it } from "@effect/vitest"
import { Episode, Heuristic, Pattern } from "@memory-turso/model"
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Schema from "effect/Schema"
import * as Storage from "../src/Storage.js"
import { at, episode, ns } from "./support/fixtures.js"

const runtime = ManagedRuntime.make(Storage.layerTest)
afterAll(() => runtime.dispose())

const run = <A, E>(effect: Effect.Effect<A, E, Storage.Storage>) => runtime.runPromise(effect)

/**
 * Wire JSON in, decode, store, read back: the JSON must be identical, with the version the store gave the record in
 * place of any version sent (the schema's last field, as the store appends it).
 */
const roundTrips = <A extends { readonly version?: number | undefined }, I>(
  schema: Schema.Schema<A, I>,
  json: { stringify: (a: A) => string },
  store: (storage: Storage.Storage["Type"], value: A) => Effect.Effect<A, unknown>,
  read: (storage: Storage.Storage["Type"], value: A) => Effect.Effect<A, unknown>
) =>
  FastCheck.asyncProperty(Arbitrary.make(schema), async (generated) => {
    const wire = JSON.stringify(Schema.encodeSync(schema)(generated))
    const decoded = Schema.decodeUnknownSync(schema)(JSON.parse(wire))
    const [stored, back] = await run(
      Effect.flatMap(Storage.Storage, (storage) => Effect.zip(store(storage, decoded), read(storage, decoded)))
    )
    expect(back).toEqual(stored)
    expect(back.version).toBeGreaterThanOrEqual(1)
    const { version: _sent, ...rest } = decoded
    const expected = { ...rest, version: back.version } as unknown as A
    expect(json.stringify(back)).toBe(JSON.stringify(Schema.encodeSync(schema)(expected)))
    expect(back).toEqual(expected)
  })

describe("round trips (property based)", () => {
  it("any valid episode round-trips byte for byte", async () => {
    await FastCheck.assert(
      roundTrips(
        Episode,
        Storage.EpisodeJson,
        (s, e) => s.upsertEpisode(ns, e),
        (s, e) => s.getEpisode(ns, e.episode_id)
      ),
      { numRuns: 150 }
    )
  })

  it("every pattern variant round-trips byte for byte", async () => {
    await FastCheck.assert(
      roundTrips(
        Pattern,
        Storage.PatternJson,
        (s, p) => s.upsertPattern(ns, p),
        (s, p) => s.getPattern(ns, p.pattern_id)
      ),
      { numRuns: 150 }
    )
  })

  it("any heuristic round-trips byte for byte", async () => {
    await FastCheck.assert(
      roundTrips(
        Heuristic,
        Storage.HeuristicJson,
        (s, h) => s.upsertHeuristic(ns, h),
        (s, h) => s.getHeuristic(ns, h.heuristic_id)
      ),
      { numRuns: 100 }
    )
  })

  it("a deep step list (5000 steps) round-trips", async () => {
    const steps = Array.from({ length: 5000 }, (_, i) => ({
      step_number: i + 1,
      timestamp: new Date(1_700_000_000_000 + i).toISOString(),
      tool: "shell",
      action: `run ${i} '; DROP TABLE episodes; --`,
      parameters: { argv: ["ls", `${i}`], nested: { deep: [i, null, true] } },
      result: { type: "success" as const, output: "ok\u0000🧠" },
      latency_ms: i
    }))
    const big = episode({ episode_id: "deep", steps })
    const back = await run(
      Effect.flatMap(Storage.Storage, (s) => Effect.zipRight(s.upsertEpisode(ns, big), s.getEpisode(ns, "deep")))
    )
    expect(Storage.EpisodeJson.stringify(back)).toBe(JSON.stringify(Schema.encodeSync(Episode)(at(1, big))))
  })
})
