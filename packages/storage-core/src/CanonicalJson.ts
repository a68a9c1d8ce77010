import * as Either from "effect/Either"
import type { ParseError } from "effect/ParseResult"
import * as Schema from "effect/Schema"

/** JSON text already produced for a value, by identity. Values from the store are immutable. */
const known = new WeakMap<object, string>()

/** Canonical JSON for one schema: the wire form clients see and the store keeps. */
export interface CanonicalJson<A> {
  /** The JSON of a value, serialised at most once per value object. */
  readonly stringify: (value: A) => string
  /** Decodes stored JSON; the text is remembered as the value's JSON (stored payloads are canonical). */
  readonly parse: (json: string) => Either.Either<A, ParseError | SyntaxError>
}

/** Canonical JSON for `schema`. */
export const make = <A extends object, I>(schema: Schema.Schema<A, I>): CanonicalJson<A> => {
  const encode = Schema.encodeSync(schema)
  const decode = Schema.decodeUnknownEither(schema)
  return {
    stringify: (value) => {
      let json = known.get(value)
      if (json === undefined) {
        json = JSON.stringify(encode(value))
        known.set(value, json)
      }
      return json
    },
    parse: (json) => {
      let input: unknown
      try {
        input = JSON.parse(json)
      } catch (error) {
        return Either.left(error as SyntaxError)
      }
      const decoded = decode(input)
      if (decoded._tag === "Right") known.set(decoded.right, json)
      return decoded
    }
  }
}
