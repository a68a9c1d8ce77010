import { Timestamp } from "@memory-turso/model"
import type * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"

/**
 * What the input limits need to know of a body's Schema, on its wire (encoded) side: the fields it declares (so
 * that `tags` means the record's tags, not a key of free-form metadata), what its lists hold, and where timestamps
 * are. Free-form JSON (maps, `JsonValue`) has no shape: only the generic limits apply there.
 */
export interface Shape {
  readonly timestamp: boolean
  readonly fields: ReadonlyMap<string, Shape>
  readonly items: Shape | undefined
}

const EMPTY: Shape = { timestamp: false, fields: new Map(), items: undefined }
const TIMESTAMP: Shape = { ...EMPTY, timestamp: true }

const merge = (a: Shape, b: Shape): Shape => {
  if (a === EMPTY) return b
  if (b === EMPTY) return a
  const fields = new Map(a.fields)
  for (const [name, shape] of b.fields) fields.set(name, merge(fields.get(name) ?? EMPTY, shape))
  const items = a.items === undefined ? b.items : b.items === undefined ? a.items : merge(a.items, b.items)
  return { timestamp: a.timestamp || b.timestamp, fields, items }
}

const build = (ast: SchemaAST.AST, visiting: Set<SchemaAST.AST>): Shape => {
  if (ast === Timestamp.ast) return TIMESTAMP
  switch (ast._tag) {
    case "Refinement":
      return build(ast.from, visiting)
    case "Transformation":
      return build(ast.from, visiting)
    case "TypeLiteral": {
      const fields = new Map<string, Shape>()
      for (const property of ast.propertySignatures) fields.set(String(property.name), build(property.type, visiting))
      return { ...EMPTY, fields }
    }
    case "Union":
      return ast.types.reduce((shape: Shape, member) => merge(shape, build(member, visiting)), EMPTY)
    case "TupleType": {
      const members = [...ast.elements.map((e) => e.type), ...ast.rest.map((r) => r.type)]
      return { ...EMPTY, items: members.reduce((shape: Shape, m) => merge(shape, build(m, visiting)), EMPTY) }
    }
    case "Suspend": {
      if (visiting.has(ast)) return EMPTY
      visiting.add(ast)
      const shape = build(ast.f(), visiting)
      visiting.delete(ast)
      return shape
    }
    default:
      return EMPTY
  }
}

const shapes = new WeakMap<SchemaAST.AST, Shape>()

/** The shape of a Schema's wire side (computed once per Schema). */
export const shapeOf = (schema: Schema.Schema.Any): Shape => {
  let shape = shapes.get(schema.ast)
  if (shape === undefined) {
    shape = build(schema.ast, new Set())
    shapes.set(schema.ast, shape)
  }
  return shape
}
