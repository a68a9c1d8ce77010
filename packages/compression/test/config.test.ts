import { assert, describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { episode, randomBytes } from "../bench/corpus.js"
import * as CodecModule from "../src/Codec.js"
import { Codec } from "../src/Codec.js"
import * as CompressionConfig from "../src/CompressionConfig.js"
import { equalBytes, utf8 } from "./support/helpers.js"

const text = utf8.encode(episode(11, 8192))

const withCodec = <A, E>(options: CodecModule.Options, f: (codec: Codec["Type"]) => Effect.Effect<A, E>) =>
  Effect.flatMap(CodecModule.make(options), f).pipe(Effect.scoped)

const reasonOf = (encoded: CodecModule.Encoded) => (encoded._tag === "Plain" ? encoded.reason : "compressed")

describe("CompressionConfig schema", () => {
  it("defaults", () => {
    assert.deepStrictEqual(CompressionConfig.defaults, {
      enabled: true,
      threshold_bytes: 1024,
      level: 3,
      algorithm: "zstd",
      min_savings: 0.1
    })
  })

  it("decodes a TOML-like section and keeps given values", () => {
    const decoded = CompressionConfig.decode({ enabled: false, threshold_bytes: 10, algorithm: "gzip", level: 9 })
    assert.isTrue(Either.isRight(decoded))
    if (Either.isRight(decoded)) {
      assert.deepStrictEqual(
        [decoded.right.enabled, decoded.right.threshold_bytes, decoded.right.algorithm],
        [false, 10, "gzip"]
      )
    }
  })

  const rejects = (input: unknown, message: string) => {
    const decoded = CompressionConfig.decode(input)
    assert.isTrue(Either.isLeft(decoded), `expected ${JSON.stringify(input)} to be rejected`)
    if (Either.isLeft(decoded)) expect(decoded.left.message).toContain(message)
  }

  it("rejects invalid values with clear messages", () => {
    rejects({ algorithm: "lz4" }, 'unknown algorithm "lz4" (expected "zstd" or "gzip")')
    rejects({ threshold_bytes: -1 }, "threshold_bytes -1 must be a non-negative integer")
    rejects({ threshold_bytes: 1.5 }, "threshold_bytes 1.5 must be a non-negative integer")
    rejects({ level: 0 }, "level 0 is out of range (an integer 1..22)")
    rejects({ level: 23 }, "level 23 is out of range")
    rejects({ level: 12, algorithm: "gzip" }, "level 12 is out of range for gzip (1..9)")
    rejects({ min_savings: 1.5 }, "min_savings 1.5 must be a fraction in 0..0.99")
    rejects({ enabled: "yes" }, "enabled")
    rejects({ treshold_bytes: 10 }, "treshold_bytes")
    // Which records to compress, and dictionaries, are storage's business: the codec knows none of that.
    rejects({ compress_episodes: true }, "compress_episodes")
    rejects({ use_dictionary: true }, "use_dictionary")
  })

  it("is a Schema the API can use directly (snake_case keys)", () => {
    const decoded = Schema.decodeUnknownSync(CompressionConfig.CompressionConfig)({ min_savings: 0.2 })
    assert.strictEqual(decoded.min_savings, 0.2)
    assert.strictEqual(decoded.threshold_bytes, 1024)
  })
})

describe("layerConfig reads the operator key names", () => {
  const provide = (map: Record<string, string>) =>
    Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(map))))

  it.effect("compression.* keys", () =>
    Effect.gen(function* () {
      const codec = yield* Codec
      assert.strictEqual(codec.settings.algorithm, "gzip")
      assert.strictEqual(codec.settings.threshold_bytes, 5)
      assert.strictEqual(codec.settings.level, 7)
      assert.strictEqual(codec.settings.min_savings, 0.25)
      const encoded = yield* codec.encode(text)
      assert.strictEqual(encoded.bytes[5], 2)
    }).pipe(
      Effect.provide(
        CodecModule.layerConfig().pipe(
          Layer.provide(
            provide({
              "compression.algorithm": "gzip",
              "compression.threshold_bytes": "5",
              "compression.level": "7",
              "compression.min_savings": "0.25"
            })
          )
        )
      )
    )
  )

  it.effect("invalid values fail the layer with a ConfigError", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Effect.provide(Codec, CodecModule.layerConfig().pipe(Layer.provide(provide({ "compression.level": "30" }))))
      )
      expect(String(error)).toContain("level 30 is out of range")
    })
  )
})

