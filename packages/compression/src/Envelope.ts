/**
 * The self-describing stored format ("envelope", version 1). All integers are little-endian.
 *
 * ```
 * offset  size  field
 * 0       4     magic FF 4D D4 FF (0xFF never occurs in UTF-8; as a float32 it is a NaN)
 * 4       1     format version (1)
 * 5       1     algorithm: 0 stored, 1 zstd, 2 gzip
 * 6       2     reserved flags, must be 0
 * 8       4     dictionary id (0 = none; zstd only)
 * 12      4     original length in bytes
 * 16      4     CRC-32 (zlib) of the original bytes
 * 20      4     frame count n (0 only when the original is empty)
 * 24      8n    frame table: per frame, compressed length u32 then original length u32
 * 24+8n   ...   frame bodies, in order: independent frames of the algorithm
 * ```
 *
 * Every frame holds 1..MAX_FRAME_BYTES original bytes; the original is the concatenation of the
 * decoded frames. Frames are independent, so a decoder never needs more than one frame in memory
 * inside the codec, and inputs of any size stay within zstd-codec's fixed 16 MiB heap.
 *
 * @since 0.1.0
 */

import { crc32 } from "node:zlib"
import * as Either from "effect/Either"

/** @since 0.1.0 */
export const MAGIC: ReadonlyArray<number> = [0xff, 0x4d, 0xd4, 0xff]
/** @since 0.1.0 */
export const FORMAT_VERSION = 1
/** @since 0.1.0 */
export const HEADER_BYTES = 24
/** Bytes per frame-table entry. @since 0.1.0 */
export const FRAME_ENTRY_BYTES = 8
/** Largest original length of one frame (format rule; writers may use smaller frames). @since 0.1.0 */
export const MAX_FRAME_BYTES = 1024 * 1024
/** Largest compressed length of one frame (covers zstd and gzip worst-case expansion of a full frame). @since 0.1.0 */
export const MAX_COMPRESSED_FRAME_BYTES = MAX_FRAME_BYTES + 16 * 1024
/** Default hard limit on the original length a decoder accepts. @since 0.1.0 */
export const DEFAULT_MAX_DECODED_BYTES = 256 * 1024 * 1024

/** Algorithm ids as written in byte 5. @since 0.1.0 */
export const AlgorithmId = { stored: 0, zstd: 1, gzip: 2 } as const
/** @since 0.1.0 */
export type AlgorithmName = keyof typeof AlgorithmId

const algorithmNames: ReadonlyArray<AlgorithmName> = ["stored", "zstd", "gzip"]

/** @since 0.1.0 */
export interface Frame {
  readonly offset: number
  readonly compressedLength: number
  readonly originalLength: number
}

/** @since 0.1.0 */
export interface Header {
  readonly version: number
  readonly algorithm: AlgorithmName
  readonly dictionaryId: number
  readonly originalLength: number
  readonly crc32: number
  readonly frames: ReadonlyArray<Frame>
}

/** Why a header could not be read: damaged (`corrupt`) or written by a newer/other build (`unsupported`). @since 0.1.0 */
export interface HeaderProblem {
  readonly kind: "corrupt" | "unsupported"
  readonly reason: string
}

/** True when `bytes` starts with the envelope magic (it may still be damaged). @since 0.1.0 */
export const isEnvelope = (bytes: Uint8Array): boolean =>
  bytes.length >= MAGIC.length &&
  bytes[0] === MAGIC[0] &&
  bytes[1] === MAGIC[1] &&
  bytes[2] === MAGIC[2] &&
  bytes[3] === MAGIC[3]

const corrupt = (reason: string) => Either.left<HeaderProblem>({ kind: "corrupt", reason })

/**
 * Reads and validates the header and frame table against the envelope's own size and `maxDecodedBytes`,
 * allocating nothing proportional to claimed lengths.
 *
 * @since 0.1.0
 */
