import { assert, describe, expect, it } from "@effect/vitest"
import { captureLogs } from "@memory-turso/testkit"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as LogLevel from "effect/LogLevel"
import * as TestClock from "effect/TestClock"
import { episode, randomBytes } from "../bench/corpus.js"
import * as CodecModule from "../src/Codec.js"
import * as Envelope from "../src/Envelope.js"
import { equalBytes, repetitive, utf8 } from "./support/helpers.js"

const text = utf8.encode(episode(21, 8192))

/**
 * The real zstd-codec, instrumented: `abortOn*` make the next call genuinely abort the wasm instance
 * (an 8 MiB input exhausts its 16 MiB heap); calls made on an instance after its abort are counted.
 */
const instrumentedLoader = (
  abortOn: { compress?: () => boolean; decompress?: () => boolean } = {},
  /** Runs before load number `n` (1 = the first): may wait, or throw to make that load fail. */
  beforeLoad: (n: number) => Promise<void> | void = () => {}
) => {
  const counts = { loads: 0, callsOnAbortedInstance: 0, dictOpened: 0, dictClosed: 0 }
  const loadZstd: CodecModule.ZstdLoader = async () => {
    counts.loads++
    await beforeLoad(counts.loads)
    const real = await CodecModule.defaultZstdLoader()
    let aborted = false
    const poison = (inner: CodecModule.ZstdSimple) => {
      aborted = true
      return inner.compress(new Uint8Array(8 * 1024 * 1024), 3)
    }
    const touch = () => {
      if (aborted) counts.callsOnAbortedInstance++
    }
    type RealDict = CodecModule.ZstdDictHandle & { get(): unknown }
    class WrappedDict {
      constructor(private readonly inner: RealDict) {
        counts.dictOpened++
      }
      get() {
        return this.inner.get()
      }
      close() {
        counts.dictClosed++
        this.inner.close()
      }
    }
    class Compression extends WrappedDict {
      constructor(bytes: Uint8Array, level: number) {
        super(new real.Dict.Compression(bytes, level) as RealDict)
      }
    }
    class Decompression extends WrappedDict {
      constructor(bytes: Uint8Array) {
        super(new real.Dict.Decompression(bytes) as RealDict)
      }
    }
    class Simple implements CodecModule.ZstdSimple {
      private readonly inner = new real.Simple()
      compress(bytes: Uint8Array, level: number) {
        touch()
        return abortOn.compress?.() ? poison(this.inner) : this.inner.compress(bytes, level)
      }
      decompress(bytes: Uint8Array) {
        touch()
        return abortOn.decompress?.() ? poison(this.inner) : this.inner.decompress(bytes)
      }
      compressUsingDict(bytes: Uint8Array, dict: CodecModule.ZstdDictHandle) {
        touch()
        return abortOn.compress?.() ? poison(this.inner) : this.inner.compressUsingDict(bytes, dict)
      }
      decompressUsingDict(bytes: Uint8Array, dict: CodecModule.ZstdDictHandle) {
        touch()
        return this.inner.decompressUsingDict(bytes, dict)
      }
    }
    const module: CodecModule.ZstdModule = {
      Simple,
      Generic: real.Generic,
      Dict: { Compression, Decompression }
    }
    return module
  }
  return { counts, loadZstd }
}

/** A new write uses dictionary `id` and reads back. */
const writesWithDictionary = (codec: CodecModule.Codec["Type"], id: number) =>
  Effect.gen(function* () {
    const encoded = yield* codec.encode(text)
    assert.isTrue(encoded._tag === "Compressed" && encoded.dictionaryId === id)
    assert.isTrue(equalBytes(yield* codec.decode(encoded.bytes, "d"), text))
  })

/** Waits (in event-loop turns, not time) until `condition` holds; fails after 10,000 turns. */
const eventually = (condition: Effect.Effect<boolean>) =>
  Effect.gen(function* () {
    for (let turn = 0; turn < 10_000; turn++) {
      if (yield* condition) return
      yield* Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
    }
    assert.fail("condition not reached in 10,000 event-loop turns")
  })

/** A promise the test opens. */
const gate = () => {
  let open: () => void = () => {}
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { opened, open: () => open() }
}

const once = () => {
  let armed = false
  return {
    arm: () => {
      armed = true
    },
    fire: () => {
      const fired = armed
      armed = false
      return fired
    }
  }
}

