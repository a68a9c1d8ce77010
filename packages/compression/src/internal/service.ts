/**
 * The Codec implementation: option validation, encode/decode and statistics (the zstd engine's lifecycle is in
 * engineHolder.ts).
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Scope from "effect/Scope"
import type { Codec, Compressed, EncodedText, Options, Plain, PlainReason, PlainText } from "../Codec.js"
import { CorruptPayload, InvalidConfig, UnknownDictionary, UnsupportedFormat } from "../CodecError.js"
import * as CompressionConfig from "../CompressionConfig.js"
import * as Envelope from "../Envelope.js"
import type { ZstdLoader } from "../ZstdModule.js"
import { makeCounters, snapshot } from "./counters.js"
import * as DictionaryRegistry from "./dictionaryRegistry.js"
import * as EngineHolder from "./engineHolder.js"
import * as Frames from "./frames.js"
import { defaultLoader, ZstdAbort, type ZstdEngine } from "./zstd.js"

export const MAX_DICTIONARIES = DictionaryRegistry.MAX_DICTIONARIES

export interface Resolved {
  readonly settings: CompressionConfig.CompressionConfig
  readonly dictionaries: ReadonlyMap<number, Uint8Array>
  readonly dictionaryId: number
  readonly maxDecodedBytes: number
  readonly loadZstd: ZstdLoader | undefined
}

export const resolve = (options: Options): Either.Either<Resolved, InvalidConfig> =>
  Either.gen(function* () {
    const settings = yield* CompressionConfig.decode(options.config ?? {})
    const invalid = (reason: string) => Either.left(new InvalidConfig({ reason }))
    const maxDecodedBytes = options.maxDecodedBytes ?? Envelope.DEFAULT_MAX_DECODED_BYTES
    if (!DictionaryRegistry.isU32Id(maxDecodedBytes)) {
      return yield* invalid(`maxDecodedBytes ${maxDecodedBytes} must be an integer 1..4294967295`)
    }
    const dictionaries = options.dictionaries ?? new Map<number, Uint8Array>()
    if (dictionaries.size > DictionaryRegistry.MAX_DICTIONARIES) {
      return yield* invalid(`${dictionaries.size} dictionaries given (at most ${DictionaryRegistry.MAX_DICTIONARIES})`)
    }
    for (const [id, bytes] of dictionaries) {
      const problem = DictionaryRegistry.dictionaryProblem(id, bytes)
      if (problem !== undefined) return yield* invalid(problem)
    }
    const dictionaryId = options.dictionaryId ?? 0
    if (dictionaryId !== 0) {
      if (!dictionaries.has(dictionaryId)) return yield* invalid(`dictionaryId ${dictionaryId} is not in dictionaries`)
      if (settings.algorithm !== "zstd") return yield* invalid('dictionaries need algorithm "zstd"')
    }
    return { settings, dictionaries, dictionaryId, maxDecodedBytes, loadZstd: options.loadZstd ?? defaultLoader }
  })

type Attempt<A> =
  | { readonly _tag: "Done"; readonly value: A }
  | { readonly _tag: "Aborted"; readonly reload: Effect.Effect<void> }
  | { readonly _tag: "Threw"; readonly detail: string }

const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
const utf8Encoder = new TextEncoder()

export const build = (resolved: Resolved, mode: "codec" | "none"): Effect.Effect<Codec["Type"], never, Scope.Scope> =>
  Effect.gen(function* () {
    const { settings, maxDecodedBytes } = resolved
    const dictionaries = DictionaryRegistry.make(resolved.dictionaries, resolved.dictionaryId)
    const counters = makeCounters()
    const engines = yield* EngineHolder.make(
      mode === "codec" ? resolved.loadZstd : undefined,
      dictionaries.map,
      settings.level,
      counters
    )

    const guarded = <A>(engine: ZstdEngine | undefined, run: () => A): Attempt<A> => {
      try {
        return { _tag: "Done", value: run() }
      } catch (thrown) {
        if (thrown instanceof ZstdAbort && engine !== undefined) {
          return { _tag: "Aborted", reload: engines.aborted(engine, thrown.detail) }
        }
        // Not expected (zlib and our own code): still a value for the caller, never a crash.
        return { _tag: "Threw", detail: thrown instanceof Error ? thrown.message : String(thrown) }
      }
    }

    // `encode` and `encodeText` are untraced like `decode`: they run once per document written, under the span of the
    // storage operation that calls them, and a span each (with its call-site capture) costs a fifth of a compression.
    const encode = Effect.fnUntraced(function* (bytes: Uint8Array, record?: string) {
      const plain = (reason: PlainReason): Plain => {
        counters.bytes_in += bytes.length
        counters.bytes_out += bytes.length
        counters.stored_plain++
        return { _tag: "Plain", bytes, reason }
      }
      if (mode === "none" || !settings.enabled) return plain("disabled")
      if (bytes.length === 0) return plain("empty")
      if (bytes.length < settings.threshold_bytes) return plain("below_threshold")
      // An envelope claiming more than maxDecodedBytes (itself at most 0xffffffff, the u32 length field) would be
      // refused by every decoder with this limit: keep such a value plain rather than write an unreadable row.
      if (bytes.length > maxDecodedBytes) {
        counters.above_decode_limit++
        return plain("above_decode_limit")
      }
      let engine: ZstdEngine | undefined
      let compressor: Frames.FrameCompressor
      if (settings.algorithm === "zstd") {
        // Never waits: while an aborted instance is being replaced, values are stored plain.
        engine = engines.current()
        if (engine === undefined) {
          counters.codec_unavailable++
          return plain("codec_unavailable")
        }
        compressor = Frames.zstdCompressor(engine, settings.level, dictionaries.writeId())
      } else {
        compressor = Frames.gzipCompressor(settings.level)
      }
      const limit = Math.min(bytes.length - 1, Math.floor(bytes.length * (1 - settings.min_savings)))
      const start = yield* Clock.currentTimeNanos
      const attempt = guarded(engine, () => Frames.compressEnvelope(bytes, compressor, limit))
      const end = yield* Clock.currentTimeNanos
      counters.compress_calls++
      counters.compress_ns += end - start
      if (attempt._tag === "Aborted") {
        counters.failed++
        yield* attempt.reload
        return plain("codec_error")
      }
      if (attempt._tag === "Threw") {
        counters.failed++
        yield* Effect.logWarning(`compression failed for record ${record ?? "(unnamed)"}: ${attempt.detail}`)
        return plain("codec_error")
      }
      const outcome = attempt.value
      if (outcome._tag === "TooLarge") return plain("insufficient_savings")
      if (outcome._tag === "Refused") {
        counters.failed++
        yield* Effect.logWarning(`compression failed for record ${record ?? "(unnamed)"}: ${outcome.reason}`)
        return plain("codec_error")
      }
      counters.compressed++
      counters.bytes_in += bytes.length
      counters.bytes_out += outcome.bytes.length
      const compressed: Compressed = {
        _tag: "Compressed",
        bytes: outcome.bytes,
        algorithm: compressor.algorithm,
        dictionaryId: compressor.dictionaryId,
        originalBytes: bytes.length
      }
      return compressed
    })

    // Decoding is untraced: it runs once per row read (hundreds in a page), under the span of the read.
    const decode = Effect.fnUntraced(
      function* (input: Uint8Array | ArrayBuffer, record: string) {
        const bytes = input instanceof Uint8Array ? input : new Uint8Array(input)
        const header = Envelope.readHeader(bytes, maxDecodedBytes)
        if (Either.isLeft(header)) {
          const { kind, reason } = header.left
          return yield* kind === "corrupt"
            ? new CorruptPayload({ record, reason })
            : new UnsupportedFormat({ record, reason })
        }
        const { algorithm, dictionaryId: dictId } = header.right
        if (dictId !== 0) {
          if (!dictionaries.use(dictId)) return yield* new UnknownDictionary({ record, dictionaryId: dictId })
        }
        for (let tries = 0; ; tries++) {
          let engine: ZstdEngine | undefined
          let decoder: Frames.FrameDecoder
          if (algorithm === "stored") decoder = Frames.storedDecoder
          else if (algorithm === "gzip") decoder = Frames.gzipDecoder
          else {
            engine = yield* engines.forDecode
            if (engine === undefined) {
              const reason =
                mode === "none"
                  ? "zstd envelopes need a compressing Codec layer (this is layerNone)"
                  : engines.reloading()
                    ? `the zstd codec is being replaced after an abort (waited ${Duration.format(EngineHolder.DECODE_RELOAD_WAIT)}); try again later`
                    : "the zstd codec is unavailable in this process"
              return yield* new UnsupportedFormat({ record, reason })
            }
            decoder = Frames.zstdDecoder(engine, dictId)
          }
          const start = yield* Clock.currentTimeNanos
          const attempt = guarded(engine, () => Frames.decodeFrames(bytes, header.right, decoder))
          const end = yield* Clock.currentTimeNanos
          counters.decompress_calls++
          counters.decompress_ns += end - start
          if (attempt._tag === "Aborted") {
            yield* attempt.reload
            // One retry on a fresh instance (forDecode waits for it, bounded): the abort may have been the old instance's state, not this input.
            if (tries === 0) continue
            return yield* new CorruptPayload({ record, reason: "zstd-codec aborted while decoding this value" })
          }
          if (attempt._tag === "Threw") {
            return yield* new CorruptPayload({ record, reason: `decoder failed: ${attempt.detail}` })
          }
          if (typeof attempt.value === "string") return yield* new CorruptPayload({ record, reason: attempt.value })
          counters.decoded++
          return attempt.value
        }
      },
      Effect.tapError(() => Effect.sync(() => counters.decode_failed++))
    )

    const encodeText = Effect.fnUntraced(function* (text: string, record?: string) {
      const encoded = yield* encode(utf8Encoder.encode(text), record)
      if (encoded._tag === "Compressed") return encoded as EncodedText
      const plain: PlainText = { _tag: "Plain", text, reason: encoded.reason }
      return plain as EncodedText
    })

    const decodeText = Effect.fnUntraced(function* (value: string | Uint8Array | ArrayBuffer, record: string) {
      if (typeof value === "string") return value
      const bytes = yield* decode(value, record)
      try {
        return utf8Decoder.decode(bytes)
      } catch {
        return yield* new CorruptPayload({ record, reason: "decoded bytes are not valid UTF-8" })
      }
    })

    const addDictionary = Effect.fn("Codec.addDictionary")(function* (id: number, bytes: Uint8Array) {
      const registration = dictionaries.add(id, bytes)
      if (registration._tag === "Invalid") return yield* new InvalidConfig({ reason: registration.reason })
      if (registration._tag === "Known") return
      const engine = engines.current()
      for (const evicted of registration.evicted) {
        engine?.removeDictionary(evicted)
        counters.dictionary_evictions++
      }
      if (engine === undefined) return // a reload builds its engine from the map, this dictionary included
      const attempt = guarded(engine, () => engine.addDictionary(id, bytes))
      if (attempt._tag === "Aborted") yield* attempt.reload
    })

    const useDictionary = Effect.fn("Codec.useDictionary")(function* (id: number) {
      const problem = dictionaries.write(id, settings.algorithm)
      if (problem !== undefined) return yield* new InvalidConfig({ reason: problem })
    })

    const stats = Effect.sync(() =>
      snapshot(counters, {
        algorithm: mode === "none" ? "none" : settings.algorithm,
        level: settings.level,
        zstd_available: engines.current() !== undefined,
        dictionary_id: dictionaries.writeId(),
        dictionaries: dictionaries.map.size
      })
    )

    const service: Codec["Type"] = {
      settings,
      encode,
      encodeText,
      decode,
      decodeText,
      addDictionary,
      useDictionary,
      stats
    }
    return service
  })
