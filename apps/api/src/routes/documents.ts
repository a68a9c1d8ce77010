import {
  type CachedStorage,
  type CanonicalJson,
  IDENTIFIER_EXPECTED,
  isIdentifier,
  Storage
} from "@memory-turso/storage-core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Hono } from "hono"
import { validationFailed } from "../http/ApiError.js"
import { decode, readBody, readJson } from "../http/body.js"
import { type ParamSpec, readQuery } from "../http/queryParams.js"
import { type AppEnv, type HandlerError, json, jsonBytes, noContent, type Run, type Serve } from "../http/respond.js"

/** The most documents one batch call may carry. */
export const MAX_BATCH = 1000

type Ops<A, Q> = {
  readonly upsert: (document: A) => Effect.Effect<A, HandlerError>
  readonly upsertMany: (documents: ReadonlyArray<A>) => Effect.Effect<ReadonlyArray<A>, HandlerError>
  readonly get: (id: string) => Effect.Effect<A, HandlerError>
  readonly getMany?: (ids: ReadonlyArray<string>) => Effect.Effect<Storage.BatchGet<A>, HandlerError>
  readonly remove: (id: string) => Effect.Effect<void, HandlerError>
  readonly list: (query: Q) => Effect.Effect<Storage.Page<A>, HandlerError>
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
  readonly idField: string
  readonly schema: Schema.Schema<A, I>
  readonly json: CanonicalJson.CanonicalJson<A>
  readonly idOf: (document: A) => string
  readonly query: Schema.Schema<Q, QI>
  readonly params: ParamSpec
  readonly ops: (storage: Storage.Storage["Type"]) => Ops<A, Q>
  /** Reads a cached document synchronously (see `StorageCache`), for the read-by-id fast path. */
  readonly peek?: (cache: CachedStorage.StorageCache["Type"]) => (id: string) => A | undefined
}

const Ids = Schema.Struct({ ids: Schema.Array(Schema.String).pipe(Schema.maxItems(MAX_BATCH)) })

/**
 * Registers create-or-replace, get, delete, list, batch upsert and batch get for one kind of document. Every
 * response body is the document's canonical JSON, serialised at most once per stored value.
 */
export const mountDocuments = <A extends object, I, Q, QI>(
  app: Hono<AppEnv>,
  run: Run,
  hot: Hot,
  spec: DocumentRoutes<A, I, Q, QI>
) => {
  const base = `/${spec.plural}`
  const Batch = Schema.Array(spec.schema).pipe(Schema.maxItems(MAX_BATCH))
  const ops = Effect.map(Storage.Storage, spec.ops)
  const list = (documents: ReadonlyArray<A>) => `[${documents.map(spec.json.stringify).join(",")}]`
  const idParam = (id: string) =>
    isIdentifier(id)
      ? Effect.succeed(id)
      : Effect.fail(validationFailed([{ path: spec.idField, message: IDENTIFIER_EXPECTED }]))

  app.post(base, (c) =>
    run(
      c,
      Effect.gen(function* () {
        const document = yield* readBody(c, spec.schema)
        const stored = yield* (yield* ops).upsert(document)
        return json(c, spec.json.stringify(stored))
      })
    )
  )

  app.post(`${base}/batch`, (c) =>
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
        const stored = yield* (yield* ops).upsertMany(documents)
        return json(c, `{"stored":${stored.length},"ids":${JSON.stringify(stored.map(spec.idOf))}}`)
      })
    )
  )

  app.post(`${base}/batch/get`, (c) =>
    run(
      c,
      Effect.gen(function* () {
        const { ids } = yield* readBody(c, Ids)
        const { getMany } = yield* ops
        if (getMany === undefined)
          return yield* Effect.fail(validationFailed([{ path: "ids", message: "batch get is not offered here" }]))
        const result = yield* getMany(ids)
        return json(c, `{"${spec.plural}":${list(result.found)},"missing":${JSON.stringify(result.missing)}}`)
      })
    )
  )

  app.get(base, (c) =>
    run(
      c,
      Effect.gen(function* () {
        const query = yield* readQuery(c.req.url, spec.params, spec.query)
        const page = yield* (yield* ops).list(query)
        return json(c, `{"${spec.plural}":${list(page.items)},"next_cursor":${JSON.stringify(page.next_cursor)}}`)
      })
    )
  )

  const readRoute = `GET ${base}/:id`
  const peek = hot.cache === undefined || spec.peek === undefined ? undefined : spec.peek(hot.cache)
  app.get(`${base}/:id`, (c) => {
    const id = c.req.param("id")
    // A cache hit is answered here, synchronously, with bytes encoded once per cached value.
    const hit = peek !== undefined && isIdentifier(id) ? peek(id) : undefined
    if (hit !== undefined) return hot.serve(c, readRoute, () => jsonBytes(c, spec.json.bytes(hit)))
    return run(
      c,
      Effect.gen(function* () {
        const valid = yield* idParam(id)
        return jsonBytes(c, spec.json.bytes(yield* (yield* ops).get(valid)))
      })
    )
  })

  app.delete(`${base}/:id`, (c) =>
    run(
      c,
      Effect.gen(function* () {
        const id = yield* idParam(c.req.param("id"))
        yield* (yield* ops).remove(id)
        return noContent(c)
      })
    )
  )
}
