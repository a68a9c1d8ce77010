/**
 * Pending faults for the next pipeline requests: fail with a 5xx, reset the socket, or stall. A new fault of a
 * kind replaces the pending one of that kind. Stalled requests are released by their `ms`, by `resume`, or by stop.
 */

/** A pending failure. */
export interface PendingFail {
  readonly status: number
  readonly message: string
}

export class FaultState {
  #fail: { remaining: number; status: number; message: string } | undefined
  #reset: { remaining: number; afterExecute: boolean } | undefined
  #stall: { remaining: number; ms: number | undefined } | undefined
  readonly #stalled = new Set<() => void>()

  setFail(count: number, status: number, message: string): void {
    this.#fail = { remaining: count, status, message }
  }

  setReset(count: number, afterExecute: boolean): void {
    this.#reset = { remaining: count, afterExecute }
  }

  setStall(count: number, ms: number | undefined): void {
    this.#stall = { remaining: count, ms }
  }

  /** The failure for this request, if one is pending. */
  takeFail(): PendingFail | undefined {
    const fail = this.#fail
    if (fail === undefined) return undefined
    if (--fail.remaining <= 0) this.#fail = undefined
    return { status: fail.status, message: fail.message }
  }

  /** Whether this request's socket is to be reset, and when. */
  takeReset(): { readonly afterExecute: boolean } | undefined {
    const reset = this.#reset
    if (reset === undefined) return undefined
    if (--reset.remaining <= 0) this.#reset = undefined
    return { afterExecute: reset.afterExecute }
  }

  /** A promise that holds this request, if a stall is pending. */
  takeStall(): Promise<void> | undefined {
    const stall = this.#stall
    if (stall === undefined) return undefined
    if (--stall.remaining <= 0) this.#stall = undefined
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined
      const release = () => {
        if (timer !== undefined) clearTimeout(timer)
        this.#stalled.delete(release)
        resolve()
      }
      this.#stalled.add(release)
      if (stall.ms !== undefined) timer = setTimeout(release, stall.ms)
    })
  }

  /** How many requests are held now. */
  get stalledCount(): number {
    return this.#stalled.size
  }

  /** Releases every held request. */
  releaseStalls(): void {
    for (const release of [...this.#stalled]) release()
  }

  /** Drops pending faults (held requests stay held until released). */
  clear(): void {
    this.#fail = undefined
    this.#reset = undefined
    this.#stall = undefined
  }
}
