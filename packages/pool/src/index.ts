export * as Database from "./Database.js"
export * as DatabaseConfig from "./DatabaseConfig.js"
export * from "./DatabaseError.js"
