import { assert, describe, it } from "@effect/vitest"
import { defaultLoader, headerContentSize } from "../src/internal/zstd.js"
import type { ZstdModule } from "../src/ZstdModule.js"

/** zstd-codec's own answer for a frame header: its content size, or null. */
const wasmContentSize = (generic: InstanceType<ZstdModule["Generic"]>, frame: Uint8Array): number | null => {
  const size = generic.contentSize(frame.subarray(0, 18))
  return typeof size === "number" && size >= 0 ? size : null
}

/** Deterministic bytes: text-like when `text`, else noise. */
const input = (n: number, seed: number, text: boolean) => {
  const bytes = new Uint8Array(n)
  let x = seed || 1
  for (let i = 0; i < n; i++) {
    x = (x * 1_103_515_245 + 12_345) >>> 0
    bytes[i] = text ? 97 + ((x >>> 16) % 8) : x >>> 24
  }
  return bytes
}

describe("headerContentSize", () => {
  it("reads the same content size as zstd-codec from every frame it writes (each size field width)", async () => {
    const zstd = await defaultLoader()
    const simple = new zstd.Simple()
    const generic = new zstd.Generic()
    const sizes = [0, 1, 100, 255, 256, 257, 4351, 65_535, 65_791, 65_792, 65_793, 300_000, 1_048_576]
    let read = 0
    for (const [i, n] of sizes.entries()) {
      for (const level of [1, 3]) {
        const frame = simple.compress(input(n, i + 1, i % 2 === 0), level)
        assert.isNotNull(frame)
        const js = headerContentSize(frame!)
        if (js !== undefined && n <= 300_000) read++
        assert.strictEqual(
          js ?? wasmContentSize(generic, frame!),
          wasmContentSize(generic, frame!),
          `size ${n} level ${level}`
        )
        assert.strictEqual(wasmContentSize(generic, frame!), n)
      }
    }
    // records' frames (single-segment: content within the window) are all read in JavaScript
    assert.strictEqual(read, sizes.filter((n) => n <= 300_000).length * 2)
  })

  it("anything else is left to zstd-codec, never read differently: damaged and foreign headers", async () => {
    const zstd = await defaultLoader()
    const generic = new zstd.Generic()
    const frame = new zstd.Simple().compress(input(4351, 7, true), 3)!
    for (let i = 0; i < 200; i++) {
      const damaged = frame.slice(0, 18)
      const noise = input(3, i + 1, false)
      damaged[4 + (noise[0]! % 10)] = noise[1]!
      if (noise[2]! % 4 === 0) damaged[noise[2]! % 4] = damaged[noise[2]! % 4]! ^ 0xff
      const js = headerContentSize(damaged)
      if (js !== undefined) assert.strictEqual(js, wasmContentSize(generic, damaged))
    }
    assert.strictEqual(headerContentSize(new Uint8Array([0x28, 0xb5, 0x2f])), undefined)
    assert.strictEqual(headerContentSize(new TextEncoder().encode('{"episode_id":"x"}')), undefined)
  })
})
