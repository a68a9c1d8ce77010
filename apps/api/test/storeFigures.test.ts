import { Metrics } from "@memory-turso/model"
import type * as AST from "effect/SchemaAST"
import { describe, expect, it } from "vitest"
import { FIGURES, infoLabels, UNPUBLISHED } from "../src/telemetry/StoreFigures.js"

type Json = null | boolean | number | string | Array<Json> | { [key: string]: Json }

/** A document of the schema with every section on, every number 0; the paths of its numbers. */
const sample = (ast: AST.AST, path: string, numbers: Array<string>): Json => {
  switch (ast._tag) {
    case "Refinement":
      return sample(ast.from, path, numbers)
    case "Transformation":
      return sample(ast.to, path, numbers)
    case "NumberKeyword":
      numbers.push(path)
      return 0
    case "BooleanKeyword":
      return false
    case "StringKeyword":
      return "x"
    case "Literal":
      return ast.literal as Json
    case "Union": {
      // A section: its `enabled: true` member; a nullable: its value.
      const on = ast.types.find(
        (t) =>
          t._tag === "TypeLiteral" &&
          t.propertySignatures.some((p) => p.name === "enabled" && p.type._tag === "Literal" && p.type.literal === true)
      )
      const member = on ?? ast.types.find((t) => !(t._tag === "Literal" && t.literal === null)) ?? ast.types[0]!
      return sample(member, path, numbers)
    }
    case "TypeLiteral": {
      const out: Record<string, Json> = {}
      for (const p of ast.propertySignatures) {
        out[String(p.name)] = sample(p.type, path === "" ? String(p.name) : `${path}.${String(p.name)}`, numbers)
      }
      for (const index of ast.indexSignatures) out["k"] = sample(index.type, `${path}.k`, numbers)
      return out
    }
    default:
      throw new Error(`${path}: no sample for ${ast._tag}`)
  }
}

const setAt = (doc: Json, path: string, value: number): Json => {
  const copy = structuredClone(doc) as Record<string, any>
  const keys = path.split(".")
  let at = copy
  for (const key of keys.slice(0, -1)) at = at[key]
  at[keys.at(-1)!] = value
  return copy
}

const published = (doc: Json) =>
  JSON.stringify([FIGURES.map((f) => f.read(doc as unknown as Metrics)), infoLabels(doc as unknown as Metrics)])

const listed = (path: string) =>
  path in UNPUBLISHED || Object.keys(UNPUBLISHED).some((key) => key.endsWith(".*") && path.startsWith(key.slice(0, -1)))

describe("store figures (telemetry/StoreFigures.ts)", () => {
  it("every number of the /metrics JSON is published as a metric, or listed as not published with a reason", () => {
    const numbers: Array<string> = []
    const doc = sample(Metrics.ast, "", numbers)
    expect(numbers.length).toBeGreaterThan(100)
    const base = published(doc)
    const problems: Array<string> = []
    for (const path of numbers) {
      const moves = published(setAt(doc, path, 7)) !== base
      if (!moves && !listed(path)) problems.push(`${path}: not published; add it to FIGURES (or to UNPUBLISHED)`)
      if (moves && path in UNPUBLISHED) problems.push(`${path}: published, yet listed in UNPUBLISHED`)
    }
    expect(problems).toEqual([])
  })

  it("names follow Prometheus conventions: counters end in _total, nothing else does; one declaration per name", () => {
    const names = FIGURES.map((f) => f.name)
    expect(new Set(names).size).toBe(names.length)
    for (const figure of FIGURES) {
      expect(figure.name.endsWith("_total"), figure.name).toBe(figure.kind === "counter")
      expect(figure.name).toMatch(/^memory_turso_[a-z0-9_]+$/)
      expect(figure.name).not.toMatch(/_(ms|us|avg|rate)(_|$)/)
    }
  })
})
