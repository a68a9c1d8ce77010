/**
 * Runs one Hrana `Stmt` (or a `sequence`) on a stream's connection: resolves stored SQL, binds arguments
 * positionally from the SQL scan as sqld binds them, maps rows to Hrana values, reports failures as sqld does
 * (`sqldErrors.ts`), and waits (without blocking the event loop) while another stream holds the write lock, as sqld
 * queues writers instead of failing them.
 */
import type { Connection } from "./database.js"
import { HranaError } from "./errors.js"
import {
  argsInvalid,
  bothPositionalAndNamed,
  isBusy,
  isNativeError,
  manyStatements,
  noStatement,
  prepareError,
  toStmtError
} from "./sqldErrors.js"
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

/** A statement checked as sqld checks it before running anything: its text, parameters and arguments. */
export interface ParsedStmt {
  readonly sql: string
  readonly params: ParamInfo
  readonly args: ReadonlyArray<SqlValue>
  /** Named arguments by name as sent (`a`, `:a`, ...); undefined when the arguments are positional. */
  readonly named: ReadonlyMap<string, SqlValue> | undefined
  readonly wantRows: boolean
}

/** Resolves and checks one Hrana `Stmt`: one statement, and positional or named arguments, not both. */
const parseStmt = (raw: unknown, stored: ReadonlyMap<number, string>): ParsedStmt => {
  if (typeof raw !== "object" || raw === null) throw invalidRequest("`stmt` must be an object")
  const stmt = raw as { sql?: unknown; sql_id?: unknown; args?: unknown; named_args?: unknown; want_rows?: unknown }
  const sql = resolveSql(stmt, stored)
  const { statements, params } = analyze(sql)
  if (statements === 0) throw noStatement()
  if (statements > 1) throw manyStatements()
  const args = stmt.args ?? []
  const named = stmt.named_args ?? []
  if (!Array.isArray(args) || !Array.isArray(named)) throw invalidRequest("`args` and `named_args` must be arrays")
  if (args.length > 0 && named.length > 0) throw bothPositionalAndNamed()
  const byName =
    named.length === 0
      ? undefined
      : new Map(
          (named as Array<{ name?: unknown; value?: unknown }>).map((arg) => {
            if (typeof arg?.name !== "string") throw invalidRequest("A named argument needs a string `name`")
            return [arg.name, decodeValue(arg.value)] as const
          })
        )
  return { sql, params, args: args.map(decodeValue), named: byName, wantRows: stmt.want_rows !== false }
}

/**
 * The values to bind, slot by slot, as sqld binds them (libsql-server `Params::bind`): more arguments than
 * parameters is an error; `?NNN` takes positional argument NNN, `:name` (and `@name`, `$name`) a named argument
 * sent with or without its prefix, `?` the positional argument at its index; a parameter without a value is an error
 * (never a silent NULL).
 */
const bindArgs = (stmt: ParsedStmt): Array<SqlValue> => {
  const { count, names } = stmt.params
  const given = stmt.named?.size ?? stmt.args.length
  if (given > count) throw argsInvalid(`too many parameters, expected ${count} found ${given}`)
  const nameAt = new Map([...names].map(([name, index]) => [index, name]))
  const positional = (position: number) => (stmt.named === undefined ? stmt.args[position - 1] : undefined)
  const bound: Array<SqlValue> = []
  for (let index = 1; index <= count; index++) {
    const name = nameAt.get(index)
    const value =
      name === undefined
        ? positional(index)
        : name.startsWith("?")
          ? positional(Number(name.slice(1)))
          : (stmt.named?.get(name) ?? stmt.named?.get(name.slice(1)))
    if (value === undefined) throw argsInvalid(`value for parameter ${name ?? index} not found`)
    bound.push(value)
  }
  return bound
}

const PROBE = "SELECT total_changes(), changes(), last_insert_rowid()"

const probe = (connection: Connection): ReadonlyArray<bigint> =>
  connection.prepare(PROBE).raw(true).safeIntegers(true).get([]) as ReadonlyArray<bigint>

/**
 * Prepares `sql` on the connection; a failure is reported as sqld reports it (a parse or input error, or a SQLite
 * error), except SQLITE_BUSY, which the busy retry handles.
 */
const prepare = (connection: Connection, sql: string) => {
  try {
    return connection.prepare(sql)
  } catch (error) {
    throw isNativeError(error) && !isBusy(error) ? prepareError(error, sql) : error
  }
}

/**
 * sqld parses every statement of a batch or sequence before running any: text it cannot parse fails the whole
 * request. Here SQLite's parser stands in for sqld's: any statement whose prepare fails with a syntax error.
 */
const checkParses = (connection: Connection, sql: string): void => {
  try {
    prepare(connection, sql)
  } catch (error) {
    if (error instanceof HranaError && error.code === "SQL_PARSE_ERROR") throw error
  }
}

const runOnce = (connection: Connection, stmt: ParsedStmt): StmtResult => {
  const { sql } = stmt
  connection.syncReadonly()
  const statement = prepare(connection, sql)
  const args = bindArgs(stmt)
  const wantRows = stmt.wantRows
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
      const plainBusy = isNativeError(error) && error.code === "SQLITE_BUSY"
      if (plainBusy && Date.now() < deadline) {
        await sleep(Math.min(2 ** attempt, 20))
        continue
      }
      if (isBusy(error)) {
        connection.tainted = true
        if (connection.open && connection.isAutocommit) ctx.replaceConnection()
      }
      throw toStmtError(error)
    }
  }
}

/** Executes one statement. */
export const executeStmt = async (ctx: ExecContext, raw: unknown): Promise<StmtResult> => {
  const stmt = parseStmt(raw, ctx.storedSql)
  ctx.countStatement()
  return withBusyRetry(ctx, (connection) => runOnce(connection, stmt))
}

/**
 * Checks every statement of a batch before any runs, as sqld does (text, statement count, arguments, parsing): one
 * that fails fails the whole batch. Returns the checked statements, in order.
 */
export const checkBatchStmts = (ctx: ExecContext, raws: ReadonlyArray<unknown>): ReadonlyArray<ParsedStmt> => {
  const parsed = raws.map((raw) => parseStmt(raw, ctx.storedSql))
  for (const stmt of parsed) checkParses(ctx.connection(), stmt.sql)
  return parsed
}

/** Executes one statement checked by `checkBatchStmts`. */
export const executeChecked = async (ctx: ExecContext, stmt: ParsedStmt): Promise<StmtResult> => {
  ctx.countStatement()
  return withBusyRetry(ctx, (connection) => runOnce(connection, stmt))
}

/** Executes every statement of a SQL text in order, without results; stops at the first error. */
export const executeSequence = async (ctx: ExecContext, request: { sql?: unknown; sql_id?: unknown }) => {
  const sql = resolveSql(request, ctx.storedSql)
  const statements = splitStatements(sql)
  for (const statement of statements) checkParses(ctx.connection(), statement)
  for (const statement of statements) {
    ctx.countStatement()
    await withBusyRetry(ctx, (connection) => {
      connection.syncReadonly()
      const prepared = prepare(connection, statement)
      if (prepared.reader) prepared.raw(true).safeIntegers(true).all([])
      else prepared.run([])
      if (analyze(statement).beginsReadonly) connection.enterReadonly()
    })
  }
}
