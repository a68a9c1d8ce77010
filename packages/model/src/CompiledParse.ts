/**
 * Compiled parsers: a schema's decode (or encode) turned once into plain closures that either return exactly what
 * Effect's own parser returns for the input (same values, same keys in the same order) or say `NOT_ACCEPTED`, in
 * which case the caller runs Effect's parser, which reports the issues. They skip what makes the interpreter slow on
 * valid input (an Either, a Pointer and a closure per value) and are several times faster on a 4 KB episode.
 *
 * Only the AST nodes the model uses are compiled, each as `effect/ParseResult` runs it (decoding with
 * `onExcessProperty: "error"`, encoding with the default options, like `Schema.encodeSync`): keywords, literals,
 * refinements (their filters), declarations (their own parse), arrays, structs and records, unions whose members
 * no input can satisfy two of (so the first member that accepts is the one Effect picks), and struct
 * transformations (`optionalWith` defaults and nullables). A schema with any other node has no compiled parser.
 * Being stricter than Effect is allowed (Effect decides); accepting what Effect rejects is not.
 */
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { disjoint, dropRightRefinement, keyedByLiteral, Unsupported, validatesOnly } from "./internal/astFacts.js"
import { excessCheck, generated, hasOwn, NO, type Parser } from "./internal/generatedCode.js"

/** What a compiled parser returns for an input it does not accept (Effect's parser then has the last word). */
export const NOT_ACCEPTED: typeof NO = NO

/** A compiled parser: Effect's result for the input, or `NOT_ACCEPTED`. */
export type CompiledParser<A> = (input: unknown) => A | typeof NOT_ACCEPTED

const DECODE_OPTIONS: AST.ParseOptions = { errors: "first", onExcessProperty: "error" }
const ENCODE_OPTIONS: AST.ParseOptions = {}

/**
 * How a parser runs: decoding refusing excess properties (`decode`), decoding ignoring them (`check`: what an
 * encode runs to check a refinement's value, with the encode's default options), or encoding.
 */
type Mode = "decode" | "check" | "encode"

const compilers: Record<Mode, WeakMap<AST.AST, Parser>> = {
  decode: new WeakMap(),
  check: new WeakMap(),
  encode: new WeakMap()
}

const compile = (ast: AST.AST, mode: Mode): Parser => {
  const memo = compilers[mode]
  const found = memo.get(ast)
  if (found !== undefined) return found
  const compiled = build(ast, mode)
  memo.set(ast, compiled)
  return compiled
}

