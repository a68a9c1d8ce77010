/**
 * `POST /v2/pipeline`: runs the requests of one pipeline, in order, on the stream its baton designates (or a new
 * one). Every request gets a result; an error in one does not stop the next.
 */
import { executeBatch } from "./batch.js"
import { HranaError, HttpError } from "./errors.js"
import { toStmtError } from "./sqldErrors.js"
import { type ExecContext, executeSequence, executeStmt } from "./statement.js"
import type { Counters } from "./stats.js"
import type { Stream, StreamRegistry } from "./streams.js"

/** A Hrana pipeline response body. */
export interface PipelineResponse {
  readonly baton: string | null
  readonly base_url: null
  readonly results: ReadonlyArray<
    | { readonly type: "ok"; readonly response: { readonly type: string } & Record<string, unknown> }
    | { readonly type: "error"; readonly error: { readonly message: string; readonly code: string } }
  >
}

export interface PipelineDeps {
  readonly streams: StreamRegistry
  readonly counters: Counters
  readonly busyTimeoutMs: number
}

type StreamRequest = { readonly type?: unknown; readonly [key: string]: unknown }

const handle = async (
  deps: PipelineDeps,
  stream: Stream,
  ctx: ExecContext,
  request: StreamRequest
): Promise<{ type: string } & Record<string, unknown>> => {
  switch (request.type) {
    case "close":
      deps.streams.close(stream)
      return { type: "close" }
    case "execute":
      return { type: "execute", result: await executeStmt(ctx, request.stmt) }
    case "batch":
      return { type: "batch", result: await executeBatch(ctx, request.batch) }
    case "sequence":
      await executeSequence(ctx, request as { sql?: unknown; sql_id?: unknown })
      return { type: "sequence" }
    case "store_sql": {
      const id = request.sql_id
      if (typeof id !== "number" || !Number.isInteger(id) || typeof request.sql !== "string") {
        throw new HranaError("INVALID_REQUEST", "`store_sql` needs an integer `sql_id` and a string `sql`")
      }
      if (stream.storedSql.has(id)) throw new HranaError("SQL_EXISTS", `A SQL text is already stored with id ${id}`)
      stream.storedSql.set(id, request.sql)
      return { type: "store_sql" }
    }
    case "close_sql":
      if (typeof request.sql_id !== "number") throw new HranaError("INVALID_REQUEST", "`close_sql` needs `sql_id`")
      stream.storedSql.delete(request.sql_id)
      return { type: "close_sql" }
    case "get_autocommit":
      return { type: "get_autocommit", is_autocommit: stream.connection.isAutocommit }
    case "describe":
      throw new HranaError("NOT_SUPPORTED", "`describe` is not implemented by this test server")
    default:
      throw new HranaError("INVALID_REQUEST", `Unknown stream request type ${JSON.stringify(request.type)}`)
  }
}

/** Validates and executes a pipeline request body. Malformed bodies and bad batons are HTTP 400 errors. */
export const executePipeline = async (deps: PipelineDeps, body: unknown): Promise<PipelineResponse> => {
  if (typeof body !== "object" || body === null) throw new HttpError(400, "INVALID_REQUEST", "Body must be an object")
  const { baton, requests } = body as { baton?: unknown; requests?: unknown }
  if (!Array.isArray(requests)) throw new HttpError(400, "INVALID_REQUEST", "`requests` must be an array")
  if (baton !== undefined && baton !== null && typeof baton !== "string") {
    throw new HttpError(400, "INVALID_REQUEST", "`baton` must be a string or null")
  }
  const stream = typeof baton === "string" ? deps.streams.take(baton) : deps.streams.open()
  const ctx: ExecContext = {
    connection: () => stream.connection,
    replaceConnection: () => deps.streams.replaceConnection(stream),
    storedSql: stream.storedSql,
    busyTimeoutMs: deps.busyTimeoutMs,
    countStatement: () => {
      deps.counters.value.statements_executed++
    }
  }
  const results: Array<PipelineResponse["results"][number]> = []
  for (const request of requests as Array<StreamRequest>) {
    const type = typeof request?.type === "string" ? request.type : "unknown"
    deps.counters.countRequestType(type)
    if (stream.closed) {
      results.push({ type: "error", error: { message: "The stream is closed", code: "STREAM_CLOSED" } })
      continue
    }
    try {
      results.push({ type: "ok", response: await handle(deps, stream, ctx, request ?? {}) })
    } catch (error) {
      results.push({ type: "error", error: toStmtError(error).toProto() })
    }
  }
  return { baton: stream.closed ? null : deps.streams.issue(stream), base_url: null, results }
}
