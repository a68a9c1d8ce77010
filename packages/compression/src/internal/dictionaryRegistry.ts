/**
 * The dictionaries a Codec knows, in least-recently-used order, and the one new writes use. The map is live: the
 * engine holder reads it whenever it builds an engine.
 */
import * as CompressionConfig from "../CompressionConfig.js"

/**
 * Most dictionaries registered at once. Each costs about 130 KB of zstd-codec's 16 MiB heap for decompression
 * (measured: 64 KiB dictionaries exhaust it at about 124), and the heap must also hold 1 MiB frames. Past this,
 * the least recently used one (never the one writes use) is dropped; its rows fail with `UnknownDictionary`
 * until it is registered again.
 */
export const MAX_DICTIONARIES = 32

/** An envelope id or length field: 1..2^32-1. */
export const isU32Id = (n: number) => Number.isInteger(n) && n >= 1 && n <= 0xffffffff

/** Why `bytes` cannot be dictionary `id`, if it cannot. */
export const dictionaryProblem = (id: number, bytes: Uint8Array): string | undefined =>
  !isU32Id(id)
    ? `dictionary id ${id} must be an integer 1..4294967295`
    : bytes.length === 0 || bytes.length > CompressionConfig.MAX_DICTIONARY_BYTES
      ? `dictionary ${id} has ${bytes.length} bytes (allowed 1..${CompressionConfig.MAX_DICTIONARY_BYTES})`
      : undefined

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i])

export type Registration =
  | { readonly _tag: "Invalid"; readonly reason: string }
  | { readonly _tag: "Known" }
  | { readonly _tag: "Added"; readonly evicted: ReadonlyArray<number> }

export const make = (initial: ReadonlyMap<number, Uint8Array>, initialWriteId: number) => {
  const map = new Map(initial)
  let writeId = initialWriteId
  const touch = (id: number) => {
    const bytes = map.get(id)
    if (bytes === undefined) return
    map.delete(id)
    map.set(id, bytes)
  }
  return {
    map: map as ReadonlyMap<number, Uint8Array>,
    writeId: () => writeId,
    /** Whether `id` is registered; marks it used. */
    use: (id: number) => {
      touch(id)
      return map.has(id)
    },
    add: (id: number, bytes: Uint8Array): Registration => {
      const problem = dictionaryProblem(id, bytes)
      if (problem !== undefined) return { _tag: "Invalid", reason: problem }
      const known = map.get(id)
      if (known !== undefined) {
        if (!sameBytes(known, bytes)) {
          return { _tag: "Invalid", reason: `dictionary ${id} is already registered with other content` }
        }
        touch(id)
        return { _tag: "Known" }
      }
      map.set(id, bytes)
      const evicted: Array<number> = []
      for (const oldest of map.keys()) {
        if (map.size <= MAX_DICTIONARIES) break
        if (oldest === writeId || oldest === id) continue
        map.delete(oldest)
        evicted.push(oldest)
      }
      return { _tag: "Added", evicted }
    },
    /** Makes new writes use `id` (0: none); the reason when it cannot. */
    write: (id: number, algorithm: CompressionConfig.Algorithm): string | undefined => {
      if (id !== 0) {
        if (!map.has(id)) return `dictionary ${id} is not registered`
        if (algorithm !== "zstd") return 'dictionaries need algorithm "zstd"'
      }
      writeId = id
      return undefined
    }
  }
}
