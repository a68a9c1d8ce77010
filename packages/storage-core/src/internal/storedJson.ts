/**
 * A stored record's JSON served as bytes, without parsing it: its version spliced in, and its id read from its
 * first top-level members.
 */

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a
const COMMA = 0x2c
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b

const utf8 = new TextEncoder()

/**
 * The bytes of a JSON object with one more number field, last: `{"a":1}` with `n` 2 is `{"a":1,"n":2}` (the same
 * text as `withNumberField`). The object must not have the field already.
 */
export const withNumberFieldBytes = (json: Uint8Array, field: string, value: number): Uint8Array => {
  const tail = utf8.encode(`${json.length > 2 ? "," : ""}${JSON.stringify(field)}:${value}}`)
  const out = new Uint8Array(json.length - 1 + tail.length)
  out.set(json.subarray(0, json.length - 1))
  out.set(tail, json.length - 1)
  return out
}

/** The index just past the string starting at `start` (a quote), or -1 when it does not end. */
const endOfString = (bytes: Uint8Array, start: number): number => {
  for (let i = start + 1; i < bytes.length; i++) {
    const b = bytes[i]
    if (b === BACKSLASH) i++
    else if (b === QUOTE) return i + 1
  }
  return -1
}

/** True when `bytes[from, to)` are the bytes of `expected`. */
const sameBytes = (bytes: Uint8Array, from: number, to: number, expected: Uint8Array): boolean => {
  if (to - from !== expected.length) return false
  for (let i = 0; i < expected.length; i++) if (bytes[from + i] !== expected[i]) return false
  return true
}

/** How many leading members are looked at before giving up (the id is among the first two of every kind). */
const MEMBERS = 4

/**
 * True when the bytes, starting with `{` and ending with `}`, hold `key` with the string `value` (as
 * `JSON.stringify` writes both) among their first top-level members, scanned up to the first nested object or
 * array. False when that cannot be confirmed: another value, the key not found early, anything unexpected.
 */
export const hasTopLevelString = (bytes: Uint8Array, key: string, value: string): boolean => {
  if (bytes.length < 2 || bytes[0] !== OPEN_BRACE || bytes[bytes.length - 1] !== CLOSE_BRACE) return false
  const wantedKey = utf8.encode(JSON.stringify(key))
  const wantedValue = utf8.encode(JSON.stringify(value))
  let at = 1
  for (let member = 0; member < MEMBERS; member++) {
    if (bytes[at] !== QUOTE) return false
    const keyEnd = endOfString(bytes, at)
    if (keyEnd < 0 || bytes[keyEnd] !== COLON) return false
    const isKey = sameBytes(bytes, at, keyEnd, wantedKey)
    const valueStart = keyEnd + 1
    const first = bytes[valueStart]
    if (first === OPEN_BRACE || first === OPEN_BRACKET) return false
    let valueEnd: number
    if (first === QUOTE) {
      valueEnd = endOfString(bytes, valueStart)
      if (valueEnd < 0) return false
    } else {
      valueEnd = valueStart
      while (valueEnd < bytes.length && bytes[valueEnd] !== COMMA && bytes[valueEnd] !== CLOSE_BRACE) valueEnd++
    }
    if (isKey) return sameBytes(bytes, valueStart, valueEnd, wantedValue)
    if (bytes[valueEnd] !== COMMA) return false
    at = valueEnd + 1
  }
  return false
}
