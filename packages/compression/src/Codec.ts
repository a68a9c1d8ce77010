/**
 * The Codec service: compresses payload bytes into a self-describing envelope (see `Envelope`) when
 * that pays off, and decodes envelopes of every algorithm the format knows.
 *
 * @since 0.1.0
 */
import type * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { DecodeError, InvalidConfig } from "./CodecError.js"
import type { CodecStats } from "./CodecStats.js"
import * as CompressionConfig from "./CompressionConfig.js"
import * as Envelope from "./Envelope.js"
import * as Internal from "./internal/service.js"
import { defaultLoader } from "./internal/zstd.js"
import type { ZstdLoader } from "./ZstdModule.js"

export type { ZstdDictHandle, ZstdLoader, ZstdModule, ZstdSimple } from "./ZstdModule.js"
/** Loads zstd-codec from node_modules (the default `loadZstd`). @since 0.1.0 */
export const defaultZstdLoader: ZstdLoader = defaultLoader

/** Largest raw-content dictionary accepted (zstd-codec's 16 MiB heap must also hold frames). @since 0.1.0 */
export const MAX_DICTIONARY_BYTES: number = CompressionConfig.MAX_DICTIONARY_BYTES

/** Most dictionaries registered at once (see `addDictionary`). @since 0.1.0 */
export const MAX_DICTIONARIES: number = Internal.MAX_DICTIONARIES

/** Why `encode` returned the input unchanged. @since 0.1.0 */
export type PlainReason =
  | "disabled"
  | "empty"
  | "below_threshold"
  | "above_decode_limit"
  | "insufficient_savings"
  | "codec_unavailable"
  | "codec_error"

/** The input, unchanged: store it as is (TEXT for JSON). @since 0.1.0 */
export interface Plain {
  readonly _tag: "Plain"
  readonly bytes: Uint8Array
  readonly reason: PlainReason
}

/** An envelope (store as BLOB; read back with `decode`). Always smaller than the input. @since 0.1.0 */
export interface Compressed {
  readonly _tag: "Compressed"
  readonly bytes: Uint8Array
  readonly algorithm: CompressionConfig.Algorithm
  readonly dictionaryId: number
  readonly originalBytes: number
}

/** @since 0.1.0 */
export type Encoded = Plain | Compressed

/** The text, unchanged: store it as TEXT. @since 0.1.0 */
export interface PlainText {
  readonly _tag: "Plain"
  readonly text: string
  readonly reason: PlainReason
}

/** @since 0.1.0 */
export type EncodedText = PlainText | Compressed

/** @since 0.1.0 */
export interface Options {
  /** The `[compression]` section (snake_case keys, defaults applied, validated). */
  readonly config?: CompressionConfig.CompressionConfigInput | undefined
  /** Raw-content zstd dictionaries by id (1..2^32-1), each 1..MAX_DICTIONARY_BYTES. Needed to read rows written with them. */
  readonly dictionaries?: ReadonlyMap<number, Uint8Array> | undefined
  /** Dictionary id for new zstd writes (must be in `dictionaries`); 0 or absent: no dictionary. */
  readonly dictionaryId?: number | undefined
  /** Hard limit on an envelope's claimed original length (default 256 MiB). */
  readonly maxDecodedBytes?: number | undefined
  /** Replaces how zstd-codec is loaded (tests, other builds). */
  readonly loadZstd?: ZstdLoader | undefined
}

/**
 * @since 0.1.0
 */
export class Codec extends Context.Tag("@memory-turso/compression/Codec")<
  Codec,
  {
    /** Effective settings. */
    readonly settings: CompressionConfig.CompressionConfig
    /**
     * Compresses when enabled, at least `threshold_bytes` long and saving at least `min_savings`; `record` names the
     * value in a warning. Never fails.
     */
    readonly encode: (bytes: Uint8Array, record?: string) => Effect.Effect<Encoded>
    /** `encode` of the UTF-8 bytes of `text`; a plain result carries the original string. */
    readonly encodeText: (text: string, record?: string) => Effect.Effect<EncodedText>
    /** Decodes an envelope (stored, zstd or gzip). Bytes without the envelope magic are `CorruptPayload`. */
    readonly decode: (bytes: Uint8Array | ArrayBuffer, record: string) => Effect.Effect<Uint8Array, DecodeError>
    /** A string (plain TEXT) is returned as is; bytes are decoded as an envelope holding UTF-8. */
    readonly decodeText: (
      value: string | Uint8Array | ArrayBuffer,
      record: string
    ) => Effect.Effect<string, DecodeError>
    /**
     * Registers a raw-content zstd dictionary so envelopes written with it can be read (and written, after
     * `useDictionary`). Registering the same id and bytes again does nothing; other bytes under a known id fail.
     * Past MAX_DICTIONARIES the least recently used one (never the one writes use) is dropped.
     */
    readonly addDictionary: (id: number, bytes: Uint8Array) => Effect.Effect<void, InvalidConfig>
    /** Makes new zstd writes use dictionary `id` (registered first); 0 writes without one. */
    readonly useDictionary: (id: number) => Effect.Effect<void, InvalidConfig>
    readonly stats: Effect.Effect<CodecStats>
  }
>() {}

/**
 * Builds the Codec; loads one zstd-codec instance (16 MiB) for the lifetime of the scope. If zstd-codec
 * cannot start, the Codec still works: values stay plain, zstd rows fail with `UnsupportedFormat`.
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<Codec["Type"], InvalidConfig, Scope.Scope> =>
  Effect.flatMap(Internal.resolve(options), (resolved) => Internal.build(resolved, "codec"))

/** The Codec layer (zstd level 3 by default). Build it once per process. @since 0.1.0 */
export const layer = (options: Options = {}): Layer.Layer<Codec, InvalidConfig> => Layer.scoped(Codec, make(options))

/**
 * The Codec layer with settings from Effect `Config` (by default the `compression` section:
 * `compression.enabled`, `compression.threshold_bytes`, ...).
 *
 * @since 0.1.0
 */
export const layerConfig = (
  config: Config.Config<CompressionConfig.CompressionConfig> = CompressionConfig.sectionConfig,
  options: Omit<Options, "config"> = {}
): Layer.Layer<Codec, ConfigError.ConfigError | InvalidConfig> =>
  Layer.scoped(
    Codec,
    Effect.flatMap(config, (settings) => make({ ...options, config: settings }))
  )

/**
 * Pass-through: never compresses and loads no zstd; still decodes stored and gzip envelopes
 * (zstd envelopes fail with `UnsupportedFormat`).
 *
 * @since 0.1.0
 */
export const layerNone: Layer.Layer<Codec> = Layer.scoped(
  Codec,
  Internal.build(
    {
      settings: { ...CompressionConfig.defaults, enabled: false },
      dictionaries: new Map(),
      dictionaryId: 0,
      maxDecodedBytes: Envelope.DEFAULT_MAX_DECODED_BYTES,
      loadZstd: undefined
    },
    "none"
  )
)

/**
 * For tests: a fresh Codec per use with `threshold_bytes` 0 unless given, so small inputs compress.
 * Accepts every `Options` field, e.g. a failing `loadZstd`.
 *
 * @since 0.1.0
 */
export const layerTest = (options: Options = {}): Layer.Layer<Codec, InvalidConfig> =>
  Layer.fresh(layer({ ...options, config: { threshold_bytes: 0, ...options.config } }))
