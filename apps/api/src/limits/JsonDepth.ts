const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const COMMA = 0x2c
const COLON = 0x3a

/** The longest key shown in a path. */
const MAX_KEY = 64

/** Where JSON text nests deeper than allowed: the path of the first container past the limit. */
export interface TooDeep {
  readonly path: string
}

/** A key's text as written between its quotes, unescaped when possible, cut short. */
const keyText = (text: string, start: number, end: number): string => {
  const raw = text.slice(start, Math.min(end, start + MAX_KEY * 6))
  let key: string
  try {
    key = JSON.parse(`"${raw}"`) as string
  } catch {
    key = raw
  }
  return key.length > MAX_KEY ? `${key.slice(0, MAX_KEY)}...` : key
}

/**
 * Where the string opened before `start` closes (`text.length` if it never does): the next quote not escaped, found
 * with `indexOf` (native, fast over long text) rather than character by character.
 */
const closingQuote = (text: string, start: number): number => {
  for (let from = start; ; ) {
    const quote = text.indexOf('"', from)
    if (quote < 0) return text.length
    let backslashes = 0
    while (quote - backslashes - 1 >= start && text.charCodeAt(quote - backslashes - 1) === BACKSLASH) backslashes++
    if (backslashes % 2 === 0) return quote
    from = quote + 1
  }
}

/**
 * Scans JSON text once, without parsing it and without recursion, for containers (`{` or `[`) nested deeper than
 * `max` (`{}` is depth 1, `{"a":[]}` depth 2). Returns the path of the first one past the limit (`steps.0.parameters`),
 * or undefined. Malformed text is not judged here: `JSON.parse` does that afterwards, on text known to be shallow.
 */
export const findTooDeep = (text: string, max: number): TooDeep | undefined => {
  // One frame per open container, up to max: is it an array, its current index, where its current key is.
  const isArray: Array<boolean> = []
  const index: Array<number> = []
  const keyStart: Array<number> = []
  const keyEnd: Array<number> = []
  let depth = 0
  let expectingKey = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      const start = i + 1
      i = closingQuote(text, start)
      if (expectingKey && depth > 0) {
        keyStart[depth - 1] = start
        keyEnd[depth - 1] = i
        expectingKey = false
      }
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (depth === max) return { path: pathOf(text, depth, isArray, index, keyStart, keyEnd) }
      isArray[depth] = c === OPEN_ARRAY
      index[depth] = 0
      keyStart[depth] = -1
      depth++
      expectingKey = c === OPEN_OBJECT
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (depth > 0) depth--
      expectingKey = false
    } else if (c === COMMA && depth > 0) {
      if (isArray[depth - 1]) index[depth - 1]!++
      else expectingKey = true
    } else if (c === COLON) {
      expectingKey = false
    }
  }
  return undefined
}

/** The path of the container about to open inside the `depth` open ones. */
const pathOf = (
  text: string,
  depth: number,
  isArray: ReadonlyArray<boolean>,
  index: ReadonlyArray<number>,
  keyStart: ReadonlyArray<number>,
  keyEnd: ReadonlyArray<number>
): string => {
  const parts: Array<string> = []
  for (let level = 0; level < depth; level++) {
    if (isArray[level]) parts.push(String(index[level]))
    else if (keyStart[level]! >= 0) parts.push(keyText(text, keyStart[level]!, keyEnd[level]!))
  }
  return parts.join(".") || "(body)"
}
