import { assert, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { episode } from "../bench/corpus.js"
import * as CodecModule from "../src/Codec.js"
import { equalBytes, utf8 } from "./support/helpers.js"

const text = utf8.encode(episode(11, 4096))
const dictionary = utf8.encode(episode(77, 32 * 1024))

describe("dictionaries registered at run time", () => {
  it.scoped("a writer's dictionary rows become readable by another codec once it registers the same bytes", () =>
    Effect.gen(function* () {
      const writer = yield* CodecModule.make({ config: { threshold_bytes: 0 } })
      const reader = yield* CodecModule.make({ config: { threshold_bytes: 0 } })
      const plain = yield* writer.encode(text)
      yield* writer.addDictionary(9, dictionary)
      yield* writer.useDictionary(9)
      const withDict = yield* writer.encode(text)
      assert.isTrue(withDict._tag === "Compressed" && withDict.dictionaryId === 9)
      assert.isTrue(plain._tag === "Compressed" && plain.dictionaryId === 0)
      // the dictionary is what made it smaller
      expect(withDict.bytes.length).toBeLessThan(plain.bytes.length)
      const unknown = yield* Effect.flip(reader.decode(withDict.bytes, "episode e1"))
      assert.strictEqual(unknown._tag, "UnknownDictionary")
      yield* reader.addDictionary(9, dictionary)
      assert.isTrue(equalBytes(yield* reader.decode(withDict.bytes, "episode e1"), text))
      // useDictionary(0) goes back to writing without one; the dictionary stays readable
      yield* writer.useDictionary(0)
      const after = yield* writer.encode(text)
      assert.isTrue(after._tag === "Compressed" && after.dictionaryId === 0)
      assert.isTrue(equalBytes(yield* writer.decode(withDict.bytes, "r"), text))
      expect(yield* writer.stats).toMatchObject({ dictionary_id: 0, dictionaries: 1 })
      expect(yield* reader.stats).toMatchObject({ dictionary_id: 0, dictionaries: 1 })
    })
  )

  it.scoped("registering the same id and bytes again is a no-op; other bytes under that id are refused", () =>
    Effect.gen(function* () {
      const codec = yield* CodecModule.make()
      yield* codec.addDictionary(1, dictionary)
      yield* codec.addDictionary(1, dictionary.slice())
      const clash = yield* Effect.flip(codec.addDictionary(1, dictionary.subarray(1)))
      expect(clash.reason).toBe("dictionary 1 is already registered with other content")
      expect((yield* codec.stats).dictionaries).toBe(1)
    })
  )

  it.scoped("invalid registrations and uses fail with InvalidConfig", () =>
    Effect.gen(function* () {
      const codec = yield* CodecModule.make()
      const reason = <A>(effect: Effect.Effect<A, { readonly reason: string }>) =>
        Effect.map(Effect.flip(effect), (e) => e.reason)
      expect(yield* reason(codec.addDictionary(0, dictionary))).toContain("dictionary id 0")
      expect(yield* reason(codec.addDictionary(2, new Uint8Array(0)))).toContain("has 0 bytes")
      expect(yield* reason(codec.addDictionary(2, new Uint8Array(CodecModule.MAX_DICTIONARY_BYTES + 1)))).toContain(
        "allowed 1..131072"
      )
      expect(yield* reason(codec.useDictionary(7))).toBe("dictionary 7 is not registered")
      const gzip = yield* CodecModule.make({ config: { algorithm: "gzip", level: 6 } })
      yield* gzip.addDictionary(1, dictionary)
      expect(yield* reason(gzip.useDictionary(1))).toBe('dictionaries need algorithm "zstd"')
    })
  )

  it.scoped(
    "at most MAX_DICTIONARIES stay registered (least recently used dropped, never the write one): the real 16 MiB heap never runs out",
    () =>
      Effect.gen(function* () {
        const codec = yield* CodecModule.make({ config: { threshold_bytes: 0 } })
        const dictionaryOf = (id: number) => utf8.encode(episode(1000 + id, 64 * 1024)).slice(0, 64 * 1024)
        yield* codec.addDictionary(1, dictionaryOf(1))
        yield* codec.useDictionary(1) // the write dictionary: never dropped
        yield* codec.addDictionary(2, dictionaryOf(2))
        const written = yield* codec.encode(text)
        const rowOf2 = yield* Effect.flatMap(
          CodecModule.make({ dictionaries: new Map([[2, dictionaryOf(2)]]), dictionaryId: 2 }),
          (other) => other.encode(text)
        )
        // 40 dictionaries of 64 KiB would exhaust zstd-codec's heap at about 124 (decompression forms) or 25 (compression forms)
        for (let id = 3; id <= 40; id++) {
          yield* codec.addDictionary(id, dictionaryOf(id))
          if (id === 20) assert.isTrue(equalBytes(yield* codec.decode(rowOf2.bytes, "kept warm"), text)) // 2 is used: recent
        }
        const stats = yield* codec.stats
        expect(stats).toMatchObject({
          dictionaries: CodecModule.MAX_DICTIONARIES,
          dictionary_evictions: 40 - CodecModule.MAX_DICTIONARIES,
          zstd_available: true,
          dictionary_id: 1
        })
        // the write dictionary and the recently read one survived; an old unused one was dropped
        assert.isTrue(equalBytes(yield* codec.decode(written.bytes, "w"), text))
        assert.isTrue(equalBytes(yield* codec.decode(rowOf2.bytes, "r"), text))
        const rowOf3 = yield* Effect.flatMap(
          CodecModule.make({ dictionaries: new Map([[3, dictionaryOf(3)]]), dictionaryId: 3 }),
          (other) => other.encode(text)
        )
        expect((yield* Effect.flip(codec.decode(rowOf3.bytes, "e")))._tag).toBe("UnknownDictionary")
        // registering it again makes it readable again
        yield* codec.addDictionary(3, dictionaryOf(3))
        assert.isTrue(equalBytes(yield* codec.decode(rowOf3.bytes, "e"), text))
        const again = yield* codec.encode(text)
        assert.isTrue(again._tag === "Compressed" && again.dictionaryId === 1)
        expect((yield* codec.stats).failed).toBe(0)
      })
  )
})
