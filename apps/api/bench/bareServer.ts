// The limit: bare node:http answering every request with the same prepared bytes. Prints its URL, then serves.
import { createServer } from "node:http"

const body = Buffer.from(process.env["BODY"] ?? "{}")
const server = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": body.length })
  res.end(body)
})
server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  if (typeof address === "object" && address !== null) process.stdout.write(`http://127.0.0.1:${address.port}\n`)
})
process.once("SIGTERM", () => server.close(() => process.exit(0)))
