/**
 * zstd-codec (Emscripten, fixed 16 MiB heap) behind a small synchronous engine. Any exception from the
 * wasm module (abort("OOM") throws a string) leaves the instance unusable: the engine reports it as
 * `ZstdAbort` and the caller replaces the engine.
 */
import { createRequire } from "node:module"
import type { ZstdDictHandle, ZstdLoader, ZstdModule } from "../ZstdModule.js"

/** Loads zstd-codec from node_modules. */
export const defaultLoader: ZstdLoader = () =>
  new Promise((resolve, reject) => {
    try {
      const require = createRequire(import.meta.url)
      const { ZstdCodec } = require("zstd-codec") as { ZstdCodec: { run(cb: (zstd: ZstdModule) => void): void } }
      ZstdCodec.run(resolve)
    } catch (error) {
      reject(error)
    }
  })

/** The wasm instance threw; it must not be used again. */
export class ZstdAbort {
  readonly _tag = "ZstdAbort"
  constructor(readonly detail: string) {}
}

/** A zstd frame header is at most 18 bytes; enough for `contentSize`. */
const FRAME_HEADER_MAX = 18

/** The largest content size read in JavaScript; anything larger is left to zstd-codec (as all unusual headers are). */
const MAX_PLAIN_CONTENT_SIZE = 0x7fffffff

/**
 * The content size a standard zstd frame header declares, read in JavaScript (RFC 8878, 3.1.1.1): the same value
 * zstd-codec's `contentSize` gives, without copying the header into its heap. `undefined` when the header is not the
 * plain case (another magic number, not single-segment, a reserved bit set, too short, a size past 2^31 - 1): the
 * caller asks zstd-codec then. zstd-codec writes single-segment frames with their size.
 */
export const headerContentSize = (frame: Uint8Array): number | undefined => {
  if (frame.length < 6 || frame[0] !== 0x28 || frame[1] !== 0xb5 || frame[2] !== 0x2f || frame[3] !== 0xfd) {
    return undefined
  }
  const descriptor = frame[4]!
  // single segment (no window descriptor, whose limits zstd checks), the reserved bit clear
  if ((descriptor & 0x28) !== 0x20) return undefined
  const fcsFlag = descriptor >> 6
  const at = 5 + [0, 1, 2, 4][descriptor & 0x03]!
  const fcsBytes = [1, 2, 4, 8][fcsFlag]!
  if (at + fcsBytes > frame.length) return undefined
  let size = 0
  for (let i = fcsBytes - 1; i >= 0; i--) size = size * 256 + frame[at + i]!
  if (fcsBytes === 2) size += 256
  return size <= MAX_PLAIN_CONTENT_SIZE ? size : undefined
}

const describe = (thrown: unknown): string =>
  (thrown instanceof Error ? thrown.message : String(thrown)).split("\n")[0]!.slice(0, 120)

export interface ZstdEngine {
  /** Compresses one frame (<= the writer's frame size). `null`: the codec refused. Throws ZstdAbort. */
  readonly compress: (frame: Uint8Array, level: number, dictionaryId: number) => Uint8Array | null
  /** The content size a frame header declares, `null` when absent or unreadable. Throws ZstdAbort. */
  readonly contentSize: (frame: Uint8Array) => number | null
  /** Decompresses one frame whose content size was checked first. `null`: rejected. Throws ZstdAbort. */
  readonly decompress: (frame: Uint8Array, dictionaryId: number) => Uint8Array | null
  readonly hasDictionary: (dictionaryId: number) => boolean
  /** Prepares one more dictionary for decompression on the wasm heap. Throws ZstdAbort. */
  readonly addDictionary: (dictionaryId: number, bytes: Uint8Array) => void
  /** Frees a dictionary's prepared forms. */
  readonly removeDictionary: (dictionaryId: number) => void
  /** Frees the dictionaries on the wasm heap. */
  readonly close: () => void
}

const guard = <A>(f: () => A): A => {
  try {
    return f()
  } catch (thrown) {
    throw new ZstdAbort(describe(thrown))
  }
}

const closeQuietly = (handle: ZstdDictHandle | undefined) => {
  try {
    handle?.close()
  } catch {
    // an aborted instance may refuse; its heap is dropped with it
  }
}

/**
 * Builds an engine on a loaded module. Dictionaries are raw-content zstd dictionaries. Every one is prepared for
 * decompression (about 130 KB of the 16 MiB heap for 64 KiB); only the one writes use is prepared for
 * compression (about 650 KB at level 3), when first used, at `dictionaryLevel` (zstd bakes the level in).
 * `dictionaries` is read when a compression dictionary is prepared, so it may be the caller's live map.
 */
export const makeEngine = (
  zstd: ZstdModule,
  dictionaries: ReadonlyMap<number, Uint8Array>,
  dictionaryLevel: number
): ZstdEngine => {
  const simple = guard(() => new zstd.Simple())
  const generic = guard(() => new zstd.Generic())
  const ddicts = new Map<number, ZstdDictHandle>()
  let cdict: { readonly id: number; readonly handle: ZstdDictHandle } | undefined
  const addDictionary = (id: number, bytes: Uint8Array) => {
    if (ddicts.has(id)) return
    ddicts.set(
      id,
      guard(() => new zstd.Dict.Decompression(bytes))
    )
  }
  const compressionDictionary = (id: number): ZstdDictHandle | undefined => {
    if (cdict?.id === id) return cdict.handle
    const bytes = dictionaries.get(id)
    if (bytes === undefined) return undefined
    closeQuietly(cdict?.handle)
    cdict = undefined
    const handle = guard(() => new zstd.Dict.Compression(bytes, dictionaryLevel))
    cdict = { id, handle }
    return handle
  }
  const close = () => {
    for (const handle of ddicts.values()) closeQuietly(handle)
    ddicts.clear()
    closeQuietly(cdict?.handle)
    cdict = undefined
  }
  try {
    for (const [id, bytes] of dictionaries) addDictionary(id, bytes)
  } catch (error) {
    close()
    throw error
  }
  return {
    compress: (frame, level, dictionaryId) =>
      guard(() => {
        if (dictionaryId === 0) return simple.compress(frame, level)
        const handle = compressionDictionary(dictionaryId)
        return handle === undefined ? null : simple.compressUsingDict(frame, handle)
      }),
    contentSize: (frame) => {
      const plain = headerContentSize(frame)
      if (plain !== undefined) return plain
      return guard(() => {
        const size = generic.contentSize(frame.subarray(0, FRAME_HEADER_MAX))
        return typeof size === "number" && size >= 0 ? size : null
      })
    },
    decompress: (frame, dictionaryId) =>
      guard(() => {
        if (dictionaryId === 0) return simple.decompress(frame)
        const ddict = ddicts.get(dictionaryId)
        return ddict === undefined ? null : simple.decompressUsingDict(frame, ddict)
      }),
    hasDictionary: (dictionaryId) => ddicts.has(dictionaryId),
    addDictionary,
    removeDictionary: (dictionaryId) => {
      closeQuietly(ddicts.get(dictionaryId))
      ddicts.delete(dictionaryId)
      if (cdict?.id === dictionaryId) {
        closeQuietly(cdict.handle)
        cdict = undefined
      }
    },
    close
  }
}
