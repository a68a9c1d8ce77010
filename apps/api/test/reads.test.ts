import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Database } from "@memory-turso/pool"
import * as Effect from "effect/Effect"
import { afterEach, describe, expect, it } from "vitest"
import { realisticEpisode } from "../bench/realisticEpisode.js"
import { type Harness, makeHarness } from "./support/harness.js"

const dirs: Array<string> = []
const harnesses: Array<Harness> = []
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.dispose()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** Two APIs over one database file: cache off (stored bytes served as they are) and cache on. */
const both = async () => {
  const dir = mkdtempSync(join(tmpdir(), "api-reads-"))
  dirs.push(dir)
  const databaseUrl = `file:${join(dir, "reads.db")}`
  const off = await makeHarness({ databaseUrl })
  const on = await makeHarness({ databaseUrl, env: { ENABLE_CACHE: "true" } })
  harnesses.push(off, on)
  return { off, on }
}

const sql = (h: Harness, statement: string, args: Array<string> = []) =>
  h.runtime.runPromise(Effect.flatMap(Database.Database, (db) => db.execute({ sql: statement, args })))

describe("GET /{kind}/:id with the cache off and on", () => {
  it("answers the same bytes and ETag, for a compressed and a plain record", async () => {
    const { off, on } = await both()
    const big = realisticEpisode("big", 4096)
    expect((await off.request("POST", "/episodes", big)).status).toBe(200)
    const written = await off.request("POST", "/episodes", big) // version 2
    expect((await off.request("POST", "/episodes", { episode_id: "small", task_description: "x" })).status).toBe(200)
    const types = await sql(off, "SELECT episode_id, typeof(payload) AS t FROM episodes ORDER BY episode_id")
    expect(types.rows.map((r) => r["t"])).toEqual(["blob", "text"])
    for (const id of ["big", "small"]) {
      const a = await off.request("GET", `/episodes/${id}`)
      const b = await on.request("GET", `/episodes/${id}`)
      expect(a.status).toBe(200)
      expect(a.text).toBe(b.text)
      expect(a.headers.get("etag")).toBe(b.headers.get("etag"))
      expect(a.headers.get("content-type")).toBe(b.headers.get("content-type"))
    }
    expect((await off.request("GET", "/episodes/big")).text).toBe(written.text)
    expect((await off.request("GET", "/episodes/big")).headers.get("etag")).toBe('"2"')
    const pattern = { pattern_id: "p1", type: "error_recovery", error_type: "E", recovery_steps: ["retry"] }
    expect((await off.request("POST", "/patterns", pattern)).status).toBe(200)
    expect((await off.request("GET", "/patterns/p1")).text).toBe((await on.request("GET", "/patterns/p1")).text)
  })

  it("a damaged row is 500 corrupt_record either way; an unknown id is 404", async () => {
    const { off, on } = await both()
    expect((await off.request("POST", "/episodes", realisticEpisode("big", 4096))).status).toBe(200)
    expect((await off.request("POST", "/episodes", realisticEpisode("copy", 4096))).status).toBe(200)
    await sql(
      off,
      "UPDATE episodes SET payload = (SELECT payload FROM episodes WHERE episode_id = 'big') WHERE episode_id = 'copy'"
    )
    for (const h of [off, on]) {
      const damaged = await h.request("GET", "/episodes/copy")
      expect(damaged.status).toBe(500)
      expect(damaged.json.error.code).toBe("corrupt_record")
      const absent = await h.request("GET", "/episodes/absent")
      expect(absent.status).toBe(404)
      expect(absent.json.error.code).toBe("not_found")
    }
  })
})
