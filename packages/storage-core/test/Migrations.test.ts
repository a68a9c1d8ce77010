import { describe, expect, it } from "@effect/vitest"
import { Database } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import { migrate, migrations } from "../src/Migrations.js"

describe("Migrations", () => {
  it.scoped("applies every migration once; re-running is a no-op", () =>
    Effect.gen(function* () {
      const first = yield* migrate()
      const second = yield* migrate()
      expect(first).toEqual(migrations.map((m) => m.version))
      expect(second).toEqual([])
      const db = yield* Database.Database
      const ledger = yield* db.execute({ sql: "SELECT version FROM schema_migrations", args: [] })
      expect(ledger.rows.map((r) => r["version"])).toEqual(migrations.map((m) => m.version))
    }).pipe(Effect.provide(Database.layerTest))
  )

  it.scoped("a failing migration applies nothing of itself and is not recorded", () =>
    Effect.gen(function* () {
      yield* migrate()
      const broken = { version: 999, name: "broken", statements: ["CREATE TABLE extra (x INTEGER)", "NOT SQL"] }
      const failed = yield* Effect.flip(migrate([...migrations, broken]))
      expect(failed._tag).toBe("DatabaseError")
      const db = yield* Database.Database
      const tables = yield* db.execute({ sql: "SELECT name FROM sqlite_master WHERE name = 'extra'", args: [] })
      expect(tables.rows).toHaveLength(0)
      const ledger = yield* db.execute({ sql: "SELECT max(version) AS v FROM schema_migrations", args: [] })
      expect(ledger.rows[0]?.["v"]).toBe(migrations.at(-1)!.version)
    }).pipe(Effect.provide(Database.layerTest))
  )
})
