import { Episode, Heuristic, Pattern } from "@memory-turso/model"
import * as Arbitrary from "effect/Arbitrary"
import * as fc from "effect/FastCheck"
import * as Schema from "effect/Schema"
import { describe, expect, it } from "vitest"
import * as CanonicalJson from "../src/CanonicalJson.js"
import * as Storage from "../src/Storage.js"

const DECODE = { onExcessProperty: "error" } as const

/**
 * Wire inputs of a schema: encoded arbitrary values, some with optional keys left out (their defaults are filled by
 * the decode, in the decode's own place), decoded.
 */
const decodedInputs = <A, I>(schema: Schema.Schema<A, I>, n: number): Array<A> => {
  const encode = Schema.encodeSync(schema)
  const decode = Schema.decodeUnknownEither(schema)
  const out: Array<A> = []
  let k = 0
  for (const value of fc.sample(Arbitrary.make(schema), { numRuns: n, seed: 13 })) {
    const input = encode(value) as Record<string, unknown>
    for (const key of Object.keys(input)) {
      if (k++ % 2 !== 0) continue
      const kept = input[key]
      delete input[key]
      if (decode(input, DECODE)._tag === "Left") input[key] = kept // a required key
    }
    const decoded = decode(input, DECODE)
    if (decoded._tag === "Right") out.push(decoded.right)
  }
  return out
}

describe("CanonicalJson.decoded", () => {
  // The record schemas are made with `decodedAsIs`: what their decode returns must encode to the same JSON, key for
  // key, or a decoded record would be stored in another form than the one its encode gives.
  const holds =
    <A extends object, I>(schema: Schema.Schema<A, I>, json: CanonicalJson.CanonicalJson<A>) =>
    () => {
      const encode = Schema.encodeSync(schema)
      const values = decodedInputs(schema, 300)
      expect(values.length).toBeGreaterThan(100)
      for (const value of values) expect(json.stringify(json.decoded(value))).toBe(JSON.stringify(encode(value)))
    }
  it("Episode: a decoded value's JSON is its encode's", holds(Episode, Storage.EpisodeJson))
  it("Pattern: a decoded value's JSON is its encode's", holds(Pattern, Storage.PatternJson))
  it("Heuristic: a decoded value's JSON is its encode's", holds(Heuristic, Storage.HeuristicJson))

  // A schema whose encode changes the form: the flag decides whether a marked value skips the encode.
  const Counted = Schema.Struct({ n: Schema.NumberFromString })
  it("skips the encode only for marked values of a schema made with decodedAsIs", () => {
    const asIs = CanonicalJson.make(Counted, { decodedAsIs: true })
    expect(asIs.stringify(asIs.decoded({ n: 1 }))).toBe('{"n":1}')
    expect(asIs.stringify({ n: 1 })).toBe('{"n":"1"}')
  })

  it("changes nothing for a schema made without it", () => {
    const encoded = CanonicalJson.make(Counted)
    expect(encoded.stringify(encoded.decoded({ n: 1 }))).toBe('{"n":"1"}')
  })
})
