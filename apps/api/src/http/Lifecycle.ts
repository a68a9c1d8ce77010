import * as Context from "effect/Context"
import * as Layer from "effect/Layer"

/** Where the server is in its life: draining from the moment a graceful shutdown begins. */
export class Lifecycle extends Context.Tag("@memory-turso/api/Lifecycle")<
  Lifecycle,
  {
    readonly isDraining: () => boolean
    /** Marks the server as draining: `/readyz` answers 503 from now on. */
    readonly drain: () => void
  }
>() {}

/** A fresh lifecycle, serving. */
export const make = (): Lifecycle["Type"] => {
  let draining = false
  return {
    isDraining: () => draining,
    drain: () => {
      draining = true
    }
  }
}

/** A lifecycle for one server. */
export const layer = Layer.sync(Lifecycle, make)
