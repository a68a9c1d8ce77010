/** The compression ratio (stored bytes over JSON bytes) of the latest `size` writes: a moving window. */
export class RatioWindow {
  private readonly json: Float64Array
  private readonly stored: Float64Array
  private next = 0
  private filled = 0
  private jsonTotal = 0
  private storedTotal = 0

  constructor(readonly size: number) {
    this.json = new Float64Array(size)
    this.stored = new Float64Array(size)
  }

  /** Adds one write; the oldest leaves once the window is full. */
  add(jsonBytes: number, storedBytes: number): void {
    if (this.filled === this.size) {
      this.jsonTotal -= this.json[this.next]!
      this.storedTotal -= this.stored[this.next]!
    } else this.filled++
    this.json[this.next] = jsonBytes
    this.stored[this.next] = storedBytes
    this.jsonTotal += jsonBytes
    this.storedTotal += storedBytes
    this.next = (this.next + 1) % this.size
  }

  /** Whether `size` writes are in it. */
  get full(): boolean {
    return this.filled === this.size
  }

  /** The ratio of the writes in it; NaN when empty. */
  get ratio(): number {
    return this.jsonTotal === 0 ? Number.NaN : this.storedTotal / this.jsonTotal
  }

  clear(): void {
    this.next = 0
    this.filled = 0
    this.jsonTotal = 0
    this.storedTotal = 0
  }
}
