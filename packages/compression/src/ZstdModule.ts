/**
 * The shape of a loaded zstd-codec instance, for replacing how the Codec loads it (`Codec.Options.loadZstd`).
 *
 * @since 0.1.0
 */

/** The part of zstd-codec's `Simple` API used here. Results are `null` on any codec error. */
export interface ZstdSimple {
  compress(bytes: Uint8Array, level: number): Uint8Array | null
  decompress(bytes: Uint8Array): Uint8Array | null
  compressUsingDict(bytes: Uint8Array, dict: ZstdDictHandle): Uint8Array | null
  decompressUsingDict(bytes: Uint8Array, dict: ZstdDictHandle): Uint8Array | null
}

/** A prepared zstd dictionary. @since 0.1.0 */
export interface ZstdDictHandle {
  close(): void
}

/** A loaded zstd-codec instance, as `ZstdCodec.run` hands it over. */
export interface ZstdModule {
  readonly Simple: new () => ZstdSimple
  readonly Generic: new () => { contentSize(bytes: Uint8Array): number | null | undefined }
  readonly Dict: {
    readonly Compression: new (bytes: Uint8Array, level: number) => ZstdDictHandle
    readonly Decompression: new (bytes: Uint8Array) => ZstdDictHandle
  }
}

/** Loads a fresh zstd-codec instance (each call costs 16 MiB and 30-45 ms). */
export type ZstdLoader = () => Promise<ZstdModule>
