import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import { UsageError } from "./ValidatorError.js"

/** Reads and parses a JSON file given on the command line; `what` names it in errors ("the baseline file"). */
export const read = (path: string, what: string): Effect.Effect<unknown, UsageError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs
      .readFileString(path)
      .pipe(Effect.mapError(() => new UsageError({ detail: `cannot read ${what} ${path}` })))
    return yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: () => new UsageError({ detail: `${what} ${path} is not JSON` })
    })
  })

/** A schema failure as `path: message; ...` (at most `limit` issues). */
export const issues = (error: ParseResult.ParseError, limit = 5): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .slice(0, limit)
    .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
    .join("; ")
