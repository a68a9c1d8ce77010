/**
 * Codec statistics, snake_case for publication under /metrics `compression`.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export interface CodecStats {
  /** Algorithm for new writes, "none" for the pass-through layer. */
  readonly algorithm: "zstd" | "gzip" | "none"
  readonly level: number
  /** Whether the zstd codec is loaded (needed to write zstd and to read zstd rows). */
  readonly zstd_available: boolean
  /** The zstd dictionary new writes use (0: none). */
  readonly dictionary_id: number
  /** Dictionaries registered now (their rows are readable). */
  readonly dictionaries: number
  /** Dictionaries dropped to stay within MAX_DICTIONARIES (least recently used first). */
  readonly dictionary_evictions: number
  /** Bytes given to encode / bytes it returned (plain or envelope), over every encode. */
  readonly bytes_in: number
  readonly bytes_out: number
  /** bytes_out / bytes_in (1 when nothing was encoded). */
  readonly ratio: number
  /** 1 - ratio. */
  readonly savings: number
  /** Encodes that returned an envelope. */
  readonly compressed: number
  /** Encodes that returned the input unchanged (any reason, including the two below). */
  readonly stored_plain: number
  /** Encodes that would have compressed but the zstd codec is unavailable. */
  readonly codec_unavailable: number
  /** Encodes left plain because the input is longer than `maxDecodedBytes` (no decoder would accept the envelope). */
  readonly above_decode_limit: number
  /** Encodes where the codec failed (the value was stored plain). */
  readonly failed: number
  /** Envelopes decoded successfully / decodes that failed with a typed error. */
  readonly decoded: number
  readonly decode_failed: number
  /** zstd-codec instances replaced after an abort (counted when the new instance is loaded). */
  readonly codec_restarts: number
  /** Loads of a replacement instance that failed (retried in the background with a capped backoff). */
  readonly codec_reload_failures: number
  /** Compression attempts and time spent in them (microseconds). */
  readonly compress_calls: number
  readonly compress_us_total: number
  readonly compress_us_avg: number
  /** Envelope decodes attempted and time spent in them (microseconds). */
  readonly decompress_calls: number
  readonly decompress_us_total: number
  readonly decompress_us_avg: number
}
