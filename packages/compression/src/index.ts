/**
 * @since 0.1.0
 */
export * as Codec from "./Codec.js"
export * as CodecError from "./CodecError.js"
export type { CodecStats } from "./CodecStats.js"
export * as CompressionConfig from "./CompressionConfig.js"
export * as Dictionary from "./Dictionary.js"
export * as Envelope from "./Envelope.js"
export { isEnvelope } from "./Envelope.js"
