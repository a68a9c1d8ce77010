/**
 * Hrana values <-> what the `libsql` package binds and returns (with safe integers on: bigint, number, string,
 * Buffer, null). Integers travel as decimal strings so no 64-bit value loses precision.
 */
import { HranaError } from "./errors.js"

/** A Hrana `Value` as it travels in JSON. */
export type ProtoValue =
  | { readonly type: "null" }
  | { readonly type: "integer"; readonly value: string }
  | { readonly type: "float"; readonly value: number }
  | { readonly type: "text"; readonly value: string }
  | { readonly type: "blob"; readonly base64: string }

/** What may be bound to a `libsql` statement (never booleans or undefined: the native binding aborts on them). */
export type SqlValue = bigint | number | string | Buffer | null

const MIN_I64 = -(2n ** 63n)
const MAX_I64 = 2n ** 63n - 1n
const INTEGER_TEXT = /^[-+]?\d+$/

const invalid = (message: string) => new HranaError("ARGS_INVALID", message)

/** Decodes one argument value; malformed values are an `ARGS_INVALID` error. */
export const decodeValue = (raw: unknown): SqlValue => {
  if (typeof raw !== "object" || raw === null) throw invalid("A value must be an object with a `type`")
  const value = raw as { type?: unknown; value?: unknown; base64?: unknown }
  switch (value.type) {
    case "null":
      return null
    case "integer": {
      if (typeof value.value !== "string" || !INTEGER_TEXT.test(value.value)) {
        throw invalid("An integer value must be a decimal string")
      }
      const n = BigInt(value.value)
      if (n < MIN_I64 || n > MAX_I64) throw invalid(`Integer ${value.value} does not fit in 64 bits`)
      return n
    }
    case "float":
      if (typeof value.value !== "number" || !Number.isFinite(value.value)) {
        throw invalid("A float value must be a finite JSON number")
      }
      return value.value
    case "text":
      if (typeof value.value !== "string") throw invalid("A text value must be a string")
      return value.value
    case "blob":
      if (typeof value.base64 !== "string") throw invalid("A blob value must carry `base64`")
      return Buffer.from(value.base64, "base64")
    default:
      throw invalid(`Unknown value type ${JSON.stringify(value.type)}`)
  }
}

/** Encodes one result cell. */
export const encodeValue = (cell: unknown): ProtoValue => {
  if (cell === null || cell === undefined) return { type: "null" }
  if (typeof cell === "bigint") return { type: "integer", value: cell.toString() }
  if (typeof cell === "number") {
    // With safe integers on, numbers are REALs; an integer-valued number can only come from safeIntegers being off.
    return { type: "float", value: cell }
  }
  if (typeof cell === "string") return { type: "text", value: cell }
  if (Buffer.isBuffer(cell)) return { type: "blob", base64: cell.toString("base64") }
  if (cell instanceof Uint8Array) {
    return { type: "blob", base64: Buffer.from(cell.buffer, cell.byteOffset, cell.byteLength).toString("base64") }
  }
  throw new HranaError("INTERNAL_ERROR", `Unexpected cell of type ${typeof cell}`)
}
