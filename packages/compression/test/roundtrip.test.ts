import { assert, describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import { episode, randomBytes } from "../bench/corpus.js"
import * as CodecModule from "../src/Codec.js"
import { Codec } from "../src/Codec.js"
import * as Envelope from "../src/Envelope.js"
import { equalBytes, header, mixed, repetitive, utf8 } from "./support/helpers.js"

const MiB = 1024 * 1024

/** encode then decode; a plain result must be the input itself. Returns the encoded form. */
const roundTrip = (bytes: Uint8Array, record = "rec") =>
  Effect.gen(function* () {
    const codec = yield* Codec
    const encoded = yield* codec.encode(bytes, record)
    if (encoded._tag === "Plain") {
      assert.strictEqual(encoded.bytes, bytes)
      return encoded
    }
    assert.isTrue(encoded.bytes.length < bytes.length, "an envelope is always smaller than its input")
    assert.isTrue(Envelope.isEnvelope(encoded.bytes))
    const decoded = yield* codec.decode(encoded.bytes, record)
    assert.isTrue(equalBytes(decoded, bytes), "decoded bytes differ from the input")
    return encoded
  })

const repetitiveArb = fc
  .tuple(fc.uint8Array({ minLength: 1, maxLength: 24 }), fc.integer({ min: 0, max: 20_000 }))
  .map(([unit, length]) => {
    const out = new Uint8Array(length)
    for (let i = 0; i < length; i++) out[i] = unit[i % unit.length]!
    return out
  })

describe("round trips (zstd, min_savings 0)", () => {
  layer(CodecModule.layerTest({ config: { min_savings: 0 } }))((it) => {
    it.effect.prop(
      "random bytes 0..8 KiB",
      [fc.uint8Array({ maxLength: 8192 })],
      ([bytes]) => Effect.asVoid(roundTrip(bytes)),
      {
        fastCheck: { numRuns: 200 }
      }
    )

    it.effect.prop("repetitive bytes compress and round-trip", [repetitiveArb], ([bytes]) =>
      Effect.gen(function* () {
        const encoded = yield* roundTrip(bytes)
        if (bytes.length >= 200) assert.strictEqual(encoded._tag, "Compressed")
      })
    )

    it.effect.prop(
      "unicode text via encodeText/decodeText",
      [fc.string({ unit: "binary", maxLength: 3000 })],
      ([text]) =>
        Effect.gen(function* () {
          const codec = yield* Codec
          const doubled = text + text + text
          const encoded = yield* codec.encodeText(doubled, "p1")
          const stored = encoded._tag === "Plain" ? encoded.text : encoded.bytes
          assert.strictEqual(yield* codec.decodeText(stored, "p1"), doubled)
        }),
      { fastCheck: { numRuns: 150 } }
    )

    it.effect.prop(
      "realistic episodes",
      [fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 100, max: 20_000 })],
      ([seed, size]) =>
        Effect.gen(function* () {
          const codec = yield* Codec
          const text = episode(seed, size)
          const encoded = yield* codec.encodeText(text, `ep-${seed}`)
          assert.strictEqual(encoded._tag, "Compressed")
          if (encoded._tag === "Compressed") {
            assert.strictEqual(yield* codec.decodeText(encoded.bytes, `ep-${seed}`), text)
          }
        }),
      { fastCheck: { numRuns: 30 } }
    )

    it.effect("a leading byte-order mark and astral characters survive", () =>
      Effect.gen(function* () {
        const codec = yield* Codec
        const text = `\uFEFF${"héllo wörld 😀 漢字 ".repeat(50)}`
        const encoded = yield* codec.encodeText(text, "bom")
        assert.strictEqual(encoded._tag, "Compressed")
        if (encoded._tag === "Compressed") assert.strictEqual(yield* codec.decodeText(encoded.bytes, "bom"), text)
      })
    )

    it.effect("0 and 1 bytes stay plain; zstd's empty frame is never written", () =>
      Effect.gen(function* () {
        const codec = yield* Codec
        const empty = yield* codec.encode(new Uint8Array(0))
        assert.deepStrictEqual([empty._tag, empty._tag === "Plain" && empty.reason], ["Plain", "empty"])
        const one = yield* codec.encode(new Uint8Array([42]))
        assert.deepStrictEqual([one._tag, one._tag === "Plain" && one.reason], ["Plain", "insufficient_savings"])
      })
    )

    it.effect("frame boundaries: 1 MiB - 1, 1 MiB, 1 MiB + 1, 3 MiB + 7", () =>
      Effect.gen(function* () {
        for (const [size, frames] of [
          [MiB - 1, 1],
          [MiB, 1],
          [MiB + 1, 2],
          [3 * MiB + 7, 4]
        ] as const) {
          const encoded = yield* roundTrip(repetitive(size), `size-${size}`)
          assert.strictEqual(encoded._tag, "Compressed")
          assert.strictEqual(header(encoded.bytes).frames.length, frames)
        }
      })
    )

    it.effect("32 MiB round-trips in 32 independent frames", () =>
      Effect.gen(function* () {
        const bytes = mixed(32 * MiB, 7)
        const encoded = yield* roundTrip(bytes, "huge")
        assert.strictEqual(encoded._tag, "Compressed")
        const h = header(encoded.bytes)
        assert.strictEqual(h.frames.length, 32)
        assert.strictEqual(h.originalLength, 32 * MiB)
        expect(encoded.bytes.length / bytes.length).toBeLessThan(0.6)
      })
    )

    it.effect("32 MiB of random bytes stays plain (nothing to save)", () =>
      Effect.gen(function* () {
        const encoded = yield* roundTrip(randomBytes(3, 32 * MiB), "random")
        assert.deepStrictEqual(
          [encoded._tag, encoded._tag === "Plain" && encoded.reason],
          ["Plain", "insufficient_savings"]
        )
      })
    )

    it.effect("decode accepts an ArrayBuffer (as libSQL returns BLOBs) and views with an offset", () =>
      Effect.gen(function* () {
        const codec = yield* Codec
        const bytes = repetitive(5000)
        const encoded = yield* codec.encode(bytes)
        const copy = encoded.bytes.slice()
        assert.isTrue(equalBytes(yield* codec.decode(copy.buffer, "ab"), bytes))
        const padded = new Uint8Array(copy.length + 10)
        padded.set(copy, 10)
        assert.isTrue(equalBytes(yield* codec.decode(padded.subarray(10), "view"), bytes))
      })
    )

    it.effect("stored envelopes (algorithm 0) decode", () =>
      Effect.gen(function* () {
        const codec = yield* Codec
        for (const size of [0, 1, 5000, MiB + 3]) {
          const bytes = randomBytes(size, size)
          const stored = Envelope.stored(bytes)
          assert.strictEqual(stored[5], 0)
          assert.isTrue(equalBytes(yield* codec.decode(stored, "stored"), bytes))
        }
      })
    )
  })
})

