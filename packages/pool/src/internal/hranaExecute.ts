/**
 * One statement over Hrana's HTTP pipeline (`POST v2/pipeline`, JSON), without the libSQL client's stream machinery:
 * the request body is one `JSON.stringify`, the reply one `JSON.parse`, the rows built as the client builds them.
 * Results and errors match `Client.execute` of `@libsql/client` (numbers for safe integers, ArrayBuffer blobs,
 * `LibsqlError` with the server's code), so callers cannot tell the two apart.
 */
import { type InValue, LibsqlError, type ResultSet, type Row } from "@libsql/client"

/** A reply as the transport read it. */
export interface HttpReply {
  readonly status: number
  readonly contentType: string | undefined
  readonly body: ArrayBuffer
}

/** Sends one pipeline request body to `url` (POST, JSON), returning the whole reply. */
export type SendPipeline = (url: URL, body: string) => Promise<HttpReply>

const MIN_INTEGER = -9223372036854775808n
const MAX_INTEGER = 9223372036854775807n

/** A statement argument as a Hrana JSON value (as the client encodes it). */
const valueToJson = (value: InValue): object => {
  if (value === null) return { type: "null" }
  if (typeof value === "string") return { type: "text", value }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new RangeError("Only finite numbers (not Infinity or NaN) can be passed as arguments")
    }
    return { type: "float", value }
  }
  if (typeof value === "bigint") {
    if (value < MIN_INTEGER || value > MAX_INTEGER) {
      throw new RangeError(
        "This bigint value is too large to be represented as a 64-bit integer and passed as argument"
      )
    }
    return { type: "integer", value: String(value) }
  }
  if (typeof value === "boolean") return { type: "integer", value: value ? "1" : "0" }
  if (value instanceof ArrayBuffer) return { type: "blob", base64: Buffer.from(value).toString("base64") }
  if (value instanceof Uint8Array) {
    return { type: "blob", base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") }
  }
  if (value instanceof Date) return { type: "float", value: value.valueOf() }
  if (typeof value === "object") return { type: "text", value: `${(value as object).toString()}` }
  throw new TypeError("Unsupported type of value")
}

const protoError = (message: string) => new LibsqlError(message, "HRANA_PROTO_ERROR")

/** A Hrana JSON value as the client returns it (`intMode: "number"`). */
const valueFromJson = (value: { type?: unknown; value?: unknown; base64?: unknown }): unknown => {
  switch (value.type) {
    case "null":
      return null
    case "integer": {
      const n = Number(value.value)
      if (!Number.isSafeInteger(n)) {
        throw new RangeError("Received integer which is too large to be safely represented as a JavaScript number")
      }
      return n
    }
    case "float":
      return Number(value.value)
    case "text":
      return String(value.value)
    case "blob": {
      const bytes = Buffer.from(String(value.base64 ?? ""), "base64")
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
    }
    default:
      throw protoError("Received unrecognized type of Value")
  }
}

/** A row as the client builds it: values by index (not enumerable), by column name, and `length`. */
const rowOf = (names: ReadonlyArray<string | undefined>, values: ReadonlyArray<object>): Row => {
  const row: Record<string | number, unknown> = {}
  Object.defineProperty(row, "length", { value: values.length })
  for (let i = 0; i < values.length; i++) {
    const value = valueFromJson(values[i] as { type?: unknown })
    Object.defineProperty(row, i, { value })
    const name = names[i]
    if (name !== undefined && !Object.hasOwn(row, name)) {
      Object.defineProperty(row, name, { value, enumerable: true, configurable: true, writable: true })
    }
  }
  return row as unknown as Row
}

interface StmtResultJson {
  readonly cols: ReadonlyArray<{ readonly name?: string | null; readonly decltype?: string | null }>
  readonly rows: ReadonlyArray<ReadonlyArray<object>>
  readonly affected_row_count: number
  readonly last_insert_rowid?: string | null
}

