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
      for (i = start; i < text.length; i++) {
        const d = text.charCodeAt(i)
        if (d === BACKSLASH) i++
        else if (d === QUOTE) break
      }
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
