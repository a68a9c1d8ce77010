import { compileEncode, NOT_ACCEPTED } from "@memory-turso/model"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

/** JSON text already produced for a value, by identity. Values from the store are immutable. */
const known = new WeakMap<object, string>()
/** The same text as UTF-8 bytes, for values served often (cached ones). */
const knownBytes = new WeakMap<object, Uint8Array>()
/** Encodes into a buffer of its own, exactly the text's size (`Buffer.from` may slice a shared 8 KiB pool). */
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * The JSON text of an object with one more number field, before its value: `{"a":1}` becomes `{"a":1,"n":`. The
 * object's text must not have the field already. Append the number and `}` (in JavaScript or in SQL) to finish it.
 */
export const numberFieldPrefix = (json: string, field: string): string =>
  `${json.slice(0, -1)}${json.length > 2 ? "," : ""}${JSON.stringify(field)}:`

/** The JSON text of an object with one more number field, last: `{"a":1}` with `n` 2 is `{"a":1,"n":2}`. */
export const withNumberField = (json: string, field: string, value: number): string =>
  `${numberFieldPrefix(json, field)}${value}}`

/** Canonical JSON for one schema: the wire form clients see and the store keeps. */
export interface CanonicalJson<A> {
  /** The JSON of a value, serialised at most once per value object. */
  readonly stringify: (value: A) => string
  /** The JSON of a value as UTF-8 bytes, encoded at most once per value object (what an HTTP response sends). */
  readonly bytes: (value: A) => Uint8Array
  /**
   * Reads JSON this store wrote: parsed, not decoded again (it was validated and put in canonical form on the way
   * in, and decoding costs ~8x the parse). Only its being an object is checked here; the text is remembered as the
   * value's JSON. A model change that alters the stored form must ship with a migration of the payloads.
   */
  readonly parseStored: (json: string) => Either.Either<A, SyntaxError | TypeError>
  /** `parseStored` of UTF-8 bytes; the bytes and their text are remembered as the value's. */
  readonly parseStoredBytes: (bytes: Uint8Array) => Either.Either<A, SyntaxError | TypeError>
  /**
   * `value` with a number field added last, its JSON derived from `value`'s (see `withNumberField`) rather than
   * serialised again. `value` must not have the field already.
   */
  readonly withNumber: (value: A, field: string, n: number) => A
  /**
   * Notes that `value` is what this schema's decode returned (and is not changed after): for a schema made with
   * `decodedAsIs`, its JSON is then `JSON.stringify(value)`, without running the encode (which would check every
   * refinement again and copy every object). Returns `value`.
   */
  readonly decoded: (value: A) => A
}

/** Options of `make`. */
export interface Options {
  /**
   * The schema's encode gives back, key for key and in the same order, any value its decode returned: no
   * transformation changes a value's form on the way out (defaults and refinements only). A test holds each schema
   * made with it to that (`CanonicalJson.test.ts`).
   */
  readonly decodedAsIs?: boolean
}

/** Canonical JSON for `schema`. */
export const make = <A extends object, I>(schema: Schema.Schema<A, I>, options: Options = {}): CanonicalJson<A> => {
  const encode = Schema.encodeSync(schema)
  /** Values this schema's decode returned, whose JSON is their own (`decodedAsIs`). */
  const asIs = new WeakSet<object>()
  // Effect's own encode for what the compiled one does not accept (it throws the same error it always did)
  const compiled = compileEncode(schema)
  const wireOf = (value: A) => {
    const wire = compiled === undefined ? NOT_ACCEPTED : compiled(value)
    return wire === NOT_ACCEPTED ? encode(value) : wire
  }
  const stringify = (value: A): string => {
    let json = known.get(value)
    if (json === undefined) {
      json = JSON.stringify(asIs.has(value) ? value : wireOf(value))
      known.set(value, json)
    }
    return json
  }
  const parseStored = (json: string): Either.Either<A, SyntaxError | TypeError> => {
    let value: unknown
    try {
      value = JSON.parse(json)
    } catch (error) {
      return Either.left(error as SyntaxError)
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return Either.left(new TypeError("the stored JSON is not an object"))
    }
    known.set(value, json)
    return Either.right(value as A)
  }
  return {
    stringify,
    bytes: (value) => {
      let bytes = knownBytes.get(value)
      if (bytes === undefined) {
        bytes = encoder.encode(stringify(value))
        knownBytes.set(value, bytes)
      }
      return bytes
    },
    parseStored,
    parseStoredBytes: (bytes) => {
      const parsed = parseStored(decoder.decode(bytes))
      if (Either.isRight(parsed)) knownBytes.set(parsed.right, bytes)
      return parsed
    },
    withNumber: (value, field, n) => {
      const extended = { ...value, [field]: n }
      known.set(extended, withNumberField(stringify(value), field, n))
      return extended
    },
    decoded: (value) => {
      if (options.decodedAsIs === true) asIs.add(value)
      return value
    }
  }
}
