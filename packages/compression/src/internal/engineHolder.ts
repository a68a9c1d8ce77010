/**
 * The zstd engine's lifecycle: loaded once at start, replaced in the background after an abort (retried with a
 * capped backoff until a load succeeds), freed when the scope closes. Encodes never wait for a reload; decodes of
 * zstd rows wait for it a bounded time.
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberId from "effect/FiberId"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import type { ZstdLoader, ZstdModule } from "../ZstdModule.js"
import type { Counters } from "./counters.js"
import { makeEngine, ZstdAbort, type ZstdEngine } from "./zstd.js"

/** How long one load may take before it counts as failed. */
export const LOAD_TIMEOUT = Duration.seconds(30)
/** Wait before the first retry of a failed reload; doubles after each failure... */
export const RELOAD_BACKOFF_INITIAL = Duration.seconds(1)
/** ...up to this. */
export const RELOAD_BACKOFF_MAX = Duration.seconds(30)
/** How long a decode of a zstd row waits for a reload in progress before it fails with `UnsupportedFormat`. */
export const DECODE_RELOAD_WAIT = Duration.seconds(5)
/** After the first failed reload, one warning per this many failures. */
const LOG_EVERY_FAILURES = 20

export interface EngineHolder {
  /** The engine now, without waiting (undefined: not loaded, or being reloaded). */
  readonly current: () => ZstdEngine | undefined
  /** True while a reload after an abort is in progress (including its backoff). */
  readonly reloading: () => boolean
  /** The engine for a decode: waits up to DECODE_RELOAD_WAIT for a reload in progress. */
  readonly forDecode: Effect.Effect<ZstdEngine | undefined>
  /**
   * `seen` threw: marks it dead at once (synchronously, so no other fiber uses it again) and wakes the background
   * reloader. Later calls about the same engine do nothing.
   */
  readonly aborted: (seen: ZstdEngine, detail: string) => Effect.Effect<void>
}

const describe = (error: unknown): string => (error instanceof ZstdAbort ? error.detail : String(error)).slice(0, 200)

/** Loads the first engine (one attempt) and starts the reloader fiber in the current scope. */
export const make = (
  loader: ZstdLoader | undefined,
  /** Read whenever an engine is built: registrations made later reach reloaded engines too. */
  dictionaries: ReadonlyMap<number, Uint8Array>,
  level: number,
  counters: Counters
): Effect.Effect<EngineHolder, never, Scope.Scope> =>
  Effect.gen(function* () {
    const state: { engine: ZstdEngine | undefined; reloading: Deferred.Deferred<void> | undefined; closed: boolean } = {
      engine: undefined,
      reloading: undefined,
      closed: false
    }

    // The engine is built and installed in one synchronous step, so it holds every dictionary registered up to
    // the moment it is installed; later registrations go to it directly.
    const install = (zstd: ZstdModule) => {
      const engine = makeEngine(zstd, dictionaries, level)
      if (state.closed) engine.close()
      else state.engine = engine
    }

    const load: Effect.Effect<Either.Either<void, string>> = Effect.suspend(() =>
      loader === undefined
        ? Effect.succeed(Either.left("no loader"))
        : Effect.tryPromise({ try: () => loader(), catch: (cause) => cause }).pipe(
            Effect.timeoutFail({
              duration: LOAD_TIMEOUT,
              onTimeout: () => new Error("zstd-codec did not start in 30 s")
            }),
            Effect.flatMap((zstd) => Effect.try({ try: () => install(zstd), catch: (c) => c })),
            Effect.mapError(describe),
            Effect.either
          )
    )

    if (loader !== undefined) {
      const first = yield* load
      if (Either.isLeft(first))
        yield* Effect.logWarning(
          `zstd-codec is unavailable (${first.left}): values are stored uncompressed and zstd rows cannot be read`
        )
    }

    // The reloader: wakes after an abort and loads a new engine, retrying with a capped backoff until it succeeds.
    const wake = yield* Queue.sliding<Deferred.Deferred<void>>(1)
    const reloadUntilLoaded = (done: Deferred.Deferred<void>) =>
      Effect.gen(function* () {
        let delay = RELOAD_BACKOFF_INITIAL
        let failures = 0
        for (;;) {
          const next = yield* load
          if (Either.isRight(next)) {
            counters.codec_restarts++
            return
          }
          failures++
          counters.codec_reload_failures++
          if (failures === 1 || failures % LOG_EVERY_FAILURES === 0)
            yield* Effect.logWarning(
              `zstd-codec could not be reloaded after an abort (${next.left}; ${failures} failed attempts): values are stored uncompressed, zstd rows cannot be read; retrying in ${Duration.format(delay)}`
            )
          yield* Effect.sleep(delay)
          delay = Duration.min(Duration.times(delay, 2), RELOAD_BACKOFF_MAX)
        }
      }).pipe(
        Effect.ensuring(
          Effect.suspend(() => {
            if (state.reloading === done) state.reloading = undefined
            return Deferred.succeed(done, undefined)
          })
        )
      )
    yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(wake), reloadUntilLoaded)))

    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        state.closed = true
        state.engine?.close()
        state.engine = undefined
      })
    )

    const aborted = (seen: ZstdEngine, detail: string): Effect.Effect<void> => {
      if (state.engine !== seen || state.closed) return Effect.void
      state.engine = undefined
      seen.close()
      const done = Deferred.unsafeMake<void>(FiberId.none)
      state.reloading = done
      wake.unsafeOffer(done)
      return Effect.logWarning(`zstd-codec instance aborted (${detail}); replacing it in the background`)
    }

    const forDecode: Effect.Effect<ZstdEngine | undefined> = Effect.suspend(() =>
      state.reloading === undefined
        ? Effect.void
        : Effect.ignore(Effect.timeout(Deferred.await(state.reloading), DECODE_RELOAD_WAIT))
    ).pipe(Effect.map(() => state.engine))

    return {
      current: () => state.engine,
      reloading: () => state.reloading !== undefined,
      forDecode,
      aborted
    }
  })