export const readHeader = (
  bytes: Uint8Array,
  maxDecodedBytes: number = DEFAULT_MAX_DECODED_BYTES
): Either.Either<Header, HeaderProblem> => {
  const magicPrefix = Math.min(bytes.length, MAGIC.length)
  for (let i = 0; i < magicPrefix; i++) {
    if (bytes[i] !== MAGIC[i]) return corrupt("bad magic: not a compressed envelope")
  }
  if (bytes.length < HEADER_BYTES) {
    return corrupt(`truncated header: ${bytes.length} bytes, the header needs ${HEADER_BYTES}`)
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const version = view.getUint8(4)
  if (version !== FORMAT_VERSION) {
    return Either.left({
      kind: "unsupported",
      reason: `format version ${version} (this build reads version ${FORMAT_VERSION})`
    })
  }
  const algorithmId = view.getUint8(5)
  const algorithm = algorithmNames[algorithmId]
  if (algorithm === undefined) {
    return Either.left({ kind: "unsupported", reason: `unknown algorithm id ${algorithmId}` })
  }
  const flags = view.getUint16(6, true)
  if (flags !== 0) return corrupt(`reserved flags are set (0x${flags.toString(16)})`)
  const dictionaryId = view.getUint32(8, true)
  if (dictionaryId !== 0 && algorithm !== "zstd") {
    return corrupt(`dictionary id ${dictionaryId} with algorithm ${algorithm}`)
  }
  const originalLength = view.getUint32(12, true)
  if (originalLength > maxDecodedBytes) {
    return corrupt(`claims ${originalLength} original bytes, above the limit of ${maxDecodedBytes}`)
  }
  const crc32 = view.getUint32(16, true)
  const frameCount = view.getUint32(20, true)
  const tableEnd = HEADER_BYTES + frameCount * FRAME_ENTRY_BYTES
  if (tableEnd > bytes.length) {
    return corrupt(`truncated frame table: ${frameCount} frames need ${tableEnd} bytes, envelope has ${bytes.length}`)
  }
  if ((frameCount === 0) !== (originalLength === 0)) {
    return corrupt(`${frameCount} frames for ${originalLength} original bytes`)
  }
  const frames: Array<Frame> = []
  let offset = tableEnd
  let originalTotal = 0
  for (let i = 0; i < frameCount; i++) {
    const entry = HEADER_BYTES + i * FRAME_ENTRY_BYTES
    const compressedLength = view.getUint32(entry, true)
    const frameOriginal = view.getUint32(entry + 4, true)
    if (frameOriginal === 0 || frameOriginal > MAX_FRAME_BYTES) {
      return corrupt(`frame ${i} claims ${frameOriginal} original bytes (allowed 1..${MAX_FRAME_BYTES})`)
    }
    if (compressedLength === 0 || compressedLength > MAX_COMPRESSED_FRAME_BYTES) {
      return corrupt(
        `frame ${i} claims ${compressedLength} compressed bytes (allowed 1..${MAX_COMPRESSED_FRAME_BYTES})`
      )
    }
    if (algorithm === "stored" && compressedLength !== frameOriginal) {
      return corrupt(`stored frame ${i} has ${compressedLength} bytes but claims ${frameOriginal}`)
    }
    frames.push({ offset, compressedLength, originalLength: frameOriginal })
    offset += compressedLength
    originalTotal += frameOriginal
  }
  if (originalTotal !== originalLength) {
    return corrupt(`original length ${originalLength} does not match the frame table total ${originalTotal}`)
  }
  if (offset > bytes.length) {
    return corrupt(`truncated frame data: ${offset - bytes.length} of ${offset - tableEnd} frame bytes missing`)
  }
  if (offset < bytes.length) return corrupt(`${bytes.length - offset} unexpected trailing bytes`)
  return Either.right({ version, algorithm, dictionaryId, originalLength, crc32, frames })
}

/** Fields a writer supplies; frames are the already-compressed frame bodies with their original lengths. @since 0.1.0 */
export interface WriteInput {
  readonly algorithm: AlgorithmName
  readonly dictionaryId: number
  readonly originalLength: number
  readonly crc32: number
  readonly frames: ReadonlyArray<{ readonly body: Uint8Array; readonly originalLength: number }>
}

/** Size of the envelope `write` would produce. @since 0.1.0 */
export const envelopeSize = (frameCount: number, compressedTotal: number): number =>
  HEADER_BYTES + frameCount * FRAME_ENTRY_BYTES + compressedTotal

const U32_MAX = 0xffffffff

/** Serialises an envelope. Throws a RangeError for a length the u32 fields cannot hold (never wraps). @since 0.1.0 */
export const write = (input: WriteInput): Uint8Array => {
  if (!Number.isInteger(input.originalLength) || input.originalLength < 0 || input.originalLength > U32_MAX) {
    throw new RangeError(`original length ${input.originalLength} does not fit the envelope's u32 length field`)
  }
  let compressedTotal = 0
  for (const frame of input.frames) compressedTotal += frame.body.length
  const out = new Uint8Array(envelopeSize(input.frames.length, compressedTotal))
  const view = new DataView(out.buffer)
  out.set(MAGIC, 0)
  view.setUint8(4, FORMAT_VERSION)
  view.setUint8(5, AlgorithmId[input.algorithm])
  view.setUint16(6, 0, true)
  view.setUint32(8, input.dictionaryId, true)
  view.setUint32(12, input.originalLength, true)
  view.setUint32(16, input.crc32 >>> 0, true)
  view.setUint32(20, input.frames.length, true)
  let offset = HEADER_BYTES + input.frames.length * FRAME_ENTRY_BYTES
  input.frames.forEach((frame, i) => {
    view.setUint32(HEADER_BYTES + i * FRAME_ENTRY_BYTES, frame.body.length, true)
    view.setUint32(HEADER_BYTES + i * FRAME_ENTRY_BYTES + 4, frame.originalLength, true)
    out.set(frame.body, offset)
    offset += frame.body.length
  })
  return out
}

/** Splits `bytes` into consecutive views of at most `frameBytes` bytes (none for empty input). @since 0.1.0 */
export const split = (bytes: Uint8Array, frameBytes: number): ReadonlyArray<Uint8Array> => {
  const size = Math.max(1, Math.min(frameBytes, MAX_FRAME_BYTES))
  const parts: Array<Uint8Array> = []
  for (let offset = 0; offset < bytes.length; offset += size) parts.push(bytes.subarray(offset, offset + size))
  return parts
}

/** CRC-32 as stored in the header. @since 0.1.0 */
export const checksum = (bytes: Uint8Array): number => crc32(bytes) >>> 0

/** An uncompressed ("stored", algorithm 0) envelope of `bytes`: a BLOB any decoder reads back. @since 0.1.0 */
export const stored = (bytes: Uint8Array): Uint8Array =>
  write({
    algorithm: "stored",
    dictionaryId: 0,
    originalLength: bytes.length,
    crc32: checksum(bytes),
    frames: split(bytes, MAX_FRAME_BYTES).map((body) => ({ body, originalLength: body.length }))
  })
