export * from "./emit.js"
export * from "./Result.js"
export * from "./RunResult.js"
export * from "./Stats.js"
