/** Generated parser code: constant property names keep V8's property accesses monomorphic. */
import * as Option from "effect/Option"

/** A compiled parser's result for an input it does not accept. */
export const NO: unique symbol = Symbol.for("@memory-turso/model/CompiledParse/NOT_ACCEPTED")

/** A parser: its result, or `NO`. */
export type Parser = (input: unknown) => unknown

/** `Object.hasOwn`. */
export const hasOwn = (o: object, key: PropertyKey) => Object.hasOwn(o, key)

/** Code refusing any own key (symbols and non-enumerable ones too) that is not one of `names`. */
export const excessCheck = (names: ReadonlyArray<string>, allowString?: string): ReadonlyArray<string> => [
  "const keys = Reflect.ownKeys(u)",
  "for (let i = 0; i < keys.length; i++) {",
  "  const k = keys[i]",
  ...(names.length === 0
    ? []
    : [`  if (${names.map((name) => `k === ${JSON.stringify(name)}`).join(" || ")}) continue`]),
  allowString === undefined ? "  return NO" : `  if (typeof k !== 'string' || ${allowString}(k) === NO) return NO`,
  "}"
]

/** A parser from generated lines, given the values they name. */
export const generated = (lines: ReadonlyArray<string>, values: Record<string, unknown>): Parser => {
  const scope = { NO, hasOwn, some: Option.some, none: Option.none, isSome: Option.isSome, ...values }
  const names = Object.keys(scope)
  // The code is built from schema property names only, each JSON-quoted.
  const make = new Function(...names, `return function compiledParser(u) {\n${lines.join("\n")}\n}`)
  return make(...names.map((n) => scope[n as keyof typeof scope])) as Parser
}