const build = (ast: AST.AST, mode: Mode): Parser => {
  const isDecoding = mode !== "encode"
  const options = mode === "decode" ? DECODE_OPTIONS : ENCODE_OPTIONS
  // what an encode checks runs with the encode's options: the same parsers, excess properties ignored
  const decoding: Mode = mode === "encode" ? "check" : mode
  switch (ast._tag) {
    case "StringKeyword":
      return (u) => (typeof u === "string" ? u : NO)
    case "NumberKeyword":
      return (u) => (typeof u === "number" ? u : NO)
    case "BooleanKeyword":
      return (u) => (typeof u === "boolean" ? u : NO)
    case "UndefinedKeyword":
      return (u) => (u === undefined ? u : NO)
    case "Literal": {
      const literal = ast.literal
      return (u) => (u === literal ? u : NO)
    }
    case "Refinement": {
      if (isDecoding) {
        const from = compile(ast.from, mode)
        return (u) => {
          const a = from(u)
          return a === NO || Option.isSome(ast.filter(a, options, ast)) ? NO : a
        }
      }
      const from = compile(AST.typeAST(ast), decoding)
      const to = compile(dropRightRefinement(ast.from), "encode")
      return (u) => {
        const a = from(u)
        return a === NO ? NO : to(a)
      }
    }
    case "Declaration": {
      const parse = isDecoding ? ast.decodeUnknown(...ast.typeParameters) : ast.encodeUnknown(...ast.typeParameters)
      return (u) => {
        const result = parse(u, options, ast)
        return Either.isEither(result) && Either.isRight(result) ? result.right : NO
      }
    }
    case "TupleType": {
      if (ast.elements.length > 0 || ast.rest.length !== 1) throw new Unsupported()
      const item = compile(ast.rest[0]!.type, mode)
      return (u) => {
        if (!Array.isArray(u)) return NO
        const out = new Array(u.length)
        for (let i = 0; i < u.length; i++) {
          const v = item(u[i])
          if (v === NO) return NO
          out[i] = v
        }
        return out
      }
    }
    case "TypeLiteral":
      return typeLiteral(ast, mode)
    case "Union": {
      // Effect tries members filed under a literal property first, then the others in order: the same as trying
      // all in order when no member is filed so, or when no input satisfies two members.
      if (ast.types.some((t) => keyedByLiteral(t, isDecoding)) && !disjoint(ast.types, isDecoding)) {
        throw new Unsupported()
      }
      const members = ast.types.map((t) => compile(t, mode))
      return (u) => {
        for (const member of members) {
          const v = member(u)
          if (v !== NO) return v
        }
        return NO
      }
    }
    case "Transformation": {
      const transformation = ast.transformation
      if (transformation._tag !== "TypeLiteralTransformation") throw new Unsupported()
      const fused = fusedTransformation(ast, transformation, mode)
      if (fused !== undefined) return fused
      const from = isDecoding ? compile(ast.from, mode) : compile(ast.to, mode)
      const to = isDecoding ? compile(ast.to, mode) : compile(ast.from, mode)
      const steps = transformation.propertySignatureTransformations.map((pst) =>
        isDecoding ? ([pst.from, pst.to, pst.decode] as const) : ([pst.to, pst.from, pst.encode] as const)
      )
      return (u) => {
        const a = from(u)
        if (a === NO) return NO
        const o = a as Record<PropertyKey, unknown>
        for (const [key, target, f] of steps) {
          const value = f(hasOwn(o, key) ? Option.some(o[key]) : Option.none())
          delete o[key]
          if (Option.isSome(value)) o[target] = value.value
        }
        return to(o)
      }
    }
    default:
      throw new Unsupported()
  }
}

/**
 * A struct transformation between two structs with the same property names in the same order, no index signature,
 * each property transformed in place (`optionalWith`): the property is parsed on one side, transformed and parsed
 * on the other in one pass, with the result built in the target's order, as Effect's three steps (parse the source
 * struct, transform its properties, parse the target struct) give it. Undefined when the shapes differ.
 */
const fusedTransformation = (
  ast: AST.Transformation,
  transformation: AST.TypeLiteralTransformation,
  mode: Mode
): Parser | undefined => {
  const isDecoding = mode !== "encode"
  const source = isDecoding ? ast.from : ast.to
  const target = isDecoding ? ast.to : ast.from
  if (!AST.isTypeLiteral(source) || !AST.isTypeLiteral(target)) return undefined
  if (source.indexSignatures.length > 0 || target.indexSignatures.length > 0) return undefined
  const names = source.propertySignatures.map((ps) => ps.name)
  if (
    names.length !== target.propertySignatures.length ||
    target.propertySignatures.some((ps, i) => ps.name !== names[i])
  ) {
    return undefined
  }
  const step = new Map<PropertyKey, (o: Option.Option<unknown>) => Option.Option<unknown>>()
  for (const pst of transformation.propertySignatureTransformations) {
    if (pst.from !== pst.to || step.has(pst.from)) return undefined
    step.set(pst.from, isDecoding ? pst.decode : pst.encode)
  }
  const properties = source.propertySignatures.map((ps, i) => {
    const to = target.propertySignatures[i]!
    return {
      name: ps.name,
      sourceOptional: ps.isOptional,
      targetOptional: to.isOptional,
      parseSource: compile(ps.type, mode),
      transform: step.get(ps.name),
      parseTarget: compile(to.type, mode),
      // The same check on both sides: what passed it once passes it again, unchanged.
      once: step.get(ps.name) === undefined && to.type === ps.type && validatesOnly(ps.type)
    }
  })
  if (names.some((name) => typeof name !== "string")) return undefined
  // Generated code: one constant property name per access keeps V8's property access monomorphic.
  const lines: Array<string> = [
    "if (typeof u !== 'object' || u === null || Array.isArray(u)) return NO",
    ...(mode === "decode" ? excessCheck(names as ReadonlyArray<string>) : []),
    "const out = {}",
    "let has, value, parsed, o"
  ]
  properties.forEach((p, i) => {
    const key = JSON.stringify(p.name)
    lines.push(
      "has = true",
      p.sourceOptional
        ? `if (hasOwn(u, ${key})) value = source[${i}](u[${key}]); else { has = false; value = undefined }`
        : `value = source[${i}](hasOwn(u, ${key}) ? u[${key}] : undefined)`,
      "if (value === NO) return NO"
    )
    if (p.transform !== undefined) {
      lines.push(
        `o = transform[${i}](has ? some(value) : none())`,
        "has = isSome(o)",
        "value = has ? o.value : undefined"
      )
    }
    const store = p.once
      ? `out[${key}] = value`
      : `parsed = target[${i}](value); if (parsed === NO) return NO; out[${key}] = parsed`
    lines.push(p.targetOptional ? `if (has) { ${store} }` : store)
  })
  lines.push("return out")
  return generated(lines, {
    source: properties.map((p) => p.parseSource),
    transform: properties.map((p) => p.transform),
    target: properties.map((p) => p.parseTarget)
  })
}