describe("each knob has an effect", () => {
  it.effect("enabled = false stores everything plain", () =>
    Effect.gen(function* () {
      assert.strictEqual(reasonOf(yield* withCodec({}, (c) => c.encode(text))), "compressed")
      assert.strictEqual(reasonOf(yield* withCodec({ config: { enabled: false } }, (c) => c.encode(text))), "disabled")
    })
  )

  it.effect("threshold_bytes: below it plain, at it compressed", () =>
    withCodec({ config: { threshold_bytes: 2000 } }, (codec) =>
      Effect.gen(function* () {
        const small = utf8.encode(episode(3, 1999))
        assert.strictEqual(small.length, 1999)
        assert.strictEqual(reasonOf(yield* codec.encode(small)), "below_threshold")
        const exact = utf8.encode(episode(3, 2000))
        assert.strictEqual(exact.length, 2000)
        assert.strictEqual(reasonOf(yield* codec.encode(exact)), "compressed")
      })
    )
  )

  it.effect("level: higher levels give smaller or equal output on compressible text", () =>
    Effect.gen(function* () {
      const corpus = utf8.encode(Array.from({ length: 8 }, (_, i) => episode(100 + i, 8192)).join("\n"))
      const sizes: Array<number> = []
      for (const level of [1, 3, 9, 19]) {
        const encoded = yield* withCodec({ config: { level } }, (c) => c.encode(corpus))
        sizes.push(encoded.bytes.length)
      }
      for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeLessThanOrEqual(sizes[i - 1]!)
      expect(sizes[3]).toBeLessThan(sizes[0]!)
    })
  )

  it.effect("min_savings: random bytes stay plain; the required saving is honoured", () =>
    Effect.gen(function* () {
      const random = randomBytes(1, 64 * 1024)
      const none = yield* withCodec({ config: { min_savings: 0 } }, (c) => c.encode(random))
      assert.strictEqual(reasonOf(none), "insufficient_savings")
      // Text saves ~55-70%: kept at min_savings 0.5, refused at 0.9.
      const half = yield* withCodec({ config: { min_savings: 0.5 } }, (c) => c.encode(text))
      assert.strictEqual(reasonOf(half), "compressed")
      expect(half.bytes.length).toBeLessThanOrEqual(text.length * 0.5)
      const strict = yield* withCodec({ config: { min_savings: 0.9 } }, (c) => c.encode(text))
      assert.strictEqual(reasonOf(strict), "insufficient_savings")
    })
  )

  it.effect("algorithm: gzip writes algorithm byte 2, zstd byte 1; each codec reads both", () =>
    Effect.gen(function* () {
      const gz = yield* withCodec({ config: { algorithm: "gzip" } }, (c) => c.encode(text))
      const zs = yield* withCodec({}, (c) => c.encode(text))
      assert.deepStrictEqual([gz.bytes[5], zs.bytes[5]], [2, 1])
      assert.isTrue(gz._tag === "Compressed" && gz.algorithm === "gzip")
      for (const config of [{}, { algorithm: "gzip" as const }]) {
        yield* withCodec({ config }, (codec) =>
          Effect.gen(function* () {
            assert.isTrue(equalBytes(yield* codec.decode(gz.bytes, "g"), text))
            assert.isTrue(equalBytes(yield* codec.decode(zs.bytes, "z"), text))
          })
        )
      }
    })
  )

  it.effect("dictionaryId selects the dictionary for writes; 0 writes without", () =>
    Effect.gen(function* () {
      const dictionaries = new Map([[5, utf8.encode(episode(77, 16 * 1024))]])
      const withDict = yield* withCodec({ dictionaries, dictionaryId: 5 }, (c) => c.encode(text))
      const noDict = yield* withCodec({ dictionaries }, (c) => c.encode(text))
      assert.isTrue(withDict._tag === "Compressed" && withDict.dictionaryId === 5)
      assert.isTrue(noDict._tag === "Compressed" && noDict.dictionaryId === 0)
      // A codec without the dictionary cannot read the first, but reads the second.
      const error = yield* withCodec({}, (c) => Effect.flip(c.decode(withDict.bytes, "d")))
      assert.strictEqual(error._tag, "UnknownDictionary")
      yield* withCodec({}, (c) => c.decode(noDict.bytes, "d"))
    })
  )

  it.effect("invalid options fail the layer with InvalidConfig", () =>
    Effect.gen(function* () {
      const invalid = (options: CodecModule.Options) =>
        Effect.flip(withCodec(options, () => Effect.void)).pipe(Effect.map((e) => e.message))
      expect(yield* invalid({ dictionaryId: 3 })).toContain("dictionaryId 3 is not in dictionaries")
      const many = new Map(Array.from({ length: 33 }, (_, i) => [i + 1, new Uint8Array(10)] as const))
      expect(yield* invalid({ dictionaries: many })).toContain("33 dictionaries given (at most 32)")
      expect(yield* invalid({ dictionaries: new Map([[0, new Uint8Array(10)]]) })).toContain("dictionary id 0")
      expect(yield* invalid({ dictionaries: new Map([[1, new Uint8Array(200 * 1024)]]) })).toContain(
        "allowed 1..131072"
      )
      expect(
        yield* invalid({
          config: { algorithm: "gzip" },
          dictionaries: new Map([[1, new Uint8Array(10)]]),
          dictionaryId: 1
        })
      ).toContain("dictionaries need algorithm")
      expect(yield* invalid({ maxDecodedBytes: 0 })).toContain("maxDecodedBytes 0")
      expect(yield* invalid({ config: { level: 40 } })).toContain("level 40 is out of range")
    })
  )
})
