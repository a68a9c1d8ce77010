export * from "./emit.js"
export * from "./Result.js"
