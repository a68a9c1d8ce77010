/**
 * Typed errors of the Codec. Every decode error names the record it was reading.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/** The stored value is damaged: bad magic, truncation, inconsistent lengths, a rejected frame, a checksum mismatch. @since 0.1.0 */
export class CorruptPayload extends Data.TaggedError("CorruptPayload")<{
  readonly record: string
  readonly reason: string
}> {
  override get message(): string {
    return `corrupt compressed payload in record ${this.record}: ${this.reason}`
  }
}

/** The envelope is well-formed but needs something this build or layer cannot do (newer version, unknown or unloaded algorithm). @since 0.1.0 */
export class UnsupportedFormat extends Data.TaggedError("UnsupportedFormat")<{
  readonly record: string
  readonly reason: string
}> {
  override get message(): string {
    return `cannot decode record ${this.record}: ${this.reason}`
  }
}

/** The envelope was written with a zstd dictionary this codec was not given. @since 0.1.0 */
export class UnknownDictionary extends Data.TaggedError("UnknownDictionary")<{
  readonly record: string
  readonly dictionaryId: number
}> {
  override get message(): string {
    return `cannot decode record ${this.record}: it needs zstd dictionary ${this.dictionaryId}, which is not configured`
  }
}

/** Any error `decode` / `decodeText` can fail with. @since 0.1.0 */
export type DecodeError = CorruptPayload | UnsupportedFormat | UnknownDictionary

/** Invalid compression settings or codec options. @since 0.1.0 */
export class InvalidConfig extends Data.TaggedError("InvalidConfig")<{
  readonly reason: string
}> {
  override get message(): string {
    return `invalid compression configuration: ${this.reason}`
  }
}
