// The limit: bare node:http answering every request with the same prepared bytes once it has read the request's
// body (a POST's whole body crosses the hop, as it does to any API). Prints its URL, then serves.
import { createServer } from "node:http"

const body = Buffer.from(process.env["BODY"] ?? "{}")
const server = createServer((req, res) => {
  req.on("data", () => undefined)
  req.once("end", () => {
    res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": body.length })
    res.end(body)
  })
})
server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  if (typeof address === "object" && address !== null) process.stdout.write(`http://127.0.0.1:${address.port}\n`)
})
process.once("SIGTERM", () => server.close(() => process.exit(0)))