/** A struct (`TypeLiteral`) as `ParseResult` runs it: excess keys, property signatures, then index signatures. */
const typeLiteral = (ast: AST.TypeLiteral, mode: Mode): Parser => {
  if (ast.indexSignatures.length > 1) throw new Unsupported()
  const index = ast.indexSignatures[0]
  if (index !== undefined && dropRightRefinement(index.parameter)._tag !== "StringKeyword") throw new Unsupported()
  const names = ast.propertySignatures.map((ps) => ps.name)
  if (names.some((name) => typeof name !== "string")) throw new Unsupported()
  const lines: Array<string> = [
    "if (typeof u !== 'object' || u === null || Array.isArray(u)) return NO",
    ...(mode === "decode" ? excessCheck(names as ReadonlyArray<string>, index === undefined ? undefined : "key") : []),
    "const out = {}",
    "let v"
  ]
  ast.propertySignatures.forEach((ps, i) => {
    const key = JSON.stringify(ps.name)
    const store = `v = parse[${i}](u[${key}]); if (v === NO) return NO; out[${key}] = v`
    lines.push(ps.isOptional ? `if (hasOwn(u, ${key})) { ${store} }` : store)
  })
  if (index !== undefined) {
    // a key the parameter refuses is skipped, as Effect does (with excess keys refused it never gets here)
    lines.push(
      "for (const k of Object.keys(u)) {",
      "  if (key(k) === NO) continue",
      "  v = value(u[k]); if (v === NO) return NO",
      "  if (!expected.has(k)) out[k] = v",
      "}"
    )
  }
  lines.push("return out")
  return generated(lines, {
    parse: ast.propertySignatures.map((ps) => compile(ps.type, mode)),
    key: index === undefined ? undefined : compile(index.parameter, mode),
    value: index === undefined ? undefined : compile(index.type, mode),
    expected: new Set<PropertyKey>(names)
  })
}

const tryCompile = <A>(ast: AST.AST, mode: Mode): CompiledParser<A> | undefined => {
  try {
    return compile(ast, mode) as CompiledParser<A>
  } catch (error) {
    if (error instanceof Unsupported) return undefined
    throw error
  }
}

/**
 * The schema's decode (`onExcessProperty: "error"`) compiled: for an input it returns exactly what
 * `Schema.decodeUnknown(schema)` succeeds with, or `NOT_ACCEPTED` (run Effect's decode for the issues). Undefined
 * when the schema uses a node this module does not compile.
 */
export const compileDecode = <A, I, R>(schema: Schema.Schema<A, I, R>): CompiledParser<A> | undefined =>
  tryCompile<A>(schema.ast, "decode")

/**
 * The schema's encode compiled: for a value it returns exactly what `Schema.encodeSync(schema)` returns, or
 * `NOT_ACCEPTED` (run Effect's encode, which throws its error). Undefined when the schema uses a node this module
 * does not compile.
 */
export const compileEncode = <A, I, R>(schema: Schema.Schema<A, I, R>): CompiledParser<I> | undefined =>
  tryCompile<I>(schema.ast, "encode")
