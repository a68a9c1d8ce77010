import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { Features } from "../Features.js"

/** A metrics section: `{"enabled": false}` for a feature that is off, its figures otherwise. */
export type Section = { readonly enabled: false } | ({ readonly enabled: true } & Record<string, unknown>)

/** What the composed storage stack really runs with, and its figures. */
export class StackStatus extends Context.Tag("@memory-turso/api/StackStatus")<
  StackStatus,
  {
    readonly features: Features
    /** Optional layers that were asked for but could not start, with the reason. */
    readonly degraded: ReadonlyArray<{ readonly feature: string; readonly reason: string }>
    /** The /metrics sections of each layer: cache, compression, pool, keepalive, prepared_statements. */
    readonly sections: Effect.Effect<Readonly<Record<string, Section>>>
  }
>() {}

/** The section of a feature that is off. */
export const disabled: Section = { enabled: false }