const resultSetOf = (result: StmtResultJson): ResultSet => {
  if (!Array.isArray(result.cols) || !Array.isArray(result.rows)) throw protoError("Malformed statement result")
  const names = result.cols.map((c) => c.name ?? undefined)
  const columns = names.map((n) => n ?? "")
  const columnTypes = result.cols.map((c) => c.decltype ?? "")
  const rows = result.rows.map((values) => rowOf(names, values))
  const rowsAffected = Number(result.affected_row_count)
  const lastInsertRowid =
    result.last_insert_rowid === undefined || result.last_insert_rowid === null
      ? undefined
      : BigInt(result.last_insert_rowid)
  return {
    columns,
    columnTypes,
    rows,
    rowsAffected,
    lastInsertRowid,
    toJSON: () => ({ columns, columnTypes, rows, rowsAffected, lastInsertRowid: lastInsertRowid?.toString() ?? null })
  }
}

const utf8 = new TextDecoder()

/** The error the client raises for a reply that is not 200 (its `errorFromResponse`, mapped to `LibsqlError`). */
const httpError = (reply: HttpReply): LibsqlError => {
  const message = `Server returned HTTP status ${reply.status}`
  const type = reply.contentType ?? "text/plain"
  const text = utf8.decode(reply.body)
  if (type === "application/json") {
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      return protoError("The server's error reply is not JSON")
    }
    if (typeof body === "object" && body !== null && "message" in body) {
      const error = body as { message: unknown; code?: unknown }
      return new LibsqlError(String(error.message), typeof error.code === "string" ? error.code : "UNKNOWN")
    }
    return new LibsqlError(message, "SERVER_ERROR")
  }
  const trimmed = type === "text/plain" ? text.trim() : ""
  return new LibsqlError(trimmed === "" ? message : `${message}: ${trimmed}`, "SERVER_ERROR")
}

/**
 * Runs one positional statement on a new stream closed in the same request (as `Client.execute` does outside a
 * transaction): one round trip.
 */
export const executePipeline = async (
  send: SendPipeline,
  url: URL,
  sql: string,
  args: ReadonlyArray<InValue>
): Promise<ResultSet> => {
  const body = JSON.stringify({
    baton: null,
    requests: [
      { type: "execute", stmt: { sql, args: args.map(valueToJson), named_args: [], want_rows: true } },
      { type: "close" }
    ]
  })
  const reply = await send(url, body)
  if (reply.status !== 200) throw httpError(reply)
  let parsed: { results?: ReadonlyArray<{ type?: string; response?: { result?: StmtResultJson }; error?: object }> }
  try {
    parsed = JSON.parse(utf8.decode(reply.body))
  } catch {
    throw protoError("The server's pipeline reply is not JSON")
  }
  const first = parsed.results?.[0]
  if (first?.type === "error") {
    const error = first.error as { message?: unknown; code?: unknown }
    throw new LibsqlError(String(error.message), typeof error.code === "string" ? error.code : "UNKNOWN")
  }
  const result = first?.type === "ok" ? first.response?.result : undefined
  if (result === undefined) throw protoError("Unexpected pipeline reply")
  return resultSetOf(result)
}

/**
 * The pipeline URL of a database URL the fast path can serve (`http:`, `https:`, `libsql:` with `tls`), or
 * undefined (anything else goes through the client).
 */
export const pipelineUrlOf = (databaseUrl: string): URL | undefined => {
  let url: URL
  try {
    url = new URL(databaseUrl)
  } catch {
    return undefined
  }
  for (const key of url.searchParams.keys()) if (key !== "tls") return undefined
  const tls = url.searchParams.get("tls")
  const scheme =
    url.protocol === "libsql:"
      ? tls === "0"
        ? "http"
        : "https"
      : url.protocol === "http:" || url.protocol === "https:"
        ? url.protocol.slice(0, -1)
        : undefined
  if (scheme === undefined || url.username !== "" || url.password !== "") return undefined
  return new URL("v2/pipeline", `${scheme}://${url.host}${url.pathname}`)
}
