import { type CompiledParser, compileDecode, NOT_ACCEPTED, validationIssues } from "@memory-turso/model"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Context } from "hono"
import type { Limits } from "../config/LimitsSection.js"
import { findTooDeep } from "../limits/JsonDepth.js"
import { type Findings, makeRecordCheck, noFindings } from "../limits/RecordLimits.js"
import { shapeOf } from "../limits/Shape.js"
import { type ApiError, limitExceeded, malformedJson, payloadTooLarge, validationFailed } from "./ApiError.js"
import { yieldToEventLoop } from "./eventLoop.js"
import { incomingOf } from "./respond.js"
import { decodeInSlices } from "./slicedDecode.js"

/** Values of a batch walked between two turns of the event loop. */
const BATCH_SLICE_VALUES = 4096

/** A parsed JSON body and its size in bytes. */
export interface JsonBody {
  readonly value: unknown
  readonly bytes: number
}

const utf8 = new TextDecoder("utf-8", { fatal: true })

/** The bytes of each request's body once read (a body stream can be read only once). */
const received = new WeakMap<Request, Uint8Array>()

/** The body's bytes as read by this module, if it has read them (for a fingerprint of the request). */
export const receivedBody = (c: Context): Uint8Array | undefined => received.get(c.req.raw)

/**
 * The body's declared length through the Node adapter (`Content-Length` of a request without `Transfer-Encoding`),
 * if it is a plain decimal; undefined under `app.request` or when the length is not declared that way.
 */
const declaredLength = (c: Context): number | undefined => {
  const incoming = incomingOf(c)
  if (incoming === undefined || incoming.headers["transfer-encoding"] !== undefined) return undefined
  const length = incoming.headers["content-length"]
  return typeof length === "string" && /^\d{1,15}$/.test(length) ? Number(length) : undefined
}

/**
 * The body's bytes, read with a cap: past `max` bytes the stream is cancelled and the answer is 413 at once, the
 * rest never read into memory.
 */
const readCapped = async (c: Context, max: number): Promise<Uint8Array | ApiError> => {
  const declared = declaredLength(c)
  if (declared !== undefined && declared <= max) {
    // Node's HTTP parser delivers exactly `Content-Length` bytes, so the cap holds without a stream: the adapter
    // reads the IncomingMessage straight into one buffer (no web Request, no web stream).
    const bytes = new Uint8Array(await c.req.raw.arrayBuffer())
    received.set(c.req.raw, bytes)
    return bytes
  }
  const stream = c.req.raw.body
  if (stream === null) return new Uint8Array(0)
  const reader = stream.getReader()
  const chunks: Array<Uint8Array> = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > max) {
      await reader.cancel().catch(() => undefined)
      return payloadTooLarge(max)
    }
    chunks.push(value)
  }
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total)
  received.set(c.req.raw, bytes)
  return bytes
}

/**
 * Reads the body as JSON within the limits, in this order, each check before any unbounded work: at most
 * `max_body_bytes` (413), well-formed UTF-8 (400 `malformed_json`), nested at most `max_json_depth` deep (422
 * `limit_exceeded`, found by a linear scan of the text before it is parsed), then valid JSON (400).
 */
export const readJson = (c: Context, limits: Limits): Effect.Effect<JsonBody, ApiError> =>
  Effect.tryPromise({
    try: () => readCapped(c, limits.max_body_bytes),
    catch: () => malformedJson("the body could not be read")
  }).pipe(
    Effect.flatMap((bytes) => {
      if (!(bytes instanceof Uint8Array)) return Effect.fail(bytes)
      let text: string
      try {
        text = utf8.decode(bytes)
      } catch {
        return Effect.fail(malformedJson("the body is not valid UTF-8"))
      }
      const deep = findTooDeep(text, limits.max_json_depth)
      if (deep !== undefined) {
        return Effect.fail(
          limitExceeded([
            {
              path: deep.path,
              limit: "max_json_depth",
              message: `nests deeper than limits.max_json_depth (${limits.max_json_depth})`
            }
          ])
        )
      }
      try {
        return Effect.succeed({ value: JSON.parse(text) as unknown, bytes: bytes.byteLength })
      } catch (error) {
        return Effect.fail(malformedJson(error instanceof Error ? error.message.slice(0, 120) : "parse error"))
      }
    })
  )

/**
 * Inputs of at most this many values get every issue reported (up to 20); larger ones only the first, found without
 * collecting the rest: listing all the issues of 10,000 invalid steps costs seconds, stopping at the first costs what
 * decoding a valid input does.
 */
export const COMPLETE_REPORT_VALUES = 2000

/**
 * Decodes input against a schema, or a 422 `validation_failed` naming each field path (under `prefix`); `complete`
 * false reports only the first problem (see `COMPLETE_REPORT_VALUES`).
 */
