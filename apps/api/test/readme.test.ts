import { readFileSync } from "node:fs"
import { join } from "node:path"
import { ERROR_CODES, type ErrorCode, errorCodes } from "@memory-turso/model"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import { describe, expect, it } from "vitest"
import { DEFAULT_LIMITS, LimitsSection } from "../src/config/LimitsSection.js"

// The root README's limits table and error-code table say what the code does: this test reads them.

const README = readFileSync(join(import.meta.dirname, "..", "..", "..", "README.md"), "utf8")

/** The rows of the Markdown table whose header row is exactly `header`, as trimmed cells (escaped pipes kept). */
const tableAfter = (header: string): ReadonlyArray<ReadonlyArray<string>> => {
  const lines = README.split("\n")
  const start = lines.indexOf(header)
  expect(start, `a table headed ${header}`).toBeGreaterThanOrEqual(0)
  expect(lines.indexOf(header, start + 1), `only one table headed ${header}`).toBe(-1)
  const rows: Array<ReadonlyArray<string>> = []
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break
    rows.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim().replaceAll("\\|", "|"))
    )
  }
  return rows
}

/** `a` in backticks -> a. */
const unquote = (cell: string) => cell.replace(/^`(.*)`$/, "$1")

describe("the README", () => {
  it("lists every error code of ERROR_CODES once, in order, with its status and meaning, and no other", () => {
    const rows = tableAfter("| Code | Status | Meaning |")
    expect(rows.map(([code]) => unquote(code!))).toEqual(errorCodes)
    for (const [code, status, meaning] of rows) {
      const entry = ERROR_CODES[unquote(code!) as ErrorCode]
      expect([code, Number(status), meaning]).toEqual([code, entry.status, entry.meaning])
    }
  })

  it("has one limits table: every [limits] key once, with its default and an error whose status is its code's", () => {
    const rows = tableAfter("| Limit | Config key | Default | Error |")
    const keys = SchemaAST.getPropertySignatures(Schema.encodedSchema(LimitsSection).ast).map((p) => String(p.name))
    const documented = rows.map(([, key]) => key!).filter((key) => key !== "none")
    expect(documented.map((key) => unquote(key).replace(/^limits\./, "")).sort()).toEqual([...keys].sort())
    for (const [limit, key, defaultValue, error] of rows) {
      const name = unquote(key!).replace(/^limits\./, "") as keyof typeof DEFAULT_LIMITS
      if (name === "max_response_bytes") {
        // not a refusal: a page stops early with its next_cursor
        expect(error, limit).toMatch(/^none/)
        expect(Number(/^\d+/.exec(defaultValue!)?.[0]), `${key} default`).toBe(DEFAULT_LIMITS[name])
        continue
      }
      const [, status, code] = /^(\d{3}) `(\w+)`$/.exec(error!) ?? []
      expect(ERROR_CODES[code as ErrorCode]?.status, `${limit}: ${error}`).toBe(Number(status))
      if (key === "none") {
        expect(defaultValue, limit).toBe("always")
        continue
      }
      expect(Number(/^\d+/.exec(defaultValue!)?.[0]), `${key} default`).toBe(DEFAULT_LIMITS[name])
      expect(code, key).toBe(name === "max_body_bytes" ? "payload_too_large" : "limit_exceeded")
    }
  })
})
