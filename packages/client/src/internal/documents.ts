import { BatchStored, batchGetOf, pageOf } from "@memory-turso/model"
import * as Either from "effect/Either"
import type * as Schema from "effect/Schema"
import type { BatchGet, Page } from "../Bodies.js"
import type { DocumentClient } from "../Documents.js"
import { empty, json } from "./answer.js"
import type { Call } from "./call.js"
import { type Decoder, decoderOf } from "./issues.js"
import { searchParams } from "./query.js"

/** The kinds of record served under `/{plural}`. */
export type Plural = "episodes" | "patterns" | "heuristics"

/** A page of `plural` as `{items, next_cursor}` (decoded with the Schema the API answers with). */
const pageDecoder = <A, I>(plural: Plural, item: Schema.Schema<A, I>): Decoder<Page<A>> => {
  const decode = decoderOf(pageOf(plural, item))
  return (body) => Either.map(decode(body), (page) => ({ items: page[plural], next_cursor: page.next_cursor }))
}

/** A batch read of `plural` as `{items, missing, unread}`. */
const batchGetDecoder = <A, I>(plural: Plural, item: Schema.Schema<A, I>): Decoder<BatchGet<A>> => {
  const decode = decoderOf(batchGetOf(plural, item))
  return (body) =>
    Either.map(decode(body), (found) => ({ items: found[plural], missing: found.missing, unread: found.unread }))
}

/** Every route of one kind of record: create or replace, batch write, read, batch read, list, delete. */
export const documentClient = <A, I, Query extends object>(
  call: Call,
  plural: Plural,
  schema: Schema.Schema<A, I>
): DocumentClient<A, I, Query> => {
  const base = `/${plural}`
  const one = json(decoderOf(schema))
  const stored = json(decoderOf(BatchStored))
  const found = json(batchGetDecoder(plural, schema))
  const page = json(pageDecoder(plural, schema))
  const byId = `${base}/:id`
  return {
    put: (document, options) => call({ method: "POST", route: base, body: document, read: one }, options),
    putMany: (documents, options) =>
      call({ method: "POST", route: `${base}/batch`, body: { [plural]: documents }, read: stored }, options),
    get: (id, options) => call({ method: "GET", route: byId, params: { id }, read: one }, options),
    getMany: (ids, options) =>
      call({ method: "POST", route: `${base}/batch/get`, body: { ids }, read: found, retryable: true }, options),
    list: (query, options) =>
      call({ method: "GET", route: base, query: searchParams(query ?? {}), read: page }, options),
    delete: (id, options) => call({ method: "DELETE", route: byId, params: { id }, read: empty }, options)
  }
}