export const decode = <A, I>(
  schema: Schema.Schema<A, I>,
  input: unknown,
  prefix: ReadonlyArray<PropertyKey> = [],
  complete = true
): Effect.Effect<A, ApiError> => {
  // The compiled decode answers valid input with Effect's own result; anything else gets Effect's issues.
  const decoded = compiledDecodeOf(schema)?.(input) ?? NOT_ACCEPTED
  if (decoded !== NOT_ACCEPTED) return Effect.succeed(decoded)
  return Schema.decodeUnknown(schema)(input, { errors: complete ? "all" : "first", onExcessProperty: "error" }).pipe(
    Effect.mapError((error) => validationFailed(validationIssues(error, prefix)))
  )
}

/** Each schema's compiled decode, built on first use (null: the schema has nodes that are not compiled). */
const compiledDecodes = new WeakMap<Schema.Schema.Any, CompiledParser<unknown> | null>()
const compiledDecodeOf = <A, I>(schema: Schema.Schema<A, I>): CompiledParser<A> | undefined => {
  let compiled = compiledDecodes.get(schema)
  if (compiled === undefined) {
    compiled = compileDecode(schema) ?? null
    compiledDecodes.set(schema, compiled)
  }
  return (compiled ?? undefined) as CompiledParser<A> | undefined
}

/** The error for what a walk found: 422 `limit_exceeded` first, then `validation_failed` for malformed text. */
export const findingsError = (findings: Findings): ApiError | undefined =>
  findings.limits.length > 0
    ? limitExceeded(findings.limits)
    : findings.text.length > 0
      ? validationFailed(findings.text)
      : undefined

/** Reads bodies within the limits: `json` parses, `check` walks a parsed value, `decode` reads one whole body. */
export const makeBodies = (limits: Limits) => {
  const walk = makeRecordCheck(limits)
  /** The values walked, or the error for what the walk found. */
  const outcome = (findings: Findings): Effect.Effect<number, ApiError> => {
    const error = findingsError(findings)
    return error === undefined ? Effect.succeed(findings.values) : Effect.fail(error)
  }
  /**
   * Checks `value` (at `path`, typed by `schema`) against the limits; `record` also bounds its size. Succeeds with
   * the number of values in it.
   */
  const check = (
    schema: Schema.Schema.Any,
    value: unknown,
    bytes: number,
    options: { readonly path?: string; readonly record?: boolean } = {}
  ): Effect.Effect<number, ApiError> => {
    const findings = noFindings()
    return walk
      .inSlices(value, shapeOf(schema), options.path ?? "", bytes, findings, options.record ?? false)
      .pipe(Effect.flatMap(() => outcome(findings)))
  }
  /**
   * Checks a batch: at most `max_batch_items` items, each a record of `schema` (at `path.<index>`). Succeeds with the
   * number of values in it.
   */
  const checkBatch = (
    schema: Schema.Schema.Any,
    items: unknown,
    bytes: number,
    path: string
  ): Effect.Effect<number, ApiError> => {
    if (!Array.isArray(items)) return Effect.succeed(1) // not a list: decoding says so
    if (items.length > limits.max_batch_items) {
      return Effect.fail(
        limitExceeded([
          {
            path: path || "(body)",
            limit: "max_batch_items",
            message: `has ${items.length} items; limits.max_batch_items is ${limits.max_batch_items}`
          }
        ])
      )
    }
    const shape = shapeOf(schema)
    return Effect.gen(function* () {
      const findings = noFindings()
      let walked = 0
      for (let i = 0; i < items.length; i++) {
        walk(items[i], shape, path ? `${path}.${i}` : String(i), bytes, findings)
        // A turn of the event loop every few thousand values: a batch of big records is many bounded pieces.
        if (findings.values - walked >= BATCH_SLICE_VALUES) {
          walked = findings.values
          yield* yieldToEventLoop
        }
      }
      return yield* outcome(findings)
    })
  }
  return {
    limits,
    json: (c: Context) => readJson(c, limits),
    check,
    checkBatch,
    /** Reads, checks and decodes a JSON body; `record` when the body is one stored record. */
    decode: <A, I>(c: Context, schema: Schema.Schema<A, I>, options: { readonly record?: boolean } = {}) =>
      Effect.gen(function* () {
        const body = yield* readJson(c, limits)
        const values = yield* check(schema as Schema.Schema.Any, body.value, body.bytes, options)
        // Big inputs (first problem only) decode their long lists in slices, letting other requests in between.
        return yield* values <= COMPLETE_REPORT_VALUES
          ? decode(schema, body.value, [], true)
          : decodeInSlices(schema, body.value)
      })
  }
}

/** Body readers under one server's limits (see `makeBodies`). */
export type Bodies = ReturnType<typeof makeBodies>
