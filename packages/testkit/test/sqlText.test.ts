import { describe, expect, it } from "@effect/vitest"
import Libsql from "libsql"
import { leadingWords, scanParams, splitStatements } from "../src/internal/sqlText.js"

describe("SQL scanning", () => {
  it("splits statements, ignoring semicolons in strings, identifiers, comments and trigger bodies", () => {
    expect(splitStatements("SELECT 1; SELECT 2;")).toEqual(["SELECT 1;", " SELECT 2;"])
    expect(splitStatements("SELECT 'a;b', \"c;d\", [e;f], `g;h` -- x;y\n; /* ; */")).toHaveLength(1)
    expect(splitStatements(";;  ; -- only comments\n /* ; */")).toEqual([])
    const trigger = "CREATE TEMP TRIGGER tr AFTER INSERT ON a BEGIN INSERT INTO b VALUES (1); DELETE FROM c; END;"
    expect(splitStatements(`${trigger} SELECT 1`)).toEqual([trigger, " SELECT 1"])
    expect(splitStatements("SELECT x'00;ff'; SELECT 2")).toHaveLength(2)
  })

  it("numbers parameters as SQLite does", () => {
    const sql = "SELECT ?, :a, ?5, ?, @b, :a, $c, ':notparam', 1 AS a$b"
    const info = scanParams(sql)
    expect(info.count).toBe(8)
    expect(Object.fromEntries(info.names)).toEqual({ ":a": 2, "?5": 5, "@b": 7, $c: 8 })
    // SQLite itself agrees: bind slot i to the value i and see which slot each parameter reads
    const db = new Libsql(":memory:")
    const slots = Array.from({ length: info.count }, (_, i) => i + 1)
    expect(db.prepare(sql).raw(true).get(slots)).toEqual([1, 2, 5, 6, 7, 2, 8, ":notparam", 1])
    db.close()
    expect(scanParams("SELECT 1").count).toBe(0)
    expect(scanParams("SELECT ?3").count).toBe(3)
  })

  it("reads leading keywords", () => {
    expect(leadingWords("  begin transaction readonly", 3)).toEqual(["BEGIN", "TRANSACTION", "READONLY"])
    expect(leadingWords("/* c */ BEGIN IMMEDIATE", 3)).toEqual(["BEGIN", "IMMEDIATE"])
  })
})
