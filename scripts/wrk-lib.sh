# Shared by scripts/load.sh and scripts/loopback.sh (sourced, not run): a server on
# 127.0.0.1:$PORT started and stopped by its PID, and one bounded wrk run.
#
#   start_server URL CMD...    runs CMD in the background, waits for URL to answer
#   stop_server                stops it (also on exit)
#   wrk_run THREADS URL        prints "req/s p99 errors" of one run of $DURATION s
#                              at $CONNECTIONS connections

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl; }

server=""
stop_server() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  server=""
}
trap stop_server EXIT

start_server() {
  local url=$1
  shift
  "$@" >/dev/null 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "$url" && return 0
    sleep 0.1
  done
  echo "$(basename "$0"): the server ($*) did not start" >&2
  exit 1
}

wrk_run() {
  local out
  out=$(timeout $((DURATION + 30)) wrk -t"$1" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$2")
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
    "$(echo "$out" | awk '$1 == "99%" {print $2}')" \
    "$(echo "$out" | awk '/Socket errors|Non-2xx/ {print}' | tr '\n' ' ')"
}
