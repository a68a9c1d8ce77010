/**
 * Runs one Hrana `Stmt` (or a `sequence`) on a stream's connection: resolves stored SQL, binds arguments
 * positionally from the SQL scan, maps rows to Hrana values, and waits (without blocking the event loop) while
 * another stream holds the write lock, as sqld queues writers instead of failing them.
 */
import type { Connection } from "./database.js"
import { HranaError, toHranaError } from "./errors.js"
import { leadingWords, type ParamInfo, scanParams, splitStatements } from "./sqlText.js"
import { decodeValue, encodeValue, type ProtoValue, type SqlValue } from "./values.js"

/** A Hrana statement result. */
export interface StmtResult {
  readonly cols: ReadonlyArray<{ readonly name: string | null; readonly decltype: string | null }>
  readonly rows: ReadonlyArray<ReadonlyArray<ProtoValue>>
  readonly affected_row_count: number
  readonly last_insert_rowid: string | null
}

/** What the executor needs from the stream it runs on. */
export interface ExecContext {
  readonly connection: () => Connection
  /** Called when a statement may have left the connection mid-flight in autocommit state. */
  readonly replaceConnection: () => void
  readonly storedSql: ReadonlyMap<number, string>
  readonly busyTimeoutMs: number
  readonly countStatement: () => void
}

interface Analysis {
  readonly statements: number
  readonly params: ParamInfo
  /** `BEGIN [TRANSACTION] READONLY` (libSQL syntax; the embedded library does not enforce it, so the server does). */
  readonly beginsReadonly: boolean
}

const ANALYSIS_CACHE = 1024
const analyses = new Map<string, Analysis>()

const analyze = (sql: string): Analysis => {
  const cached = analyses.get(sql)
  if (cached !== undefined) return cached
  const [first, second, third] = leadingWords(sql, 3)
  const analysis = {
    statements: splitStatements(sql).length,
    params: scanParams(sql),
    beginsReadonly: first === "BEGIN" && (second === "READONLY" || (second === "TRANSACTION" && third === "READONLY"))
  }
  if (analyses.size >= ANALYSIS_CACHE) analyses.clear()
  analyses.set(sql, analysis)
  return analysis
}

const invalidRequest = (message: string) => new HranaError("INVALID_REQUEST", message)

/** The SQL text of a request carrying `sql` or `sql_id` (exactly one of them). */
export const resolveSql = (request: { sql?: unknown; sql_id?: unknown }, stored: ReadonlyMap<number, string>) => {
  const hasSql = request.sql !== undefined && request.sql !== null
  const hasId = request.sql_id !== undefined && request.sql_id !== null
  if (hasSql === hasId) throw invalidRequest("Exactly one of `sql` and `sql_id` must be given")
  if (hasSql) {
    if (typeof request.sql !== "string") throw invalidRequest("`sql` must be a string")
    return request.sql
  }
  const sql = typeof request.sql_id === "number" ? stored.get(request.sql_id) : undefined
  if (sql === undefined) throw new HranaError("SQL_NOT_FOUND", `No SQL text is stored with id ${request.sql_id}`)
  return sql
}

const bindArgs = (stmt: { args?: unknown; named_args?: unknown }, params: ParamInfo): Array<SqlValue> => {
  const bound: Array<SqlValue> = new Array(params.count).fill(null)
  const args = stmt.args ?? []
  const named = stmt.named_args ?? []
  if (!Array.isArray(args) || !Array.isArray(named)) throw invalidRequest("`args` and `named_args` must be arrays")
  if (args.length > params.count) {
    throw new HranaError("ARGS_INVALID", `${args.length} positional arguments given, the statement has ${params.count}`)
  }
  args.forEach((arg, i) => {
    bound[i] = decodeValue(arg)
  })
  for (const arg of named as Array<{ name?: unknown; value?: unknown }>) {
    if (typeof arg?.name !== "string") throw invalidRequest("A named argument needs a string `name`")
    const name = arg.name
    const index = /^[:@$?]/.test(name)
      ? params.names.get(name)
      : (params.names.get(`:${name}`) ?? params.names.get(`@${name}`) ?? params.names.get(`$${name}`))
    if (index === undefined) throw new HranaError("ARGS_INVALID", `The statement has no parameter named ${name}`)
    bound[index - 1] = decodeValue(arg.value)
  }
  return bound
}