describe("zstd-codec cannot start", () => {
  it.scoped("encode stays plain, counted as codec_unavailable, warning logged once", () => {
    const logs = captureLogs(LogLevel.Warning)
    return Effect.gen(function* () {
      const codec = yield* CodecModule.make({ loadZstd: () => Promise.reject(new Error("wasm blocked")) })
      for (let i = 0; i < 5; i++) {
        const encoded = yield* codec.encode(text)
        assert.isTrue(encoded._tag === "Plain" && encoded.reason === "codec_unavailable" && encoded.bytes === text)
      }
      const stats = yield* codec.stats
      assert.deepStrictEqual([stats.zstd_available, stats.codec_unavailable, stats.stored_plain], [false, 5, 5])
      assert.strictEqual(logs.messages.length, 1)
      expect(logs.messages[0]).toContain("zstd-codec is unavailable (Error: wasm blocked)")
      // Rows written earlier with zstd cannot be read: a typed error, not a crash.
      const zstdRow = yield* Effect.scoped(Effect.flatMap(CodecModule.make(), (c) => c.encode(text)))
      const error = yield* Effect.flip(codec.decode(zstdRow.bytes, "episodes/1"))
      assert.strictEqual(error._tag, "UnsupportedFormat")
      expect(error.message).toContain("zstd codec is unavailable")
    }).pipe(Effect.provide(logs.layer))
  })

  it.scoped("gzip writes and gzip/stored reads still work", () =>
    Effect.gen(function* () {
      const codec = yield* CodecModule.make({
        config: { algorithm: "gzip" },
        loadZstd: () => Promise.reject(new Error("no wasm"))
      })
      const encoded = yield* codec.encode(text)
      assert.strictEqual(encoded._tag, "Compressed")
      assert.isTrue(equalBytes(yield* codec.decode(encoded.bytes, "g"), text))
      assert.isTrue(equalBytes(yield* codec.decode(Envelope.stored(text), "s"), text))
    })
  )

  it.scoped("a loader that never finishes times out after 30 s (TestClock)", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.fork(CodecModule.make({ loadZstd: () => new Promise(() => {}) }))
      yield* TestClock.adjust("29 seconds")
      assert.isNull(yield* Fiber.poll(fiber).pipe(Effect.map((o) => (o._tag === "Some" ? "done" : null))))
      yield* TestClock.adjust("1 second")
      const codec = yield* Fiber.join(fiber)
      const encoded = yield* codec.encode(text)
      assert.isTrue(encoded._tag === "Plain" && encoded.reason === "codec_unavailable")
    })
  )
})

