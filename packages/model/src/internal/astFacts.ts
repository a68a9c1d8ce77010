/** What the compiler needs to know about a schema's AST nodes (see `../CompiledParse.ts`). */
import * as Option from "effect/Option"
import * as AST from "effect/SchemaAST"

/** The AST is not one this module compiles. */
export class Unsupported extends Error {}

/** The AST under its outermost refinements. */
export const dropRightRefinement = (ast: AST.AST): AST.AST =>
  AST.isRefinement(ast) ? dropRightRefinement(ast.from) : ast

/**
 * What inputs of one side of an AST look like, coarsely, to prove a union's members disjoint: "any", a primitive
 * type, a literal, an array, an object, or an object with a required literal property (`key=value`).
 */
const kindsOf = (ast: AST.AST, isDecoding: boolean): ReadonlyArray<string> => {
  switch (ast._tag) {
    case "StringKeyword":
      return ["string"]
    case "NumberKeyword":
      return ["number"]
    case "BooleanKeyword":
      return ["boolean"]
    case "UndefinedKeyword":
      return ["undefined"]
    case "Literal":
      return ast.literal === null ? ["null"] : [`literal:${typeof ast.literal}:${String(ast.literal)}`]
    case "Refinement":
      return kindsOf(ast.from, isDecoding)
    case "Transformation":
      return kindsOf(isDecoding ? ast.from : ast.to, isDecoding)
    case "TupleType":
      return ["array"]
    case "TypeLiteral": {
      for (const ps of ast.propertySignatures) {
        if (!ps.isOptional && AST.isLiteral(ps.type) && typeof ps.name === "string") {
          return [`object:${ps.name}=${String(ps.type.literal)}`]
        }
      }
      return ["object"]
    }
    case "Union":
      return ast.types.flatMap((t) => kindsOf(t, isDecoding))
    default:
      return ["any"]
  }
}

const overlap = (a: string, b: string): boolean => {
  if (a === "any" || b === "any" || a === b) return true
  const literalOf = (k: string) => (k.startsWith("literal:") ? k.split(":")[1] : undefined)
  if (literalOf(a) === b || literalOf(b) === a) return true
  const objectKey = (k: string) => (k.startsWith("object:") ? k.slice(7).split("=")[0] : undefined)
  if (a === "object" && b.startsWith("object:")) return true
  if (b === "object" && a.startsWith("object:")) return true
  const ka = objectKey(a)
  const kb = objectKey(b)
  return ka !== undefined && kb !== undefined && ka !== kb
}

export const disjoint = (members: ReadonlyArray<AST.AST>, isDecoding: boolean): boolean => {
  const kinds = members.map((m) => kindsOf(m, isDecoding))
  for (let i = 0; i < kinds.length; i++) {
    for (let j = i + 1; j < kinds.length; j++) {
      for (const a of kinds[i]!) for (const b of kinds[j]!) if (overlap(a, b)) return false
    }
  }
  return true
}

/**
 * True when parsing is checking only: no transformation anywhere inside, and filters and declarations that return
 * what they are given, so a value that passed once passes again and comes out equal.
 */
export const validatesOnly = (ast: AST.AST): boolean => {
  switch (ast._tag) {
    case "StringKeyword":
    case "NumberKeyword":
    case "BooleanKeyword":
    case "UndefinedKeyword":
    case "Literal":
      return true
    case "Refinement":
      return validatesOnly(ast.from)
    case "TupleType":
      return ast.elements.every((e) => validatesOnly(e.type)) && ast.rest.every((r) => validatesOnly(r.type))
    case "TypeLiteral":
      return (
        ast.propertySignatures.every((ps) => validatesOnly(ps.type)) &&
        ast.indexSignatures.every((is) => validatesOnly(is.parameter) && validatesOnly(is.type))
      )
    case "Union":
      return ast.types.every(validatesOnly)
    default:
      // declarations may transform (JsonValue does not, but a declaration cannot say so)
      return false
  }
}

/** True when Effect's union parser files the member under a literal property (see `getSearchTree`). */
export const keyedByLiteral = (ast: AST.AST, isDecoding: boolean): boolean => {
  switch (ast._tag) {
    case "TypeLiteral":
      return ast.propertySignatures.some((ps) => {
        const type = isDecoding ? AST.encodedAST(ps.type) : AST.typeAST(ps.type)
        return AST.isLiteral(type) && !ps.isOptional
      })
    case "TupleType":
      return ast.elements.some((e) => {
        const type = isDecoding ? AST.encodedAST(e.type) : AST.typeAST(e.type)
        return AST.isLiteral(type) && !e.isOptional
      })
    case "Refinement":
      return keyedByLiteral(ast.from, isDecoding)
    case "Transformation":
      return keyedByLiteral(isDecoding ? ast.from : ast.to, isDecoding)
    case "Declaration":
      // a surrogate annotation may give it literals: not compiled
      if (Option.isSome(AST.getSurrogateAnnotation(ast))) throw new Unsupported()
      return false
    default:
      return false
  }
}