describe("round trips (high levels use 256 KiB frames)", () => {
  for (const level of [19, 22]) {
    layer(CodecModule.layerTest({ config: { level } }))((it) => {
      it.effect(`level ${level}: 1.2 MiB of text in 5 frames, no abort`, () =>
        Effect.gen(function* () {
          const text = utf8.encode(Array.from({ length: 80 }, (_, i) => episode(i + 1, 16 * 1024)).join("\n"))
          const slice = text.subarray(0, Math.floor(1.2 * MiB))
          const encoded = yield* roundTrip(slice, "high")
          assert.strictEqual(encoded._tag, "Compressed")
          assert.strictEqual(header(encoded.bytes).frames.length, 5)
          const codec = yield* Codec
          assert.strictEqual((yield* codec.stats).codec_restarts, 0)
        })
      )
    })
  }
})

describe("round trips (gzip)", () => {
  layer(CodecModule.layerTest({ config: { algorithm: "gzip", level: 6, min_savings: 0 } }))((it) => {
    it.effect.prop(
      "random and repetitive bytes",
      [fc.oneof(fc.uint8Array({ maxLength: 4096 }), repetitiveArb)],
      ([bytes]) =>
        roundTrip(bytes).pipe(
          Effect.tap((encoded) => {
            if (encoded._tag === "Compressed") assert.strictEqual(encoded.bytes[5], Envelope.AlgorithmId.gzip)
          }),
          Effect.asVoid
        )
    )

    it.effect("3 MiB + 1 in 4 gzip frames", () =>
      Effect.gen(function* () {
        const encoded = yield* roundTrip(mixed(3 * MiB + 1, 3), "gz")
        assert.strictEqual(encoded._tag, "Compressed")
        assert.strictEqual(header(encoded.bytes).frames.length, 4)
      })
    )
  })
})

describe("round trips (zstd with a raw-content dictionary)", () => {
  const dictionary = utf8.encode(Array.from({ length: 12 }, (_, i) => episode(9000 + i, 4096)).join(""))
  layer(CodecModule.layerTest({ dictionaries: new Map([[7, dictionary]]), dictionaryId: 7 }))((it) => {
    it.effect.prop(
      "episodes round-trip with dictionary 7",
      [fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 200, max: 8000 })],
      ([seed, size]) =>
        Effect.gen(function* () {
          const encoded = yield* roundTrip(utf8.encode(episode(seed, size)), `ep-${seed}`)
          assert.strictEqual(encoded._tag, "Compressed")
          if (encoded._tag === "Compressed") {
            assert.strictEqual(encoded.dictionaryId, 7)
            assert.strictEqual(header(encoded.bytes).dictionaryId, 7)
          }
        }),
      { fastCheck: { numRuns: 30 } }
    )

    it.effect("the dictionary makes small episodes smaller", () =>
      Effect.gen(function* () {
        const codec = yield* Codec
        const plainCodec = yield* CodecModule.make({ config: { threshold_bytes: 0 } })
        let withDict = 0
        let without = 0
        for (let seed = 1; seed <= 10; seed++) {
          const bytes = utf8.encode(episode(seed, 2048))
          withDict += (yield* codec.encode(bytes)).bytes.length
          without += (yield* plainCodec.encode(bytes)).bytes.length
        }
        expect(withDict).toBeLessThan(without * 0.9)
      }).pipe(Effect.scoped)
    )
  })
})