describe('abort("OOM") never poisons later calls', () => {
  it.scoped("compress abort: that value is stored plain, the instance is replaced, later calls round-trip", () => {
    const logs = captureLogs(LogLevel.Warning)
    const trigger = once()
    const reload = gate()
    const { counts, loadZstd } = instrumentedLoader({ compress: trigger.fire }, (n) =>
      n === 2 ? reload.opened : undefined
    )
    return Effect.gen(function* () {
      const codec = yield* CodecModule.make({ loadZstd })
      assert.strictEqual(counts.loads, 1)
      const row = yield* codec.encode(text)
      trigger.arm()
      const failed = yield* codec.encode(text, "episodes/oom")
      assert.isTrue(failed._tag === "Plain" && failed.reason === "codec_error" && failed.bytes === text)
      // While the replacement loads (held back here), encodes do not wait: they store plain.
      const meanwhile = yield* codec.encode(text)
      assert.isTrue(meanwhile._tag === "Plain" && meanwhile.reason === "codec_unavailable")
      assert.isFalse((yield* codec.stats).zstd_available)
      reload.open()
      // A decode of a zstd row waits (bounded) for the replacement.
      assert.isTrue(equalBytes(yield* codec.decode(row.bytes, "r"), text))
      assert.strictEqual(counts.loads, 2)
      for (let i = 0; i < 3; i++) {
        const encoded = yield* codec.encode(text)
        assert.strictEqual(encoded._tag, "Compressed")
        assert.isTrue(equalBytes(yield* codec.decode(encoded.bytes, "r"), text))
      }
      assert.strictEqual(counts.callsOnAbortedInstance, 0)
      const stats = yield* codec.stats
      assert.deepStrictEqual(
        [stats.failed, stats.codec_unavailable, stats.codec_restarts, stats.codec_reload_failures, stats.compressed],
        [1, 1, 1, 0, 4]
      )
      expect(logs.messages.join("\n")).toContain("zstd-codec instance aborted (abort(OOM)")
    }).pipe(Effect.provide(logs.layer))
  })

  it.scoped("a reload that fails once is retried in the background after 1 s (TestClock); zstd comes back", () => {
    const logs = captureLogs(LogLevel.Warning)
    const trigger = once()
    const { counts, loadZstd } = instrumentedLoader({ compress: trigger.fire }, (n) => {
      if (n === 2) throw new Error("wasm memory exhausted")
    })
    return Effect.gen(function* () {
      const codec = yield* CodecModule.make({ loadZstd })
      const row = yield* codec.encode(text)
      trigger.arm()
      yield* codec.encode(text)
      yield* eventually(Effect.map(codec.stats, (s) => s.codec_reload_failures === 1))
      const plain = yield* codec.encode(text)
      assert.isTrue(plain._tag === "Plain" && plain.reason === "codec_unavailable")
      const decoding = yield* Effect.fork(codec.decode(row.bytes, "r"))
      const now = yield* TestClock.currentTimeMillis
      yield* eventually(Effect.map(TestClock.sleeps(), (sleeps) => Array.from(sleeps).includes(now + 1000)))
      yield* TestClock.adjust("1 second")
      assert.isTrue(equalBytes(yield* Fiber.join(decoding), text))
      assert.strictEqual(counts.loads, 3)
      const stats = yield* codec.stats
      assert.deepStrictEqual(
        [stats.zstd_available, stats.codec_restarts, stats.codec_reload_failures, stats.codec_unavailable],
        [true, 1, 1, 1]
      )
      assert.strictEqual((yield* codec.encode(text))._tag, "Compressed")
      expect(logs.messages.join("\n")).toContain(
        "zstd-codec could not be reloaded after an abort (Error: wasm memory exhausted; 1 failed attempts)"
      )
    }).pipe(Effect.provide(logs.layer))
  })

  it.scoped(
    "reloads keep failing: the backoff doubles from 1 s to a cap of 30 s; zstd decodes fail typed after 5 s",
    () => {
      const trigger = once()
      const { counts, loadZstd } = instrumentedLoader({ compress: trigger.fire }, (n) => {
        if (n >= 2) throw new Error("still broken")
      })
      return Effect.gen(function* () {
        const codec = yield* CodecModule.make({ loadZstd })
        // Every load leaves its 30 s timeout among TestClock's pending sleeps: tell those from the backoff.
        const loadTimes = [yield* TestClock.currentTimeMillis]
        const backoffSleeps = Effect.map(TestClock.sleeps(), (sleeps) => {
          const timeouts = loadTimes.map((at) => at + 30_000)
          return Array.from(sleeps).filter((at) => {
            const i = timeouts.indexOf(at)
            if (i === -1) return true
            timeouts.splice(i, 1)
            return false
          })
        })
        const row = yield* codec.encode(text)
        trigger.arm()
        yield* codec.encode(text)
        const gaps: Array<number> = []
        for (let failures = 1; failures <= 8; failures++) {
          yield* eventually(Effect.map(codec.stats, (s) => s.codec_reload_failures === failures))
          const now = yield* TestClock.currentTimeMillis
          loadTimes.push(now)
          let next: Array<number> = []
          yield* eventually(
            Effect.map(backoffSleeps, (pending) => {
              next = pending.filter((at) => at > now)
              return next.length === 1
            })
          )
          gaps.push((next[0]! - now) / 1000)
          yield* TestClock.adjust(next[0]! - now)
        }
        assert.deepStrictEqual(gaps, [1, 2, 4, 8, 16, 30, 30, 30])
        yield* eventually(Effect.map(codec.stats, (s) => s.codec_reload_failures === 9))
        assert.strictEqual(counts.loads, 1 + 9)
        const decoding = yield* Effect.fork(codec.decode(row.bytes, "episodes/z"))
        const now = yield* TestClock.currentTimeMillis
        yield* eventually(Effect.map(TestClock.sleeps(), (sleeps) => Array.from(sleeps).includes(now + 5000)))
        yield* TestClock.adjust("5 seconds")
        const error = yield* Effect.flip(Fiber.join(decoding))
        assert.deepStrictEqual([error._tag, error.record], ["UnsupportedFormat", "episodes/z"])
        expect(error.message).toContain("being replaced after an abort (waited 5s)")
      })
    }
  )

  it.scoped("decompress abort: retried once on a fresh instance", () => {
    const trigger = once()
    const { counts, loadZstd } = instrumentedLoader({ decompress: trigger.fire })
    return Effect.gen(function* () {
      const codec = yield* CodecModule.make({ loadZstd })
      const encoded = yield* codec.encode(text)
      trigger.arm()
      assert.isTrue(equalBytes(yield* codec.decode(encoded.bytes, "r"), text))
      assert.deepStrictEqual([counts.loads, counts.callsOnAbortedInstance], [2, 0])
      assert.strictEqual((yield* codec.stats).codec_restarts, 1)
    })
  })

  it.scoped("decompress that aborts every time: CorruptPayload naming the record, codec still usable", () => {
    let poisonDecodes = true
    const { counts, loadZstd } = instrumentedLoader({ decompress: () => poisonDecodes })
    return Effect.gen(function* () {
      const codec = yield* CodecModule.make({ loadZstd })
      const encoded = yield* codec.encode(text)
      const error = yield* Effect.flip(codec.decode(encoded.bytes, "episodes/bad"))
      assert.deepStrictEqual([error._tag, error.record], ["CorruptPayload", "episodes/bad"])
      expect(error.message).toContain("aborted")
      poisonDecodes = false
      // The second abort's replacement loads in the background; this decode waits for it.
      assert.isTrue(equalBytes(yield* codec.decode(encoded.bytes, "r"), text))
      assert.deepStrictEqual([counts.loads, counts.callsOnAbortedInstance], [3, 0])
    })
  })

  it.effect("dictionaries are recreated on the new instance and freed when the scope closes", () => {
    const trigger = once()
    const { counts, loadZstd } = instrumentedLoader({ compress: trigger.fire })
    const dictionaries = new Map([[3, utf8.encode(episode(5, 8192))]])
    return Effect.gen(function* () {
      const codec = yield* CodecModule.make({ loadZstd, dictionaries, dictionaryId: 3 })
      // prepared for decompression at once, for compression when a write first uses it
      assert.deepStrictEqual([counts.dictOpened, counts.dictClosed], [1, 0])
      const row = yield* codec.encode(text)
      assert.deepStrictEqual([counts.dictOpened, counts.dictClosed], [2, 0])
      trigger.arm()
      const failed = yield* codec.encode(text)
      assert.isTrue(failed._tag === "Plain" && failed.reason === "codec_error")
      assert.isTrue(equalBytes(yield* codec.decode(row.bytes, "d"), text)) // waits for the replacement
      assert.deepStrictEqual([counts.loads, counts.dictOpened, counts.dictClosed], [2, 3, 2])
      yield* writesWithDictionary(codec, 3)
      assert.strictEqual(counts.callsOnAbortedInstance, 0)
    }).pipe(
      Effect.scoped,
      Effect.tap(() => assert.deepStrictEqual([counts.dictOpened, counts.dictClosed], [4, 4]))
    )
  })

  it.effect("dictionaries added at run time, before or during a reload, are on the new instance", () => {
    const trigger = once()
    const reload = gate()
    const { counts, loadZstd } = instrumentedLoader({ compress: trigger.fire }, (n) =>
      n === 2 ? reload.opened : undefined
    )
    const early = utf8.encode(episode(5, 8192))
    const late = utf8.encode(episode(6, 8192))
    return Effect.gen(function* () {
      const codec = yield* CodecModule.make({ loadZstd })
      yield* codec.addDictionary(3, early)
      yield* codec.useDictionary(3)
      assert.deepStrictEqual([counts.dictOpened, counts.dictClosed], [1, 0])
      const row = yield* codec.encode(text)
      assert.deepStrictEqual([counts.dictOpened, counts.dictClosed], [2, 0])
      trigger.arm()
      yield* codec.encode(text)
      // the reload is held back: this registration reaches no engine now, the new one must still have it
      yield* codec.addDictionary(4, late)
      reload.open()
      assert.isTrue(equalBytes(yield* codec.decode(row.bytes, "d"), text))
      assert.deepStrictEqual([counts.loads, counts.dictOpened, counts.dictClosed], [2, 4, 2])
      yield* codec.useDictionary(4)
      yield* writesWithDictionary(codec, 4)
      assert.strictEqual(counts.callsOnAbortedInstance, 0)
    }).pipe(
      Effect.scoped,
      Effect.tap(() => assert.deepStrictEqual([counts.dictOpened, counts.dictClosed], [5, 5]))
    )
  })
})

