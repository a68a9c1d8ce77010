/**
 * Envelope encode/decode over per-algorithm frame backends. Synchronous; a zstd instance failure
 * surfaces as a thrown ZstdAbort for the caller to handle.
 */
import { gunzipSync, gzipSync } from "node:zlib"
import * as Envelope from "../Envelope.js"
import type { ZstdEngine } from "./zstd.js"

export type CompressOutcome =
  | { readonly _tag: "Envelope"; readonly bytes: Uint8Array }
  | { readonly _tag: "TooLarge" }
  | { readonly _tag: "Refused"; readonly reason: string }

export interface FrameCompressor {
  readonly algorithm: "zstd" | "gzip"
  readonly dictionaryId: number
  readonly frameBytes: number
  /** One compressed frame, or null when the codec refused. */
  readonly compress: (frame: Uint8Array) => Uint8Array | null
}

/** zstd-codec aborts on 768 KiB at levels 10-22 (bench/abort-thresholds.ts): 256 KiB frames there, 1 MiB below. */
export const zstdFrameBytes = (level: number): number => (level <= 9 ? Envelope.MAX_FRAME_BYTES : 256 * 1024)

export const zstdCompressor = (engine: ZstdEngine, level: number, dictionaryId: number): FrameCompressor => ({
  algorithm: "zstd",
  dictionaryId,
  frameBytes: zstdFrameBytes(level),
  compress: (frame) => engine.compress(frame, level, dictionaryId)
})

export const gzipCompressor = (level: number): FrameCompressor => ({
  algorithm: "gzip",
  dictionaryId: 0,
  frameBytes: Envelope.MAX_FRAME_BYTES,
  compress: (frame) => gzipSync(frame, { level })
})

/**
 * Compresses `bytes` into an envelope, giving up as soon as the envelope would exceed `limit` bytes
 * (so incompressible multi-frame inputs stop early).
 */
export const compressEnvelope = (bytes: Uint8Array, compressor: FrameCompressor, limit: number): CompressOutcome => {
  const parts = Envelope.split(bytes, compressor.frameBytes)
  let size = Envelope.envelopeSize(parts.length, 0)
  if (size > limit) return { _tag: "TooLarge" }
  const frames: Array<{ body: Uint8Array; originalLength: number }> = []
  for (const part of parts) {
    const body = compressor.compress(part)
    if (body === null) return { _tag: "Refused", reason: `${compressor.algorithm} refused a ${part.length}-byte frame` }
    size += body.length
    if (size > limit) return { _tag: "TooLarge" }
    frames.push({ body, originalLength: part.length })
  }
  return {
    _tag: "Envelope",
    bytes: Envelope.write({
      algorithm: compressor.algorithm,
      dictionaryId: compressor.dictionaryId,
      originalLength: bytes.length,
      crc32: Envelope.checksum(bytes),
      frames
    })
  }
}

/**
 * Decodes one frame body into `target` (a view of the result, exactly the frame's original length), or explains
 * why not. Decoders that cannot write in place produce one frame (at most 1 MiB) and copy it in.
 */
export type FrameDecoder = (body: Uint8Array, target: Uint8Array, index: number) => string | undefined

export const storedDecoder: FrameDecoder = (body, target) => {
  target.set(body)
  return undefined
}

const copyExact = (out: Uint8Array, target: Uint8Array, index: number): string | undefined => {
  if (out.length !== target.length)
    return `frame ${index} decoded to ${out.length} bytes, the table says ${target.length}`
  target.set(out)
  return undefined
}

export const gzipDecoder: FrameDecoder = (body, target, index) => {
  let out: Uint8Array
  try {
    out = gunzipSync(body, { maxOutputLength: target.length })
  } catch (error) {
    const code = (error as { code?: unknown }).code
    return `frame ${index} rejected by gzip (${typeof code === "string" ? code : "invalid data"})`
  }
  return copyExact(out, target, index)
}

export const zstdDecoder =
  (engine: ZstdEngine, dictionaryId: number): FrameDecoder =>
  (body, target, index) => {
    // Check the size the frame declares before zstd-codec allocates it on its 16 MiB heap.
    const declared = engine.contentSize(body)
    if (declared === null) return `frame ${index} rejected by zstd (no readable frame header with a content size)`
    if (declared !== target.length) {
      return `frame ${index} declares ${declared} bytes, the table says ${target.length}`
    }
    const out = engine.decompress(body, dictionaryId)
    if (out === null) return `frame ${index} rejected by zstd`
    return copyExact(out, target, index)
  }

/**
 * Decodes every frame of a validated header and checks the CRC; a string explains corruption. The result
 * (the header's validated original length) is allocated once and each frame is decoded into its place, so
 * the peak is the result plus one frame, never twice the original.
 */
export const decodeFrames = (
  bytes: Uint8Array,
  header: Envelope.Header,
  decoder: FrameDecoder
): Uint8Array | string => {
  const result = new Uint8Array(header.originalLength)
  let offset = 0
  for (let i = 0; i < header.frames.length; i++) {
    const frame = header.frames[i]!
    const body = bytes.subarray(frame.offset, frame.offset + frame.compressedLength)
    const problem = decoder(body, result.subarray(offset, offset + frame.originalLength), i)
    if (problem !== undefined) return problem
    offset += frame.originalLength
  }
  const crc = Envelope.checksum(result)
  return crc === header.crc32
    ? result
    : `checksum mismatch (stored ${header.crc32.toString(16)}, computed ${crc.toString(16)})`
}
