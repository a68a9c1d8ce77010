import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Schema from "effect/Schema"
import { describe, expect, it } from "vitest"
import { compileDecode, compileEncode, Embedding, Episode, Heuristic, NOT_ACCEPTED, Pattern } from "../src/index.js"

const DECODE = { errors: "all", onExcessProperty: "error" } as const

/** Defaults that differ from call to call (a new id, the time now) when the input leaves them out. */
const GENERATED = ["episode_id", "pattern_id", "heuristic_id", "start_time", "created_at", "updated_at"]

/** The output's JSON (key order included), with generated defaults masked where the input did not give them. */
const comparable = (input: unknown, output: unknown) => JSON.stringify(masked(input, output))
const masked = (input: unknown, output: unknown): unknown => {
  if (Array.isArray(output)) return output.map((o, i) => masked(Array.isArray(input) ? input[i] : undefined, o))
  if (typeof output !== "object" || output === null) return output
  const copy: Record<string, unknown> = { ...(output as Record<string, unknown>) }
  for (const key of GENERATED) {
    const given =
      typeof input === "object" && input !== null && Object.hasOwn(input, key) && (input as never)[key] != null
    if (!given && typeof copy[key] === "string") copy[key] = "<generated>"
  }
  return copy
}

/** Decodes with Effect and compiled, and checks they agree: same acceptance, same output. */
const agree = <A, I>(schema: Schema.Schema<A, I>, input: unknown) => {
  const compiled = compileDecode(schema)!
  const effect = Schema.decodeUnknownEither(schema)(input, DECODE)
  const fast = compiled(input)
  if (Either.isLeft(effect)) {
    expect(fast).toBe(NOT_ACCEPTED)
    return false
  }
  expect(fast).not.toBe(NOT_ACCEPTED)
  expect(comparable(input, fast)).toBe(comparable(input, effect.right))
  return true
}

/** Changes one value somewhere in a JSON-like value (seeded choice of place and change). */
const mutate = (value: unknown, pick: (n: number) => number): unknown => {
  const replacements = [
    undefined,
    null,
    42,
    -1,
    1.5,
    "",
    "x",
    "2024-13-45T99:00:00Z",
    true,
    [],
    {},
    [1],
    { zz: 1 },
    "'; DROP TABLE episodes;--",
    Number.NaN
  ]
  const go = (v: unknown, depth: number): unknown => {
    if (typeof v !== "object" || v === null) return replacements[pick(replacements.length)]
    const keys = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v)
    const action = pick(keys.length === 0 ? 2 : 5)
    if (action === 0 || (depth > 0 && action === 1 && keys.length === 0)) return replacements[pick(replacements.length)]
    const copy = (Array.isArray(v) ? [...v] : { ...(v as object) }) as Record<string | number, unknown>
    if (action === 1) {
      // an extra key (or item)
      if (Array.isArray(copy)) (copy as Array<unknown>).push(replacements[pick(replacements.length)])
      else copy[["zz", "version", "__proto__x", "constructor"][pick(4)]!] = replacements[pick(replacements.length)]
      return copy
    }
    const key = keys[pick(keys.length)]!
    if (action === 2 && !Array.isArray(copy)) {
      delete copy[key]
      return copy
    }
    copy[key] = go(copy[key], depth + 1)
    return copy
  }
  return go(value, 0)
}

const seeded = (seed: number) => (n: number) => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
  return seed % n
}

const schemas = [
  ["Episode", Episode],
  ["Heuristic", Heuristic],
  ["Embedding", Embedding],
  ["a batch of episodes", Schema.Array(Episode).pipe(Schema.maxItems(3))]
] as const