describe("layerNone", () => {
  it.effect("never compresses; decodes stored and gzip; zstd is a typed error", () =>
    Effect.gen(function* () {
      const codec = yield* CodecModule.Codec
      const encoded = yield* codec.encode(text)
      assert.isTrue(encoded._tag === "Plain" && encoded.reason === "disabled")
      const gz = yield* Effect.scoped(
        Effect.flatMap(CodecModule.make({ config: { algorithm: "gzip" } }), (c) => c.encode(text))
      )
      const zs = yield* Effect.scoped(Effect.flatMap(CodecModule.make(), (c) => c.encode(text)))
      assert.isTrue(equalBytes(yield* codec.decode(gz.bytes, "g"), text))
      assert.isTrue(equalBytes(yield* codec.decode(Envelope.stored(text), "s"), text))
      const error = yield* Effect.flip(codec.decode(zs.bytes, "episodes/z"))
      assert.deepStrictEqual([error._tag, error.record], ["UnsupportedFormat", "episodes/z"])
      expect(error.message).toContain("layerNone")
      const stats = yield* codec.stats
      assert.deepStrictEqual([stats.algorithm, stats.zstd_available, stats.stored_plain], ["none", false, 1])
    }).pipe(Effect.provide(CodecModule.layerNone))
  )
})

