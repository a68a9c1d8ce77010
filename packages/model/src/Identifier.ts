import * as Schema from "effect/Schema"
import { uuidv7 } from "./internal/uuidv7.js"

const IDENTIFIER = /^[A-Za-z0-9._:-]{1,128}$/
/** "." and ".." are dot segments: no URL can address them, so they cannot be ids. */
const DOT_SEGMENT = /^\.{1,2}$/

/** What a valid id is, for error messages. */
export const IDENTIFIER_EXPECTED = "expected 1-128 characters from [A-Za-z0-9._:-] (not . or ..)"

/** True when `s` is a valid id. */
export const isIdentifier = (s: string): boolean => IDENTIFIER.test(s) && !DOT_SEGMENT.test(s)

/** An id: 1-128 characters from `[A-Za-z0-9._:-]`, except "." and "..". */
export const Identifier = Schema.String.pipe(
  Schema.filter((s) => isIdentifier(s) || IDENTIFIER_EXPECTED),
  Schema.annotations({
    identifier: "Identifier",
    arbitrary: () => (fc) => fc.stringMatching(IDENTIFIER).filter(isIdentifier)
  })
)

/** An id property that is generated (UUIDv7) when absent. */
export const generatedIdentifier = Schema.optionalWith(Identifier, { default: () => uuidv7() })
