import * as Schema from "effect/Schema"

/** Hostile text that must survive storage untouched. */
const awkwardText = [
  "'; DROP TABLE episodes; --",
  '" OR 1=1 --',
  "a\u0000b",
  "\u0000",
  "🧠🔥 emoji 👩‍💻",
  "Ω≈ç√∫ 中文 العربية",
  "\\ backslash \\n",
  "%00%25",
  "\ud800 lone surrogate"
]

/** Free text: any string. Its generator mixes unicode, emoji, NUL and SQL fragments. */
export const Text = Schema.String.annotations({
  arbitrary: () => (fc) =>
    fc.oneof(
      fc.string({ unit: "grapheme" }),
      fc.string({ unit: "binary" }),
      fc.constantFrom(...awkwardText),
      fc.tuple(fc.constantFrom(...awkwardText), fc.string()).map(([a, b]) => a + b)
    )
})

/** Free text with at least one character. */
export const NonEmptyText = Text.pipe(
  Schema.minLength(1),
  Schema.annotations({
    arbitrary: () => (fc) => fc.oneof(fc.constantFrom(...awkwardText), fc.string({ unit: "grapheme", minLength: 1 }))
  })
)

/** A list property that defaults to `[]` when absent. */
export const listOf = <A, I, R>(item: Schema.Schema<A, I, R>) =>
  Schema.optionalWith(Schema.Array(item), { default: () => [] })

/** A string map property that defaults to `{}` when absent. */
export const stringMap = Schema.optionalWith(Schema.Record({ key: Text, value: Text }), {
  default: () => ({})
})

/** An optional property; `null` on the wire reads as absent. */
export const optional = <A, I, R>(schema: Schema.Schema<A, I, R>) =>
  Schema.optionalWith(schema, { exact: true, nullable: true })

/** A non-negative integer property that defaults to 0. */
export const count = Schema.optionalWith(Schema.NonNegativeInt, { default: () => 0 })

/** A fraction in [0, 1]. */
export const Fraction = Schema.Number.pipe(Schema.between(0, 1), Schema.annotations({ identifier: "Fraction" }))

/** A fraction property that defaults to 0. */
export const fraction = Schema.optionalWith(Fraction, { default: () => 0 })