describe("stats", () => {
  it.scoped("bytes, ratio, savings and counts are exact", () =>
    Effect.gen(function* () {
      const codec = yield* CodecModule.make()
      const small = repetitive(100)
      const noise = randomBytes(9, 4096)
      const a = yield* codec.encode(small)
      const b = yield* codec.encode(text)
      const c = yield* codec.encode(noise)
      assert.deepStrictEqual(
        [a._tag === "Plain" && a.reason, b._tag, c._tag === "Plain" && c.reason],
        ["below_threshold", "Compressed", "insufficient_savings"]
      )
      yield* codec.decode(b.bytes, "b")
      const stats = yield* codec.stats
      const bytesIn = 100 + text.length + 4096
      const bytesOut = 100 + b.bytes.length + 4096
      assert.deepStrictEqual(
        [stats.bytes_in, stats.bytes_out, stats.compressed, stats.stored_plain, stats.failed, stats.decoded],
        [bytesIn, bytesOut, 1, 2, 0, 1]
      )
      assert.deepStrictEqual([stats.compress_calls, stats.decompress_calls], [2, 1])
      assert.closeTo(stats.ratio, bytesOut / bytesIn, 1e-12)
      assert.closeTo(stats.savings, 1 - bytesOut / bytesIn, 1e-12)
      // Effect's TestClock stands still in it.effect/it.scoped: no time passes.
      assert.deepStrictEqual([stats.compress_us_total, stats.compress_us_avg], [0, 0])
    })
  )

  it.live("compress and decompress time is measured with the live clock", () =>
    Effect.gen(function* () {
      const codec = yield* CodecModule.make()
      const big = utf8.encode(Array.from({ length: 64 }, (_, i) => episode(i, 16 * 1024)).join(""))
      const encoded = yield* codec.encode(big)
      yield* codec.encode(big)
      yield* codec.decode(encoded.bytes, "big")
      const stats = yield* codec.stats
      expect(stats.compress_us_total).toBeGreaterThan(0)
      assert.closeTo(stats.compress_us_avg, stats.compress_us_total / 2, 1e-9)
      expect(stats.decompress_us_total).toBeGreaterThan(0)
      assert.strictEqual(stats.decompress_us_avg, stats.decompress_us_total)
    }).pipe(Effect.scoped)
  )
})

describe("unexpected exceptions", () => {
  /** A byte array whose views throw, standing in for any unexpected failure inside the frame loops. */
  class Hostile extends Uint8Array {
    override subarray(): Uint8Array<ArrayBuffer> {
      throw new Error("hostile view")
    }
  }

  it.scoped("inside encode: stored plain and counted as failed; inside decode: CorruptPayload", () =>
    Effect.gen(function* () {
      const codec = yield* CodecModule.make()
      const input = new Hostile(text.length)
      input.set(text)
      const encoded = yield* codec.encode(input, "episodes/hostile")
      assert.isTrue(encoded._tag === "Plain" && encoded.reason === "codec_error" && encoded.bytes === input)
      assert.strictEqual((yield* codec.stats).failed, 1)

      const envelope = (yield* codec.encode(text)).bytes
      const hostileEnvelope = new Hostile(envelope.length)
      hostileEnvelope.set(envelope)
      const error = yield* Effect.flip(codec.decode(hostileEnvelope, "episodes/hostile"))
      assert.strictEqual(error._tag, "CorruptPayload")
      expect(error.message).toContain("decoder failed: hostile view")
    })
  )
})
