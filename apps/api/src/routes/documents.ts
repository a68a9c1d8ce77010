import {
  BatchStored,
  batchGetOf,
  IDENTIFIER_EXPECTED,
  Identifier,
  isIdentifier,
  type Namespace,
  pageOf
} from "@memory-turso/model"
import {
  type BatchOptions,
  batchResult,
  type CachedStorage,
  type CanonicalJson,
  Storage,
  type VersionCondition,
  type WriteOptions
} from "@memory-turso/storage-core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { validationFailed } from "../http/ApiError.js"
import { COMPLETE_REPORT_VALUES, decode } from "../http/body.js"
import { answerRecorded, readIdempotencyKey } from "../http/idempotency.js"
import { etagOf, readIfMatch, refuseIfMatch, versionInJson } from "../http/preconditions.js"
import { type ParamSpec, readQuery } from "../http/queryParams.js"
import { routeKey } from "../http/RouteSpec.js"
import type { Routes } from "../http/Routes.js"
import { type HandlerError, json, jsonBytes, noContent, type Run, type Serve } from "../http/respond.js"
import { encodeJsonInSlices } from "../http/slicedDecode.js"

type Ops<A, Q> = {
  readonly upsert: (namespace: Namespace, document: A, options: WriteOptions) => Effect.Effect<A, HandlerError>
  readonly upsertMany: (
    namespace: Namespace,
    documents: ReadonlyArray<A>,
    options: BatchOptions
  ) => Effect.Effect<ReadonlyArray<A>, HandlerError>
  readonly get: (namespace: Namespace, id: string) => Effect.Effect<A, HandlerError>
  /** The stored JSON bytes of one, read without building the document (see `Storage.getEpisodeJson`). */
  readonly getJson: (namespace: Namespace, id: string) => Effect.Effect<Storage.StoredJson, HandlerError>
  readonly getMany: (
    namespace: Namespace,
    ids: ReadonlyArray<string>
  ) => Effect.Effect<Storage.BatchGet<A>, HandlerError>
  readonly remove: (namespace: Namespace, id: string, options: VersionCondition) => Effect.Effect<void, HandlerError>
  readonly list: (namespace: Namespace, query: Q) => Effect.Effect<Storage.Page<A>, HandlerError>
}

/** What the read-by-id route needs to answer a cache hit without the Effect runtime. */
export interface Hot {
  readonly serve: Serve
  /** The storage caches, when caching is on. */
  readonly cache: CachedStorage.StorageCache["Type"] | undefined
}

/** One kind of document served under `/{plural}`. */
export interface DocumentRoutes<A extends object, I, Q, QI> {
  readonly plural: string
  /** The singular name in descriptions ("episode"). */
  readonly singular: string
  readonly idField: string
  readonly schema: Schema.Schema<A, I>
  readonly json: CanonicalJson.CanonicalJson<A>
  readonly idOf: (document: A) => string
  /** The document's version, for its `ETag`. */
  readonly versionOf: (document: A) => number | undefined
  readonly query: Schema.Schema<Q, QI>
  readonly params: ParamSpec
  readonly ops: (storage: Storage.Storage["Type"]) => Ops<A, Q>
  /**
   * Reads a cached document's canonical JSON bytes and version synchronously (see `StorageCache`), for the
   * read-by-id fast path.
   */
  readonly peek?: (
    cache: CachedStorage.StorageCache["Type"]
  ) => (namespace: Namespace, id: string) => CachedStorage.CachedRecord | undefined
}

/** The error codes of routes that read or write the database. */
const DATABASE_ERRORS = ["database_unavailable", "pool_timeout", "database_error"] as const
/** ... and of routes that write: a write whose reply was lost has an unknown outcome. */
const WRITE_ERRORS = [...DATABASE_ERRORS, "outcome_unknown"] as const

/**
 * Registers create-or-replace, get, delete, list, batch upsert and batch get for one kind of document, each in the
 * request's namespace. Every response body is the document's canonical JSON, serialised at most once per stored
 * value.
 */
