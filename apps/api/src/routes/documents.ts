import {
  BatchStored,
  batchGetOf,
  IDENTIFIER_EXPECTED,
  Identifier,
  isIdentifier,
  type Namespace,
  pageOf
} from "@memory-turso/model"
import { type CachedStorage, type CanonicalJson, Storage } from "@memory-turso/storage-core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { validationFailed } from "../http/ApiError.js"
import { decode, readBody, readJson } from "../http/body.js"
import { type ParamSpec, readQuery } from "../http/queryParams.js"
import { routeKey } from "../http/RouteSpec.js"
import type { Routes } from "../http/Routes.js"
import { type HandlerError, json, jsonBytes, noContent, type Run, type Serve } from "../http/respond.js"

/** The most documents one batch call may carry. */
export const MAX_BATCH = 1000

type Ops<A, Q> = {
  readonly upsert: (namespace: Namespace, document: A) => Effect.Effect<A, HandlerError>
  readonly upsertMany: (
    namespace: Namespace,
    documents: ReadonlyArray<A>
  ) => Effect.Effect<ReadonlyArray<A>, HandlerError>
  readonly get: (namespace: Namespace, id: string) => Effect.Effect<A, HandlerError>
  readonly getMany: (
    namespace: Namespace,
    ids: ReadonlyArray<string>
  ) => Effect.Effect<Storage.BatchGet<A>, HandlerError>
  readonly remove: (namespace: Namespace, id: string) => Effect.Effect<void, HandlerError>
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
  readonly query: Schema.Schema<Q, QI>
  readonly params: ParamSpec
  readonly ops: (storage: Storage.Storage["Type"]) => Ops<A, Q>
  /** Reads a cached document synchronously (see `StorageCache`), for the read-by-id fast path. */
  readonly peek?: (cache: CachedStorage.StorageCache["Type"]) => (namespace: Namespace, id: string) => A | undefined
}

const Ids = Schema.Struct({ ids: Schema.Array(Schema.String).pipe(Schema.maxItems(MAX_BATCH)) }).annotations({
  identifier: "Ids"
})

/** The error codes of routes that read or write the database. */
const DATABASE_ERRORS = ["database_unavailable", "pool_timeout", "database_error"] as const

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
  const Batch = Schema.Array(spec.schema).pipe(Schema.maxItems(MAX_BATCH))
  const ops = Effect.map(Storage.Storage, spec.ops)
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
      description: `An absent \`${spec.idField}\` is generated (UUIDv7). Returns the ${spec.singular} as stored, with every default filled.`,
      access: "write",
      namespaced: true,
      body: spec.schema,
      responses: { 200: one },
      errors: ["malformed_json", "validation_failed", "payload_too_large", ...DATABASE_ERRORS]
    },
    (c, { namespace }) =>
      run(
        c,
        Effect.gen(function* () {
          const document = yield* readBody(c, spec.schema)
          const stored = yield* (yield* ops).upsert(namespace, document)
          return json(c, spec.json.stringify(stored))
        })
      )
  )

  routes.add(
    {
      method: "POST",
      path: `${base}/batch`,
      tag,
      summary: `Create or replace up to ${MAX_BATCH} ${spec.plural} in one transaction`,
      description: `\`{"${spec.plural}": [...]}\` or a bare array, validated whole, stored all or nothing in one database round trip.`,
      access: "write",
      namespaced: true,
      body: Schema.Union(Schema.Struct({ [spec.plural]: Batch }), Batch),
      responses: { 200: { description: "How many were stored, and their ids in order", body: BatchStored } },
      errors: ["malformed_json", "validation_failed", "payload_too_large", ...DATABASE_ERRORS]
    },
    (c, { namespace }) =>
      run(
        c,
        Effect.gen(function* () {
          const body = yield* readJson(c)
          const enveloped = typeof body === "object" && body !== null && !Array.isArray(body)
          if (enveloped && !(spec.plural in body)) {
            return yield* Effect.fail(validationFailed([{ path: spec.plural, message: "is missing" }]))
          }
          const documents = enveloped
            ? yield* decode(Batch, (body as Record<string, unknown>)[spec.plural], [spec.plural])
            : yield* decode(Batch, body)
          const stored = yield* (yield* ops).upsertMany(namespace, documents)
          return json(c, `{"stored":${stored.length},"ids":${JSON.stringify(stored.map(spec.idOf))}}`)
        })
      )
  )

  routes.add(
    {
      method: "POST",
      path: `${base}/batch/get`,
      tag,
      summary: `Read up to ${MAX_BATCH} ${spec.plural} by id in one round trip`,
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
      errors: ["malformed_json", "validation_failed", "payload_too_large", "corrupt_record", ...DATABASE_ERRORS]
    },
    (c, { namespace }) =>
      run(
        c,
        Effect.gen(function* () {
          const { ids } = yield* readBody(c, Ids)
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
      errors: ["validation_failed", "invalid_cursor", "corrupt_record", ...DATABASE_ERRORS]
    },
    (c, { namespace }) =>
      run(
        c,
        Effect.gen(function* () {
          const query = yield* readQuery(c.req.url, spec.params, spec.query)
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
    responses: { 200: one },
    errors: ["validation_failed", "not_found", "corrupt_record", ...DATABASE_ERRORS]
  } as const
  const readRoute = routeKey(readSpec)
  const peek = hot.cache === undefined || spec.peek === undefined ? undefined : spec.peek(hot.cache)
  routes.add(readSpec, (c, { namespace }) => {
    const id = c.req.param("id") ?? ""
    // A cache hit is answered here, synchronously, with bytes encoded once per cached value.
    const hit = peek !== undefined && isIdentifier(id) ? peek(namespace, id) : undefined
    if (hit !== undefined) return hot.serve(c, readRoute, () => jsonBytes(c, spec.json.bytes(hit)))
    return run(
      c,
      Effect.gen(function* () {
        const valid = yield* idParam(id)
        return jsonBytes(c, spec.json.bytes(yield* (yield* ops).get(namespace, valid)))
      })
    )
  })

  routes.add(
    {
      method: "DELETE",
      path: `${base}/:id`,
      tag,
      summary: `Delete one ${spec.singular}`,
      description: "Its embedding and index rows go with it.",
      access: "write",
      namespaced: true,
      params: byId,
      responses: { 204: { description: "Deleted" } },
      errors: ["validation_failed", "not_found", ...DATABASE_ERRORS]
    },
    (c, { namespace }) =>
      run(
        c,
        Effect.gen(function* () {
          const id = yield* idParam(c.req.param("id") ?? "")
          yield* (yield* ops).remove(namespace, id)
          return noContent(c)
        })
      )
  )
}
