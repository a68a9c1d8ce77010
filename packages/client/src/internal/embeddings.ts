import { Embedding, SearchResult, type SimilarityMatch } from "@memory-turso/model"
import type { EmbeddingClient } from "../Embeddings.js"
import { empty, json } from "./answer.js"
import type { Call } from "./call.js"
import { decoderOf } from "./issues.js"

const route = "/embeddings/:item_type/:item_id"

/** The API's `k` when a query leaves it out. */
const DEFAULT_K = 10

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
      // A page the server's byte budget cut short carries a cursor: follow it until k matches.
      const k = query.k ?? DEFAULT_K
      const matches: Array<SimilarityMatch> = []
      let cursor = query.cursor
      do {
        const body = cursor === undefined ? query : { ...query, cursor }
        const result = await call(
          { method: "POST", route: "/embeddings/search", body, read: hits, retryable: true },
          options
        )
        matches.push(...result.matches)
        cursor = result.next_cursor ?? undefined
      } while (cursor !== undefined && matches.length < k)
      return matches.slice(0, k)
    }
  }
}
