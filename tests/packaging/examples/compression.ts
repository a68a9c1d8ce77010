import { Codec } from "@memory-turso/compression"
import { Effect } from "effect"

const program = Effect.gen(function* () {
  const codec = yield* Codec.Codec
  const json = JSON.stringify(Array.from({ length: 100 }, (_, step) => ({ step, tool: "bash", output: "ok" })))
  const encoded = yield* codec.encodeText(json, "episodes/e1") // the name only appears in warnings and errors
  const column = encoded._tag === "Compressed" ? encoded.bytes : encoded.text // store as BLOB or TEXT
  const back = yield* codec.decodeText(column, "episodes/e1") // reads either
  console.log(encoded._tag, column.length < json.length, back === json) // => Compressed true true
})
await Effect.runPromise(program.pipe(Effect.provide(Codec.layer()))) // zstd level 3 above 1 KiB
