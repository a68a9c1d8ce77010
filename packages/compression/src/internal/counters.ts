import type { CodecStats } from "../CodecStats.js"

export interface Counters {
  bytes_in: number
  bytes_out: number
  compressed: number
  stored_plain: number
  codec_unavailable: number
  above_decode_limit: number
  failed: number
  decoded: number
  decode_failed: number
  codec_restarts: number
  codec_reload_failures: number
  dictionary_evictions: number
  compress_calls: number
  compress_ns: bigint
  decompress_calls: number
  decompress_ns: bigint
}

export const makeCounters = (): Counters => ({
  bytes_in: 0,
  bytes_out: 0,
  compressed: 0,
  stored_plain: 0,
  codec_unavailable: 0,
  above_decode_limit: 0,
  failed: 0,
  decoded: 0,
  decode_failed: 0,
  codec_restarts: 0,
  codec_reload_failures: 0,
  dictionary_evictions: 0,
  compress_calls: 0,
  compress_ns: 0n,
  decompress_calls: 0,
  decompress_ns: 0n
})

const micros = (ns: bigint): number => Number(ns) / 1000

export const snapshot = (
  counters: Counters,
  fixed: Pick<CodecStats, "algorithm" | "level" | "zstd_available" | "dictionary_id" | "dictionaries">
): CodecStats => {
  const ratio = counters.bytes_in === 0 ? 1 : counters.bytes_out / counters.bytes_in
  const compressUs = micros(counters.compress_ns)
  const decompressUs = micros(counters.decompress_ns)
  return {
    ...fixed,
    bytes_in: counters.bytes_in,
    bytes_out: counters.bytes_out,
    ratio,
    savings: 1 - ratio,
    compressed: counters.compressed,
    stored_plain: counters.stored_plain,
    codec_unavailable: counters.codec_unavailable,
    above_decode_limit: counters.above_decode_limit,
    failed: counters.failed,
    decoded: counters.decoded,
    decode_failed: counters.decode_failed,
    codec_restarts: counters.codec_restarts,
    codec_reload_failures: counters.codec_reload_failures,
    dictionary_evictions: counters.dictionary_evictions,
    compress_calls: counters.compress_calls,
    compress_us_total: compressUs,
    compress_us_avg: counters.compress_calls === 0 ? 0 : compressUs / counters.compress_calls,
    decompress_calls: counters.decompress_calls,
    decompress_us_total: decompressUs,
    decompress_us_avg: counters.decompress_calls === 0 ? 0 : decompressUs / counters.decompress_calls
  }
}
