import { assert, describe, it } from "@effect/vitest"
import * as Envelope from "../src/Envelope.js"
import * as Frames from "../src/internal/frames.js"
import { equalBytes, header, repetitive } from "./support/helpers.js"

const MiB = 1024 * 1024

describe("decodeFrames", () => {
  it("allocates the validated original length once and decodes every frame into its place", () => {
    const original = repetitive(2.5 * MiB, "frame by frame; ")
    const envelope = Envelope.stored(original)
    const h = header(envelope)
    assert.strictEqual(h.frames.length, 3)
    const targets: Array<Uint8Array> = []
    const recording: Frames.FrameDecoder = (body, target, index) => {
      targets.push(target)
      return Frames.storedDecoder(body, target, index)
    }
    const result = Frames.decodeFrames(envelope, h, recording)
    assert.isTrue(result instanceof Uint8Array && equalBytes(result, original))
    const decoded = result as Uint8Array
    // One buffer of exactly the original length; each frame was a view of it at its own offset.
    assert.strictEqual(decoded.buffer.byteLength, original.length)
    assert.deepStrictEqual(
      targets.map((t) => [t.buffer === decoded.buffer, t.byteOffset, t.length]),
      [
        [true, 0, MiB],
        [true, MiB, MiB],
        [true, 2 * MiB, MiB / 2]
      ]
    )
  })
})
