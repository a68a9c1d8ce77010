import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"

/** One phase of a monitoring schedule: a sample every `every` until `until` after the start. */
export interface Phase {
  readonly every: Duration.Duration
  readonly until: Duration.Duration
}

/**
 * Named schedules. `staging`: every 15 min for the first 2 h, then hourly for 6 h (to 8 h), then every 4 h to
 * 24 h: samples at 0, 0:15 ... 2:00, 3:00 ... 8:00, 12:00, 16:00, 20:00, 24:00 (19 samples).
 */
export const schedules = {
  staging: [
    { every: Duration.minutes(15), until: Duration.hours(2) },
    { every: Duration.hours(1), until: Duration.hours(8) },
    { every: Duration.hours(4), until: Duration.hours(24) }
  ]
} as const satisfies Record<string, ReadonlyArray<Phase>>

/** A schedule's name. */
export type ScheduleName = keyof typeof schedules

/** When each sample is taken, in milliseconds after the start (the first at 0), with every interval times `scale`. */
export const offsets = (phases: ReadonlyArray<Phase>, scale = 1): ReadonlyArray<number> => {
  const out = [0]
  let at = 0
  for (const phase of phases) {
    const every = Duration.toMillis(phase.every)
    const until = Duration.toMillis(phase.until)
    while (at + every <= until) {
      at += every
      out.push(at)
    }
  }
  return out.map((ms) => ms * scale)
}

/** Formats an offset as `+h:mm:ss` (with milliseconds when under a second matters, for scaled schedules). */
export const formatOffset = (ms: number): string => {
  const total = Math.floor(ms / 1000)
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const frac = ms % 1000 === 0 ? "" : `.${String(Math.floor(ms % 1000)).padStart(3, "0")}`
  return `+${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}${frac}`
}

/** How a schedule ended: all samples taken, or stopped early by a step. */
export interface LoopResult {
  readonly samples: number
  readonly stopped: boolean
}

/**
 * Runs `step` at each offset (measured from the start with the `Clock`, so a slow step does not shift later
 * samples); stops early when a step answers `false`.
 */
export const loop = <E, R>(
  at: ReadonlyArray<number>,
  step: (index: number, offsetMs: number) => Effect.Effect<boolean, E, R>
): Effect.Effect<LoopResult, E, R> =>
  Effect.gen(function* () {
    const start = yield* Clock.currentTimeMillis
    for (let i = 0; i < at.length; i++) {
      const wait = start + at[i]! - (yield* Clock.currentTimeMillis)
      if (wait > 0) yield* Effect.sleep(Duration.millis(wait))
      if (!(yield* step(i, at[i]!))) return { samples: i + 1, stopped: true }
    }
    return { samples: at.length, stopped: false }
  })
