/**
 * A small SQLite tokenizer: enough to find statement boundaries (including trigger bodies) and parameters with
 * the numbering SQLite gives them. The `libsql` package exposes neither parameter names nor multi-statement
 * splitting, and binds named arguments in a way that aborts the process for `?` parameters, so the server binds
 * every statement positionally from this scan.
 */

/** Parameters of one statement: how many slots SQLite allocates, and the index (1-based) of each name. */
export interface ParamInfo {
  readonly count: number
  readonly names: ReadonlyMap<string, number>
}

type Token =
  | { readonly kind: "word"; readonly text: string }
  | { readonly kind: "semi"; readonly end: number }
  | { readonly kind: "param"; readonly text: string }
  | { readonly kind: "other" }

const isIdStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 0x80
const isIdChar = (c: number): boolean => isIdStart(c) || (c >= 48 && c <= 57) || c === 36
const isDigit = (c: number): boolean => c >= 48 && c <= 57
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13 || c === 12

/** Index just past a quoted run starting at `i` (the quote is doubled to escape it). */
const skipQuoted = (sql: string, i: number, close: string): number => {
  let j = i + 1
  for (;;) {
    const k = sql.indexOf(close, j)
    if (k < 0) return sql.length
    if (close !== "]" && sql[k + 1] === close) {
      j = k + 2
      continue
    }
    return k + 1
  }
}

function* tokens(sql: string): Generator<Token> {
  const n = sql.length
  let i = 0
  while (i < n) {
    const c = sql.charCodeAt(i)
    const ch = sql[i]!
    if (isSpace(c)) {
      i++
    } else if (ch === "-" && sql[i + 1] === "-") {
      const k = sql.indexOf("\n", i)
      i = k < 0 ? n : k + 1
    } else if (ch === "/" && sql[i + 1] === "*") {
      const k = sql.indexOf("*/", i + 2)
      i = k < 0 ? n : k + 2
    } else if (ch === "'" || ch === '"' || ch === "`") {
      i = skipQuoted(sql, i, ch)
      yield { kind: "other" }
    } else if (ch === "[") {
      i = skipQuoted(sql, i, "]")
      yield { kind: "other" }
    } else if (ch === ";") {
      i++
      yield { kind: "semi", end: i }
    } else if (ch === "?") {
      let j = i + 1
      while (j < n && isDigit(sql.charCodeAt(j))) j++
      yield { kind: "param", text: sql.slice(i, j) }
      i = j
    } else if ((ch === ":" || ch === "@" || ch === "$") && i + 1 < n && isIdChar(sql.charCodeAt(i + 1))) {
      let j = i + 1
      while (j < n && isIdChar(sql.charCodeAt(j))) j++
      yield { kind: "param", text: sql.slice(i, j) }
      i = j
    } else if (isIdStart(c)) {
      let j = i + 1
      while (j < n && isIdChar(sql.charCodeAt(j))) j++
      if ((ch === "x" || ch === "X") && j === i + 1 && sql[j] === "'") {
        i = skipQuoted(sql, j, "'")
        yield { kind: "other" }
      } else {
        yield { kind: "word", text: sql.slice(i, j).toUpperCase() }
        i = j
      }
    } else if (isDigit(c) || (ch === "." && isDigit(sql.charCodeAt(i + 1)))) {
      let j = i + 1
      while (j < n && (isIdChar(sql.charCodeAt(j)) || sql[j] === ".")) j++
      yield { kind: "other" }
      i = j
    } else {
      i++
      yield { kind: "other" }
    }
  }
}

/** Splits SQL text into its non-empty statements; semicolons inside a CREATE TRIGGER body do not split. */
export const splitStatements = (sql: string): Array<string> => {
  const out: Array<string> = []
  let start = 0
  let count = 0
  let head: Array<string> = []
  let lastWord: string | undefined
  const flush = (end: number) => {
    if (count > 0) out.push(sql.slice(start, end))
    start = end
    count = 0
    head = []
    lastWord = undefined
  }
  for (const token of tokens(sql)) {
    if (token.kind === "semi") {
      const inTrigger = head[0] === "CREATE" && (head[1] === "TRIGGER" || head[2] === "TRIGGER")
      if (inTrigger && lastWord !== "END") {
        lastWord = undefined
        continue
      }
      flush(token.end)
      continue
    }
    count++
    if (token.kind === "word") {
      if (head.length < 3) head.push(token.text)
      lastWord = token.text
    } else {
      if (head.length < 3) head.push("")
      lastWord = undefined
    }
  }
  flush(sql.length)
  return out
}

/** The parameters of one statement, numbered as SQLite numbers them. */
export const scanParams = (sql: string): ParamInfo => {
  let count = 0
  const names = new Map<string, number>()
  for (const token of tokens(sql)) {
    if (token.kind !== "param") continue
    const existing = names.get(token.text)
    if (existing !== undefined) continue
    if (token.text === "?") {
      count++
    } else if (token.text.startsWith("?")) {
      const index = Number(token.text.slice(1))
      names.set(token.text, index)
      count = Math.max(count, index)
    } else {
      count++
      names.set(token.text, count)
    }
  }
  return { count, names }
}

/** The first `n` keywords of a statement, upper-cased (fewer when it starts with something else). */
export const leadingWords = (sql: string, n: number): Array<string> => {
  const words: Array<string> = []
  for (const token of tokens(sql)) {
    if (token.kind !== "word" || words.length >= n) break
    words.push(token.text)
  }
  return words
}