const PROBE = "SELECT total_changes(), changes(), last_insert_rowid()"

const probe = (connection: Connection): ReadonlyArray<bigint> =>
  connection.prepare(PROBE).raw(true).safeIntegers(true).get([]) as ReadonlyArray<bigint>

const runOnce = (connection: Connection, sql: string, args: Array<SqlValue>, wantRows: boolean): StmtResult => {
  connection.syncReadonly()
  const statement = connection.prepare(sql)
  const before = probe(connection)[0]
  let cols: StmtResult["cols"] = []
  let rows: Array<Array<unknown>> = []
  if (statement.reader) {
    rows = statement.raw(true).safeIntegers(true).all(args) as Array<Array<unknown>>
    cols = statement.columns().map((col) => ({ name: col.name ?? null, decltype: col.type ?? null }))
  } else {
    statement.run(args)
  }
  if (analyze(sql).beginsReadonly) connection.enterReadonly()
  const [total, changes, rowid] = probe(connection)
  const changed = total !== before
  return {
    cols,
    rows: wantRows ? rows.map((row) => row.map(encodeValue)) : [],
    affected_row_count: changed ? Number(changes) : 0,
    last_insert_rowid: changed ? String(rowid) : null
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Retries `run` while SQLite answers SQLITE_BUSY (another stream holds the write lock), up to the busy timeout.
 * A statement that gave up on SQLITE_BUSY may hold a read snapshot, so an autocommit connection is replaced.
 */
const withBusyRetry = async <A>(ctx: ExecContext, run: (connection: Connection) => A): Promise<A> => {
  const deadline = Date.now() + ctx.busyTimeoutMs
  for (let attempt = 0; ; attempt++) {
    const connection = ctx.connection()
    try {
      return run(connection)
    } catch (error) {
      const hrana = toHranaError(error)
      if (hrana.code === "SQLITE_BUSY" && Date.now() < deadline) {
        await sleep(Math.min(2 ** attempt, 20))
        continue
      }
      if (hrana.code.startsWith("SQLITE_BUSY")) {
        connection.tainted = true
        if (connection.open && connection.isAutocommit) ctx.replaceConnection()
      }
      throw hrana
    }
  }
}

/** Executes one statement. */
export const executeStmt = async (ctx: ExecContext, raw: unknown): Promise<StmtResult> => {
  if (typeof raw !== "object" || raw === null) throw invalidRequest("`stmt` must be an object")
  const stmt = raw as { sql?: unknown; sql_id?: unknown; args?: unknown; named_args?: unknown; want_rows?: unknown }
  const sql = resolveSql(stmt, ctx.storedSql)
  const { statements, params } = analyze(sql)
  if (statements === 0) throw new HranaError("SQL_NO_STATEMENT", "The SQL text contains no statement")
  if (statements > 1) throw new HranaError("SQL_MANY_STATEMENTS", "The SQL text contains more than one statement")
  const args = bindArgs(stmt, params)
  ctx.countStatement()
  return withBusyRetry(ctx, (connection) => runOnce(connection, sql, args, stmt.want_rows !== false))
}

/** Executes every statement of a SQL text in order, without results; stops at the first error. */
export const executeSequence = async (ctx: ExecContext, request: { sql?: unknown; sql_id?: unknown }) => {
  const sql = resolveSql(request, ctx.storedSql)
  for (const statement of splitStatements(sql)) {
    ctx.countStatement()
    await withBusyRetry(ctx, (connection) => {
      connection.syncReadonly()
      const prepared = connection.prepare(statement)
      if (prepared.reader) prepared.raw(true).safeIntegers(true).all([])
      else prepared.run([])
      if (analyze(statement).beginsReadonly) connection.enterReadonly()
    })
  }
}