export const mountDocuments = <A extends object, I, Q, QI>(
  routes: Routes,
  run: Run,
  hot: Hot,
  spec: DocumentRoutes<A, I, Q, QI>
) => {
  const base = `/${spec.plural}`
  const tag = spec.plural
  const { bodies } = routes
  const maxBatch = bodies.limits.max_batch_items
  const Batch = Schema.Array(spec.schema).pipe(Schema.maxItems(maxBatch))
  const Ids = Schema.Struct({ ids: Schema.Array(Schema.String).pipe(Schema.maxItems(maxBatch)) }).annotations({
    identifier: "Ids"
  })
  // The operations over the runtime's one storage, built once rather than per request.
  const built = new WeakMap<Storage.Storage["Type"], Ops<A, Q>>()
  const ops = Effect.map(Storage.Storage, (storage) => {
    let found = built.get(storage)
    if (found === undefined) {
      found = spec.ops(storage)
      built.set(storage, found)
    }
    return found
  })
  const list = (documents: ReadonlyArray<A>) => `[${documents.map(spec.json.stringify).join(",")}]`
  const idParam = (id: string) =>
    isIdentifier(id)
      ? Effect.succeed(id)
      : Effect.fail(validationFailed([{ path: spec.idField, message: IDENTIFIER_EXPECTED }]))
  const byId = { id: Identifier }
  const one = { description: `The stored ${spec.singular}`, body: spec.schema }

  routes.add(
    {
      method: "POST",
      path: base,
      tag,
      summary: `Create or replace one ${spec.singular}`,
      description: `An absent \`${spec.idField}\` is generated (UUIDv7). Returns the ${spec.singular} as stored, with every default filled and its new \`version\` (also its \`ETag\`). With \`If-Match\`, only the ${spec.singular} at that version is replaced (412 otherwise, and nothing changes); with \`Idempotency-Key\`, a repeated request answers the first one's response instead of writing again.`,
      access: "write",
      namespaced: true,
      headers: ["If-Match", "Idempotency-Key"],
      body: spec.schema,
      responses: { 200: { ...one, etag: true } },
      errors: ["malformed_json", "validation_failed", "precondition_failed", "idempotency_key_reused", ...WRITE_ERRORS]
    },
    (c, { namespace }) =>
      run(
        c,
        Effect.gen(function* () {
          const ifVersion = yield* readIfMatch(c)
          const decoded = yield* bodies.decode(c, spec.schema, { record: true })
          // A big record's canonical JSON is made in slices, and the store remembers it: not encoded in one block.
          const canonical = yield* encodeJsonInSlices(spec.schema, decoded)
          // Otherwise the decoded value is its own canonical form: its JSON is made without the encode.
          const document =
            canonical === undefined
              ? spec.json.decoded(decoded)
              : Either.getOrElse(spec.json.parseStored(canonical), () => decoded)
          const idempotency = yield* readIdempotencyKey(c)
          return yield* (yield* ops).upsert(namespace, document, { ifVersion, idempotency }).pipe(
            Effect.map((stored) => json(c, spec.json.stringify(stored), 200, etagOf(spec.versionOf(stored)))),
            Effect.catchTag("IdempotencyKeyUsed", (used) =>
              answerRecorded(c, idempotency, used, (body) => etagOf(versionInJson(body)))
            )
          )
        })
      )
  )

  routes.add(
    {
      method: "POST",
      path: `${base}/batch`,
      tag,
      summary: `Create or replace up to ${maxBatch} ${spec.plural} in one transaction`,
      description: `\`{"${spec.plural}": [...]}\` or a bare array, validated whole, stored all or nothing in one database round trip. With \`Idempotency-Key\`, a repeated request answers the first one's response instead of writing again. \`If-Match\` does not apply to a batch (412).`,
      access: "write",
      namespaced: true,
      headers: ["Idempotency-Key"],
      body: Schema.Union(Schema.Struct({ [spec.plural]: Batch }), Batch),
      responses: { 200: { description: "How many were stored, and their ids in order", body: BatchStored } },
      errors: ["malformed_json", "validation_failed", "precondition_failed", "idempotency_key_reused", ...WRITE_ERRORS]
    },
    (c, { namespace }) =>
      run(
        c,
        Effect.gen(function* () {
          yield* refuseIfMatch(c)
          const { bytes, value: body } = yield* bodies.json(c)
          const enveloped = typeof body === "object" && body !== null && !Array.isArray(body)
          if (enveloped && !(spec.plural in body)) {
            return yield* Effect.fail(validationFailed([{ path: spec.plural, message: "is missing" }]))
          }
          const items = enveloped ? (body as Record<string, unknown>)[spec.plural] : body
          const values = yield* bodies.checkBatch(spec.schema, items, bytes, enveloped ? spec.plural : "")
          const prefix = enveloped ? [spec.plural] : []
          const documents = (yield* decode(Batch, items, prefix, values <= COMPLETE_REPORT_VALUES)).map(
            spec.json.decoded
          )
          const idempotency = yield* readIdempotencyKey(c)
          return yield* (yield* ops).upsertMany(namespace, documents, { idempotency }).pipe(
            Effect.map((stored) => json(c, batchResult(stored.map(spec.idOf)))),
            Effect.catchTag("IdempotencyKeyUsed", (used) => answerRecorded(c, idempotency, used))
          )
        })
      )
  )

  routes.add(
    {
      method: "POST",
      path: `${base}/batch/get`,
      tag,
      summary: `Read up to ${maxBatch} ${spec.plural} by id in one round trip`,
      access: "read",
      namespaced: true,
      body: Ids,
      responses: {
        200: {
          description:
            "The ones found, in the order asked; the ids not found; the ids not read because the response reached its byte budget (`limits.max_response_bytes`): ask for those again",
          body: batchGetOf(spec.plural, spec.schema)
        }
      },
      errors: ["malformed_json", "validation_failed", "corrupt_record", ...DATABASE_ERRORS]
    },
    (c, { namespace }) =>
      run(
        c,
        Effect.gen(function* () {
          const { ids } = yield* bodies.decode(c, Ids)
          const result = yield* (yield* ops).getMany(namespace, ids)
          return json(
            c,
            `{"${spec.plural}":${list(result.found)},"missing":${JSON.stringify(result.missing)},"unread":${JSON.stringify(result.unread)}}`
          )
        })
      )
  )

  routes.add(
    {
      method: "GET",
      path: base,
      tag,
      summary: `List ${spec.plural}, newest first`,
      access: "read",
      namespaced: true,
      query: { params: spec.params, schema: spec.query },
      responses: {
        200: { description: "One page and the next page's cursor", body: pageOf(spec.plural, spec.schema) }
      },
      errors: ["validation_failed", "limit_exceeded", "invalid_cursor", "corrupt_record", ...DATABASE_ERRORS]
    },
    (c, { namespace }) =>
      run(
        c,
        Effect.gen(function* () {
          const query = yield* readQuery(c.req.url, spec.params, spec.query, bodies.limits.max_filters)
          const page = yield* (yield* ops).list(namespace, query)
          return json(c, `{"${spec.plural}":${list(page.items)},"next_cursor":${JSON.stringify(page.next_cursor)}}`)
        })
      )
  )

  const readSpec = {
    method: "GET",
    path: `${base}/:id`,
    tag,
    summary: `Read one ${spec.singular}`,
    access: "read",
    namespaced: true,
    params: byId,
    responses: { 200: { ...one, etag: true } },
    errors: ["validation_failed", "not_found", "corrupt_record", ...DATABASE_ERRORS]
  } as const
  const readRoute = routeKey(readSpec)
  const peek = hot.cache === undefined || spec.peek === undefined ? undefined : spec.peek(hot.cache)
  routes.add(readSpec, (c, { namespace }) => {
    const id = c.req.param("id") ?? ""
    // A cache hit is answered here, synchronously, with the cached bytes as they are (nothing parsed or encoded).
    const hit = peek !== undefined && isIdentifier(id) ? peek(namespace, id) : undefined
    if (hit !== undefined) {
      return hot.serve(c, readRoute, () => jsonBytes(c, hit.bytes, etagOf(hit.version > 0 ? hit.version : undefined)))
    }
    // A miss: without a cache, the stored bytes are served as they are (no parse, no serialisation); with one, the
    // read goes through it (and fills it).
    return run(
      c,
      Effect.gen(function* () {
        const valid = yield* idParam(id)
        if (hot.cache === undefined) {
          const stored = yield* (yield* ops).getJson(namespace, valid)
          return jsonBytes(c, stored.bytes, etagOf(stored.version))
        }
        const document = yield* (yield* ops).get(namespace, valid)
        return jsonBytes(c, spec.json.bytes(document), etagOf(spec.versionOf(document)))
      })
    )
  })

  routes.add(
    {
      method: "DELETE",
      path: `${base}/:id`,
      tag,
      summary: `Delete one ${spec.singular}`,
      description:
        "Its embedding and index rows go with it. With `If-Match`, only at that version (412 otherwise, and nothing is deleted).",
      access: "write",
      namespaced: true,
      params: byId,
      headers: ["If-Match"],
      responses: { 204: { description: "Deleted" } },
      errors: ["validation_failed", "not_found", "precondition_failed", ...WRITE_ERRORS]
    },
    (c, { namespace }) =>
      run(
        c,
        Effect.gen(function* () {
          const id = yield* idParam(c.req.param("id") ?? "")
          const ifVersion = yield* readIfMatch(c)
          yield* (yield* ops).remove(namespace, id, { ifVersion })
          return noContent(c)
        })
      )
  )
}
