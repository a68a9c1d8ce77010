// The statements the store sends to write a batch of episodes, recorded from the store itself (in-process, on a
// scratch embedded file), so the bare-client baseline does the same statements' worth of work.
import { Codec } from "@memory-turso/compression"
import { Episode, type Namespace } from "@memory-turso/model"
import { Database } from "@memory-turso/pool"
import { Storage } from "@memory-turso/storage-core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Schema from "effect/Schema"

/** One recorded batch: its statements (as `@libsql/client` takes them) and its transaction mode. */
export interface RecordedBatch {
  readonly statements: Array<{ sql: string; args: Array<Database.Statement["args"][number]> }>
  readonly mode: Database.TransactionMode
}

/** A store on a scratch file whose `upsertEpisodes` returns the batches it sent. */
export const statementRecorder = async () => {
  const recorded: Array<RecordedBatch> = []
  const recording = Layer.effect(
    Database.Database,
    Effect.map(Database.Database, (db) =>
      Database.Database.of({
        ...db,
        batch: (statements, mode = "write") => {
          recorded.push({ statements: statements.map((s) => ({ sql: s.sql, args: [...s.args] })), mode })
          return db.batch(statements, mode)
        }
      })
    )
  ).pipe(Layer.provide(Database.layerTest))
  // Dictionaries as the API's defaults (the first one built once 200 episodes are stored), but never rebuilt on
  // drift: a rebuild runs in this process's background, beside the calls being measured.
  const runtime = ManagedRuntime.make(
    Storage.layer({ compression: { dictionary_rebuild_drift: 1 } }).pipe(
      Layer.provide(Layer.merge(recording, Codec.layer()))
    )
  )
  const storage = await runtime.runPromise(Storage.Storage)
  const decode = Schema.decodeUnknownSync(Episode)
  return {
    /** The batches one `upsertEpisodes` of these wire-form episodes sends. */
    batchesOf: async (namespace: Namespace, episodes: ReadonlyArray<unknown>): Promise<Array<RecordedBatch>> => {
      recorded.length = 0
      await runtime.runPromise(
        storage.upsertEpisodes(
          namespace,
          episodes.map((e) => decode(e))
        )
      )
      return recorded.splice(0)
    },
    dispose: () => runtime.dispose()
  }
}
