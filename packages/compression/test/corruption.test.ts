import { assert, describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as fc from "effect/FastCheck"
import { episode } from "../bench/corpus.js"
import * as CodecModule from "../src/Codec.js"
import { Codec } from "../src/Codec.js"
import type { DecodeError } from "../src/CodecError.js"
import * as Envelope from "../src/Envelope.js"
import { equalBytes, header, repetitive, utf8 } from "./support/helpers.js"

const RECORD = "episodes/ep_42#steps"
const MiB = 1024 * 1024

const setU32 = (bytes: Uint8Array, offset: number, value: number) => {
  const copy = bytes.slice()
  new DataView(copy.buffer).setUint32(offset, value, true)
  return copy
}
const setByte = (bytes: Uint8Array, offset: number, value: number) => {
  const copy = bytes.slice()
  copy[offset] = value
  return copy
}

const failure = (bytes: Uint8Array) =>
  Effect.gen(function* () {
    const codec = yield* Codec
    const error = yield* Effect.flip(codec.decode(bytes, RECORD))
    assert.strictEqual(error.record, RECORD)
    expect(error.message).toContain(RECORD)
    return error
  })

const expectCorrupt = (error: DecodeError, reason: string) => {
  assert.strictEqual(error._tag, "CorruptPayload")
  if (error._tag === "CorruptPayload") expect(error.reason).toContain(reason)
}

/** A valid zstd envelope of 2.5 MiB text in 3 frames, and a small one. */
const makeSamples = Effect.gen(function* () {
  const codec = yield* Codec
  const big = repetitive(2.5 * MiB, "corrupt me if you can; ")
  const bigEnvelope = yield* codec.encode(big)
  const small = utf8.encode(episode(5, 4096))
  const smallEnvelope = yield* codec.encode(small)
  assert.strictEqual(bigEnvelope._tag, "Compressed")
  assert.strictEqual(smallEnvelope._tag, "Compressed")
  return { big, bigEnv: bigEnvelope.bytes, small, smallEnv: smallEnvelope.bytes }
})

describe("corrupt zstd envelopes fail with typed errors naming the record", () => {
  layer(CodecModule.layerTest())((it) => {
    it.effect("bad magic (a damaged magic byte, or plain JSON bytes)", () =>
      Effect.gen(function* () {
        const { smallEnv } = yield* makeSamples
        expectCorrupt(yield* failure(setByte(smallEnv, 1, 0x4e)), "bad magic")
        expectCorrupt(yield* failure(utf8.encode('{"id":1}')), "bad magic")
        expectCorrupt(yield* failure(new Uint8Array(0)), "truncated header")
      })
    )

    it.effect("truncated header and truncated frame table", () =>
      Effect.gen(function* () {
        const { bigEnv } = yield* makeSamples
        expectCorrupt(yield* failure(bigEnv.subarray(0, 10)), "truncated header: 10 bytes")
        expectCorrupt(yield* failure(bigEnv.subarray(0, 30)), "truncated frame table")
        // A frame count of 2^32-1 is rejected from the envelope size alone, before anything is allocated.
        expectCorrupt(yield* failure(setU32(bigEnv, 20, 0xffffffff)), "truncated frame table")
      })
    )

    it.effect("truncated frame data and trailing bytes", () =>
      Effect.gen(function* () {
        const { bigEnv } = yield* makeSamples
        expectCorrupt(yield* failure(bigEnv.subarray(0, bigEnv.length - 5)), "truncated frame data: 5 of")
        const longer = new Uint8Array(bigEnv.length + 3)
        longer.set(bigEnv)
        expectCorrupt(yield* failure(longer), "3 unexpected trailing bytes")
      })
    )

    it.effect("wrong original length (header, and header plus frame table together)", () =>
      Effect.gen(function* () {
        const { small, smallEnv } = yield* makeSamples
        expectCorrupt(yield* failure(setU32(smallEnv, 12, small.length + 1)), "does not match the frame table")
        const both = setU32(setU32(smallEnv, 12, small.length + 1), 28, small.length + 1)
        expectCorrupt(
          yield* failure(both),
          `frame 0 declares ${small.length} bytes, the table says ${small.length + 1}`
        )
      })
    )

    it.effect("a frame zstd rejects (damaged block, damaged frame magic)", () =>
      Effect.gen(function* () {
        const { smallEnv } = yield* makeSamples
        const bodyStart = Envelope.HEADER_BYTES + Envelope.FRAME_ENTRY_BYTES
        const damagedBlock = smallEnv.slice()
        // 4 magic + 1 descriptor + 2 content size, then the first block header: type 3 is reserved.
        damagedBlock.fill(0xff, bodyStart + 7)
        expectCorrupt(yield* failure(damagedBlock), "frame 0 rejected by zstd")
        expectCorrupt(yield* failure(setByte(smallEnv, bodyStart, 0x00)), "no readable frame header")
      })
    )

    it.effect("a damaged checksum field is caught by the checksum check", () =>
      Effect.gen(function* () {
        const { smallEnv } = yield* makeSamples
        expectCorrupt(yield* failure(setU32(smallEnv, 16, header(smallEnv).crc32 ^ 1)), "checksum mismatch")
      })
    )

    it.effect("a claimed length of gigabytes is refused before allocating", () =>
      Effect.gen(function* () {
        const { smallEnv } = yield* makeSamples
        expectCorrupt(yield* failure(setU32(smallEnv, 12, 3 * 1024 * MiB)), "above the limit of 268435456")
        // A frame claiming more than a frame may hold.
        expectCorrupt(yield* failure(setU32(smallEnv, 28, 2 * MiB)), "frame 0 claims 2097152 original bytes")
        expectCorrupt(yield* failure(setU32(smallEnv, 24, 0xfffffff0)), "compressed bytes (allowed")
      })
    )

    it.effect("unknown algorithm byte, newer format version, reserved flags", () =>
      Effect.gen(function* () {
        const { smallEnv } = yield* makeSamples
        const algorithm = yield* failure(setByte(smallEnv, 5, 9))
        assert.strictEqual(algorithm._tag, "UnsupportedFormat")
        expect(algorithm.message).toContain("unknown algorithm id 9")
        const version = yield* failure(setByte(smallEnv, 4, 2))
        assert.strictEqual(version._tag, "UnsupportedFormat")
        expect(version.message).toContain("format version 2")
        expectCorrupt(yield* failure(setByte(smallEnv, 6, 1)), "reserved flags")
      })
    )

    it.effect("unknown dictionary id", () =>
      Effect.gen(function* () {
        const { smallEnv } = yield* makeSamples
        const error = yield* failure(setU32(smallEnv, 8, 99))
        assert.strictEqual(error._tag, "UnknownDictionary")
        if (error._tag === "UnknownDictionary") assert.strictEqual(error.dictionaryId, 99)
        expect(error.message).toContain("dictionary 99")
      })
    )

    it.effect("decodeText of bytes that are not UTF-8", () =>
      Effect.gen(function* () {
        const codec = yield* Codec
        const error = yield* Effect.flip(codec.decodeText(Envelope.stored(new Uint8Array([0xc3, 0x28])), RECORD))
        expectCorrupt(error, "not valid UTF-8")
      })
    )

    it.effect("failures are counted and later decodes still work", () =>
      Effect.gen(function* () {
        const codec = yield* Codec
        const { small, smallEnv } = yield* makeSamples
        const before = yield* codec.stats
        yield* Effect.flip(codec.decode(setByte(smallEnv, 5, 9), RECORD))
        const after = yield* codec.stats
        assert.strictEqual(after.decode_failed, before.decode_failed + 1)
        assert.isTrue(equalBytes(yield* codec.decode(smallEnv, RECORD), small))
        assert.strictEqual((yield* codec.stats).codec_restarts, 0)
      })
    )

    it.effect.prop(
      "random damage never escapes as a defect: either the original or a typed error",
      [
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        fc.boolean()
      ],
      ([flips, cut, useBig]) =>
        Effect.gen(function* () {
          const codec = yield* Codec
          const samples = yield* cachedSamples
          const source = useBig ? samples.bigEnv : samples.smallEnv
          const original = useBig ? samples.big : samples.small
          let damaged = source.slice()
          for (const [at, value] of flips) damaged[at % damaged.length] = value
          if (cut !== undefined) damaged = damaged.subarray(0, cut % damaged.length)
          const exit = yield* Effect.exit(codec.decode(damaged, RECORD))
          if (Exit.isSuccess(exit)) assert.isTrue(equalBytes(exit.value, original))
          else {
            assert.isTrue(Exit.isFailure(exit) && exit.cause._tag === "Fail", "expected a typed failure")
          }
        }),
      { fastCheck: { numRuns: 150 } }
    )
  })
})

let samplesCache: Effect.Effect.Success<typeof makeSamples> | undefined
const cachedSamples = Effect.suspend(() =>
  samplesCache ? Effect.succeed(samplesCache) : Effect.tap(makeSamples, (s) => (samplesCache = s))
)

describe("corrupt gzip and stored envelopes", () => {
  layer(CodecModule.layerTest({ config: { algorithm: "gzip" } }))((it) => {
    it.effect("a damaged gzip frame", () =>
      Effect.gen(function* () {
        const codec = yield* Codec
        const encoded = yield* codec.encode(utf8.encode(episode(8, 4096)))
        const damaged = encoded.bytes.slice()
        damaged.fill(0x00, Envelope.HEADER_BYTES + Envelope.FRAME_ENTRY_BYTES + 12)
        expectCorrupt(yield* failure(damaged), "frame 0 rejected by gzip")
      })
    )

    it.effect("a gzip frame that inflates beyond its claimed length stops at the claim", () =>
      Effect.gen(function* () {
        const codec = yield* Codec
        const bytes = repetitive(200_000)
        const encoded = yield* codec.encode(bytes)
        const lie = setU32(setU32(encoded.bytes, 12, 1000), 28, 1000)
        expectCorrupt(yield* failure(lie), "ERR_BUFFER_TOO_LARGE")
      })
    )

    it.effect("a flipped content byte of a stored (uncompressed) envelope is caught by the checksum", () =>
      Effect.gen(function* () {
        const original = utf8.encode(episode(3, 4096))
        const stored = Envelope.stored(original)
        const bodyStart = Envelope.HEADER_BYTES + Envelope.FRAME_ENTRY_BYTES
        // Nothing else can notice: the frame has no structure of its own, only the CRC covers its bytes.
        const flipped = setByte(stored, bodyStart + 100, stored[bodyStart + 100]! ^ 0x20)
        expectCorrupt(yield* failure(flipped), "checksum mismatch")
        const codec = yield* Codec
        assert.isTrue(equalBytes(yield* codec.decode(stored, RECORD), original))
      })
    )

    it.effect("a stored frame whose length disagrees, and a dictionary id on gzip", () =>
      Effect.gen(function* () {
        const stored = Envelope.stored(utf8.encode("hello"))
        expectCorrupt(yield* failure(setU32(stored, 28, 4)), "stored frame 0 has 5 bytes but claims 4")
        const codec = yield* Codec
        const gz = (yield* codec.encode(repetitive(3000))).bytes
        expectCorrupt(yield* failure(setU32(gz, 8, 3)), "dictionary id 3 with algorithm gzip")
      })
    )
  })
})

describe("maxDecodedBytes", () => {
  layer(CodecModule.layerTest({ maxDecodedBytes: 4000 }))((it) => {
    it.effect("encode keeps an input above the limit plain (counted), so every row it writes stays readable", () =>
      Effect.gen(function* () {
        const codec = yield* Codec
        const input = repetitive(4001)
        const over = yield* codec.encode(input)
        assert.isTrue(over._tag === "Plain" && over.reason === "above_decode_limit" && over.bytes === input)
        const text = yield* codec.encodeText("x".repeat(4001))
        assert.isTrue(text._tag === "Plain" && text.reason === "above_decode_limit")
        // A plain value is stored as TEXT; reading it back returns it as it is.
        assert.strictEqual(yield* codec.decodeText(text._tag === "Plain" ? text.text : "", RECORD), "x".repeat(4001))
        const under = yield* codec.encode(repetitive(4000))
        assert.strictEqual(under._tag, "Compressed")
        assert.strictEqual((yield* codec.decode(under.bytes, RECORD)).length, 4000)
        const stats = yield* codec.stats
        assert.deepStrictEqual([stats.above_decode_limit, stats.stored_plain, stats.compressed], [2, 2, 1])
      })
    )

    it.effect("an envelope above the configured limit (written by a codec with a higher limit) is refused", () =>
      Effect.gen(function* () {
        const big = yield* Effect.scoped(
          Effect.flatMap(CodecModule.make({ config: { threshold_bytes: 0 } }), (c) => c.encode(repetitive(4001)))
        )
        assert.strictEqual(big._tag, "Compressed")
        expectCorrupt(yield* failure(big.bytes), "claims 4001 original bytes, above the limit of 4000")
      })
    )
  })
})
