import { assert, describe, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import * as CodecModule from "../src/Codec.js"
import { Codec } from "../src/Codec.js"
import * as Envelope from "../src/Envelope.js"
import { isEnvelope } from "../src/index.js"
import { equalBytes, header, utf8 } from "./support/helpers.js"

const hex = (s: string) => new Uint8Array(Buffer.from(s, "hex"))

/** Written by version 0.1.0 of this package. Rows like these must stay readable forever. */
const fixtureText = utf8.encode(
  `{"id":"ep_1","steps":[${Array.from({ length: 12 }, (_, i) => `{"step":${i},"tool":"bash","output":"ok ${i}"}`).join(",")}]}`
)
const fixtureDictionary = utf8.encode('{"step":0,"tool":"bash","output":"ok"},{"id":"ep_')
const fixtures = {
  zstd: "ff4dd4ff0101000000000000070200006becba0d010000008a0000000702000028b52ffd60070105040032c5121a80b919008b22293e235662c010681226898848e47e76783150f52dd0464445491204390ec3502a258410af7d0a849e2fb396d16f031b10ce13aafb9dbc01e46c2dcbbe51b096f3c2e1261700a02bc2e71ee7b92e03b10076c0608009300e30060c01ec80c10013601c600c1802d801830126c038c0d89822b2571103",
  gzip: "ff4dd4ff0102000000000000070200006becba0d010000008c000000070200001f8b08000000000000037dd1bb0ac2401484e15791a9b7c8c93de755444431a028ecc26eaab0ef1e1084b1996e8aaf9a7fc7eb01c79aae86805cd694e1e7fdbbe04d4089f103c7fd969f08885b495b8123be4f0d6af84153d008b60ab6043b053b82bd823dc141c181e0a8e04870527022382b38135c145cf87099c6fedae838867aa9076becba0d07020000",
  zstdDict42:
    "ff4dd4ff010100002a000000070200006becba0d01000000680000000702000028b52ffd600701f50200340231222c73223a5b203031313232333334343535363637373838393931203131227d5d7d1a00a02b82cf3db07c31060c01ec80c10013601c600c1802d801830126c038c0183004b00306034c80718031d3b14c5cb8128400414cb70204"
}

describe("format v1", () => {
  it("header layout of a stored envelope, byte for byte", () => {
    assert.strictEqual(
      Buffer.from(Envelope.stored(utf8.encode("hello"))).toString("hex"),
      [
        "ff4dd4ff", // magic
        "01", // version
        "00", // algorithm: stored
        "0000", // reserved flags
        "00000000", // dictionary id
        "05000000", // original length
        "86a61036", // crc32("hello")
        "01000000", // frame count
        "0500000005000000", // frame 0: compressed 5, original 5
        "68656c6c6f" // "hello"
      ].join("")
    )
  })

  it("an empty stored envelope has no frames", () => {
    const h = header(Envelope.stored(new Uint8Array(0)))
    assert.deepStrictEqual([h.originalLength, h.frames.length], [0, 0])
  })

  it.prop("JSON text is never mistaken for an envelope", [fc.json()], ([json]) => {
    assert.isFalse(isEnvelope(utf8.encode(json)))
  })

  it.prop("UTF-8 text is never mistaken for an envelope", [fc.string({ unit: "binary" })], ([text]) => {
    assert.isFalse(isEnvelope(utf8.encode(text)))
  })

  it.prop(
    "float32 vectors of non-NaN numbers are never mistaken for an envelope",
    [fc.array(fc.float({ noNaN: true }), { minLength: 1, maxLength: 8 })],
    ([floats]) => {
      assert.isFalse(isEnvelope(new Uint8Array(Float32Array.from(floats).buffer)))
    }
  )

  it("frames: split sizes", () => {
    assert.deepStrictEqual(
      Envelope.split(new Uint8Array(10), 4).map((p) => p.length),
      [4, 4, 2]
    )
    assert.deepStrictEqual(Envelope.split(new Uint8Array(0), 4).length, 0)
  })
})

describe("rows written by 0.1.0 stay readable", () => {
  layer(CodecModule.layer({ dictionaries: new Map([[42, fixtureDictionary]]) }))((it) => {
    it.effect("zstd, gzip and zstd+dictionary fixtures decode to the original", () =>
      Effect.gen(function* () {
        const codec = yield* Codec
        for (const [name, envelope] of Object.entries(fixtures)) {
          const decoded = yield* codec.decode(hex(envelope), name)
          assert.isTrue(equalBytes(decoded, fixtureText), name)
        }
        assert.strictEqual(header(hex(fixtures.zstdDict42)).dictionaryId, 42)
      })
    )
  })
})

describe("Envelope.write", () => {
  it("refuses an original length its u32 field cannot hold instead of wrapping it", () => {
    assert.throws(
      () => Envelope.write({ algorithm: "stored", dictionaryId: 0, originalLength: 2 ** 32, crc32: 0, frames: [] }),
      RangeError,
      "original length 4294967296 does not fit"
    )
  })
})
