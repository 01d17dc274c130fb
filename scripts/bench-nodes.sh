#!/usr/bin/env bash
# One node against two nodes sharing one PostgreSQL, same load: the `throughput` scenario of
# server/examples/loadgen on the release build in target/ (`make build-release` first).
# Each run gets a fresh database; servers are stopped and databases dropped on any exit.
# Settings: POSTGRES_URL (postgres://postgres@127.0.0.1), BENCH_NODES_PORT (3087; and the next
# one for the second node), SENDERS (256), THROUGHPUT_SECONDS (20), DESKCHAT and LOADGEN (the
# binaries: target/release/…, or an older build's to measure before and after). Loopback only.
# SCENARIO=routing NODES=2 runs issue 17's `routing` instead (WAITING, AGENTS, PROBES), on two
# nodes only (its one-node figures come from `make bench`, on SQLite).
set -euo pipefail
cd "$(dirname "$0")/.."
POSTGRES_URL=${POSTGRES_URL:-postgres://postgres@127.0.0.1}
BENCH_NODES_PORT=${BENCH_NODES_PORT:-3087}
SENDERS=${SENDERS:-256}
THROUGHPUT_SECONDS=${THROUGHPUT_SECONDS:-20}
SCENARIO=${SCENARIO:-throughput}
WAITING=${WAITING:-5000}
AGENTS=${AGENTS:-200}
PROBES=${PROBES:-200}

DESKCHAT=${DESKCHAT:-target/release/deskchat}
LOADGEN=${LOADGEN:-target/release/examples/loadgen}
test -x "$DESKCHAT" || { echo "no $DESKCHAT: run make build-release first" >&2; exit 1; }
pg_isready -q -h 127.0.0.1 || { echo "PostgreSQL is not answering on 127.0.0.1:5432" >&2; exit 1; }
test -x "$LOADGEN" || cargo build --quiet --release -p server --example loadgen
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

dir=$(mktemp -d)
pids=()
dbs=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  pids=()
  for db in "${dbs[@]}"; do psql -q "$POSTGRES_URL/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; done
  dbs=()
}
trap 'stop; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM

healthy() { curl -sf "http://127.0.0.1:$1/healthz" >/dev/null; }

# Starts $1 nodes on a fresh database (the second only once the first has seeded it), runs the
# scenario across them, and leaves its rows in $dir/rows$1.
measure() {
  local nodes=$1 db="deskchat_bench_nodes_${1}_$$" args=() port pid
  psql -q "$POSTGRES_URL/postgres" -c "CREATE DATABASE $db"
  dbs+=("$db")
  for k in $(seq 0 $((nodes - 1))); do
    port=$((BENCH_NODES_PORT + k))
    if healthy "$port"; then echo "port $port is taken" >&2; return 1; fi
    "$DESKCHAT" --listen "127.0.0.1:$port" --database-url "$POSTGRES_URL/$db" \
      --data-dir "$dir" --log warn --seed-demo --plain-http \
      --chats-per-minute 0 --log-ons-per-minute 0 --posts-per-minute 0 --waiting-messages 0 \
      --sockets-per-chat 0 --sockets-per-address 0 --sockets-total 0 >"$dir/node$k.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 300); do healthy "$port" && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    healthy "$port" || { echo "node on $port did not come up; its log:" >&2; cat "$dir/node$k.log" >&2; return 1; }
    if [ "$k" = 0 ]; then args+=(--base "http://127.0.0.1:$port" --pid "$pid")
    else args+=(--also-base "http://127.0.0.1:$port" --also-pid "$pid"); fi
  done
  local scenario=(--senders "$SENDERS" --throughput-seconds "$THROUGHPUT_SECONDS" throughput)
  if [ "$SCENARIO" = routing ]; then scenario=(--agents "$AGENTS" --probes "$PROBES" routing "$WAITING"); fi
  "$LOADGEN" "${args[@]}" "${scenario[@]}" >"$dir/rows$nodes" \
    || { echo "$SCENARIO on $nodes node(s) failed; the logs end:" >&2; tail -n 20 "$dir"/node*.log >&2; return 1; }
  stop
}

rate() { sed -n 's/^| throughput: [0-9,]* end users.*| \([0-9,]*\) msg\/s acknowledged.*/\1/p' "$dir/rows$1" | tr -d ,; }

echo "| what | figure |"
echo "|---|---|"
if [ "$SCENARIO" = routing ]; then
  measure "${NODES:-2}"
  cat "$dir/rows${NODES:-2}"
  exit 0
fi
measure 1
sed 's/^| /| 1 node: /' "$dir/rows1"
measure 2
sed 's/^| /| 2 nodes: /' "$dir/rows2"
one=$(rate 1)
two=$(rate 2)
[ -n "$one" ] && [ -n "$two" ] || { echo "no msg/s row in the output" >&2; exit 1; }
echo "| two nodes on one PostgreSQL vs one node, $SENDERS senders, $THROUGHPUT_SECONDS s | $one → $two msg/s: **$(awk "BEGIN { printf \"%.2f\", $two / $one }")×** |"
