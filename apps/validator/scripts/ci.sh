#!/usr/bin/env bash
# CI check of a fresh API: starts it on the embedded default (a file database in a temp dir, a free port), waits
# for its "listening" line, runs `validator run` against it, stops it with SIGTERM and exits with the validator's
# exit code (0 pass, 1 criterion failed, 2 rollback trigger, 3 API unreachable or garbage, 4 usage error).
# Builds nothing: it runs the built API, validator and test server with plain node (`pnpm build` first; `pnpm test`
# builds) and stops with exit code 4 when a build is missing. Extra arguments go to `validator run` (e.g.
# --samples 20, --thresholds FILE, --baseline FILE).
# Environment: VALIDATOR_REPORT_DIR (default: <temp dir>/report, kept), API_START_TIMEOUT_S (default 60).
# Remote profile: with REMOTE_RTT_MS set, the API runs against the libSQL test server (packages/testkit) started with
# that round-trip time, REMOTE_CONNECT_MS (default 45) per new connection, a 5 s idle timeout and a token.
# Every exit path (normal end, a start-up failure, SIGINT/SIGTERM/SIGHUP) stops the API and the test server.
set -uo pipefail

root="$(cd "$(dirname "$0")/../../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/validator-ci.XXXXXX")"
report_dir="${VALIDATOR_REPORT_DIR:-$work/report}"
timeout_s="${API_START_TIMEOUT_S:-60}"
api_log="$work/api.log"
api_pid=""
db_pid=""

stop_api() {
  if [ -n "$api_pid" ] && kill -0 "$api_pid" 2>/dev/null; then
    kill -TERM "$api_pid" 2>/dev/null
    wait "$api_pid" 2>/dev/null
    api_code=$?
    [ "$api_code" -eq 0 ] || echo "ci.sh: the API exited with $api_code after SIGTERM" >&2
  fi
  api_pid=""
}
stop_db() {
  if [ -n "$db_pid" ] && kill -0 "$db_pid" 2>/dev/null; then
    kill -TERM "$db_pid" 2>/dev/null
    wait "$db_pid" 2>/dev/null
  fi
  db_pid=""
}
cleanup() {
  stop_api
  stop_db
  rm -f "$work"/memory.db*
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Wait until a log file has a line matching a sed expression; print what it captured.
wait_for() {
  local log="$1" expr="$2" pid="$3" what="$4" found=""
  for _ in $(seq 1 $((timeout_s * 10))); do
    found="$(sed -n "$expr" "$log" | head -n 1)"
    [ -n "$found" ] && { echo "$found"; return 0; }
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "ci.sh: $what exited before listening:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "ci.sh: $what did not print its listening line within ${timeout_s}s:" >&2
  cat "$log" >&2
  return 1
}

cd "$root"
for built in apps/api/dist/main.js apps/validator/dist/main.js packages/testkit/dist/cli.js; do
  [ -f "$built" ] || { echo "ci.sh: $built is missing: run pnpm build first" >&2; exit 4; }
done
db_url="file:$work/memory.db"
db_token=""
if [ -n "${REMOTE_RTT_MS:-}" ]; then
  db_log="$work/testkit.log"
  db_token="ci-$RANDOM$RANDOM"
  node packages/testkit/dist/cli.js --port 0 --rtt-ms "$REMOTE_RTT_MS" \
    --connect-ms "${REMOTE_CONNECT_MS:-45}" --idle-timeout-ms 5000 --token "$db_token" >"$db_log" 2>&1 &
  db_pid=$!
  echo "ci.sh: started the libSQL test server (pid $db_pid)" >&2
  db_url="$(wait_for "$db_log" 's/.*listening on \(http:[^ ]*\).*/\1/p' "$db_pid" "the test server")" || exit 3
  echo "ci.sh: libSQL test server at $db_url (rtt ${REMOTE_RTT_MS} ms, connect ${REMOTE_CONNECT_MS:-45} ms)" >&2
fi
PORT=0 HOST=127.0.0.1 TURSO_DB_URL="$db_url" TURSO_AUTH_TOKEN="$db_token" node apps/api/dist/main.js >"$api_log" 2>&1 &
api_pid=$!
echo "ci.sh: started the API (pid $api_pid)" >&2

url="$(wait_for "$api_log" 's/.*"message":"memory-turso API listening".*"url":"\([^"]*\)".*/\1/p' "$api_pid" "the API")" || exit 3
echo "ci.sh: API listening at $url (log: $api_log)" >&2

node apps/validator/dist/main.js run --url "$url" --report-dir "$report_dir" --format markdown "$@"
code=$?

stop_api
stop_db
echo "ci.sh: validator exit code $code; report in $report_dir" >&2
exit "$code"