describe("compileDecode", () => {
  it("compiles the schemas of episodes, heuristics and embeddings (not yet patterns: a node it does not compile)", () => {
    for (const [, schema] of schemas) expect(compileDecode(schema as Schema.Schema.Any)).toBeTypeOf("function")
    expect(compileDecode(Pattern)).toBeUndefined()
  })

  for (const [name, schema] of schemas) {
    const s = schema as unknown as Schema.Schema<unknown, unknown>
    it(`agrees with Effect on valid ${name} inputs and on every mutation of them`, () => {
      let accepted = 0
      let refused = 0
      fc.assert(
        fc.property(Arbitrary.make(s), fc.integer({ min: 1, max: 2 ** 30 }), (value, seed) => {
          const wire = Schema.encodeSync(s)(value)
          // the wire form as a client sends it: JSON
          const input = JSON.parse(JSON.stringify(wire)) as unknown
          expect(agree(s, input)).toBe(true)
          accepted++
          const pick = seeded(seed)
          for (let i = 0; i < 8; i++) {
            if (agree(s, mutate(input, pick))) accepted++
            else refused++
          }
        }),
        { numRuns: 150 }
      )
      // both kinds were exercised
      expect(accepted).toBeGreaterThan(150)
      expect(refused).toBeGreaterThan(100)
    })
  }

  it("fills the same defaults in the same key order as Effect on a minimal episode", () => {
    const input = { episode_id: "e1", task_description: "fix it", start_time: "2026-01-01T00:00:00Z" }
    const fast = compileDecode(Episode)!(input)
    expect(JSON.stringify(fast)).toBe(JSON.stringify(Schema.decodeUnknownSync(Episode)(input, DECODE)))
    expect(Object.keys(fast as object)).toEqual([
      "episode_id",
      "task_type",
      "task_description",
      "context",
      "start_time",
      "steps",
      "patterns",
      "heuristics",
      "applied_patterns",
      "metadata",
      "tags",
      "checkpoints"
    ])
  })

  it("refuses what Effect refuses on inputs that are not JSON values", () => {
    const episode = { episode_id: "e1", task_description: "fix it" }
    for (const input of [
      undefined,
      "episode",
      [episode],
      Object.assign(Object.create({ inherited: 1 }), episode),
      { ...episode, [Symbol("s")]: 1 },
      {
        ...episode,
        steps: [{ step_number: 1, timestamp: "2026-01-01T00:00:00Z", tool: "t", action: "a", parameters: new Date() }]
      }
    ]) {
      agree(Episode, input)
    }
  })

  it("has no compiled decode for schemas with nodes it does not compile", () => {
    expect(compileDecode(Schema.NumberFromString)).toBeUndefined()
    expect(compileDecode(Schema.Struct({ n: Schema.NumberFromString }))).toBeUndefined()
    // two members filed under the same literal, which Effect tries in its own order
    const overlapping = Schema.Union(
      Schema.Struct({ type: Schema.Literal("a"), n: Schema.Number }),
      Schema.Struct({ type: Schema.Literal("a"), n: Schema.Number, m: Schema.optional(Schema.Number) })
    )
    expect(compileDecode(overlapping)).toBeUndefined()
  })
})

describe("compileEncode", () => {
  for (const [name, schema] of schemas) {
    const s = schema as unknown as Schema.Schema<unknown, unknown>
    it(`gives Effect's encoded form of ${name} values, and refuses the values Effect's encode throws on`, () => {
      const compiled = compileEncode(s)!
      expect(compiled).toBeTypeOf("function")
      fc.assert(
        fc.property(Arbitrary.make(s), fc.integer({ min: 1, max: 2 ** 30 }), (value, seed) => {
          expect(JSON.stringify(compiled(value))).toBe(JSON.stringify(Schema.encodeSync(s)(value)))
          const pick = seeded(seed)
          for (let i = 0; i < 6; i++) {
            const changed = mutate(value, pick)
            const effect = Schema.encodeEither(s)(changed)
            const fast = compiled(changed)
            if (Either.isLeft(effect)) expect(fast).toBe(NOT_ACCEPTED)
            else expect(JSON.stringify(fast)).toBe(JSON.stringify(effect.right))
          }
        }),
        { numRuns: 100 }
      )
    })
  }
})
