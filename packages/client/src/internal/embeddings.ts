import { Embedding, SearchResult } from "@memory-turso/model"
import type { EmbeddingClient } from "../Embeddings.js"
import { empty, json } from "./answer.js"
import type { Call } from "./call.js"
import { decoderOf } from "./issues.js"

const route = "/embeddings/:item_type/:item_id"

/** `/embeddings/:item_type/:item_id` (put, get, delete) and `POST /embeddings/search`. */
export const embeddingClient = (call: Call): EmbeddingClient => {
  const one = json(decoderOf(Embedding))
  const hits = json(decoderOf(SearchResult))
  return {
    put: (item_type, item_id, embedding, options) =>
      call({ method: "PUT", route, params: { item_type, item_id }, body: embedding, read: one }, options),
    get: (item_type, item_id, options) =>
      call({ method: "GET", route, params: { item_type, item_id }, read: one }, options),
    delete: (item_type, item_id, options) =>
      call({ method: "DELETE", route, params: { item_type, item_id }, read: empty }, options),
    search: async (query, options) => {
      const result = await call(
        { method: "POST", route: "/embeddings/search", body: query, read: hits, retryable: true },
        options
      )
      return result.matches
    }
  }
}
