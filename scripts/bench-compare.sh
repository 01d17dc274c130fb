#!/usr/bin/env bash
# Before and after in one go: the same load generator runs the same scenarios against two server
# binaries, one after the other, each on a fresh SQLite, so the two figures share the machine's
# moment (on a shared, noisy machine their ratio holds where absolute latencies do not).
#   scripts/bench-compare.sh BEFORE_BINARY AFTER_BINARY [scenario …]   (default: throughput chat)
# Build a "before" binary from an older commit, e.g.
#   git worktree add /tmp/before <commit> && (cd /tmp/before && cargo build --release -p server --bin deskchat)
# Settings: BENCH_PORT (3097), SENDERS (256), THROUGHPUT_SECONDS (20), CHATS (1000),
# CHAT_SECONDS (30), LOADGEN (target/release/examples/loadgen), LOADGEN_BEFORE (LOADGEN; across a
# change of the wire protocol, the older commit's own load generator). Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
before=$1 after=$2
shift 2
scenarios=("${@:-throughput}")
[ $# -eq 0 ] && scenarios=(throughput chat)
BENCH_PORT=${BENCH_PORT:-3097}
LOADGEN=${LOADGEN:-target/release/examples/loadgen}
test -x "$LOADGEN" || cargo build --quiet --release -p server --example loadgen
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
dir=$(mktemp -d)
pid=
stop() {
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=
}
trap 'stop; rm -rf "$dir"' EXIT
echo "| run | what | figure |"
echo "|---|---|---|"
for scenario in "${scenarios[@]}"; do
  for which in before after; do
    binary=$before loadgen=${LOADGEN_BEFORE:-$LOADGEN}
    if [ "$which" = after ]; then binary=$after loadgen=$LOADGEN; fi
    data=$(mktemp -d -p "$dir")
    LEPTOS_SITE_ROOT=target/site "$binary" --listen "127.0.0.1:$BENCH_PORT" --data-dir "$data" --log warn --seed-demo \
      --plain-http --chats-per-minute 0 --log-ons-per-minute 0 --posts-per-minute 0 --waiting-messages 0 \
      --sockets-per-chat 0 --sockets-per-address 0 --sockets-total 0 >"$data/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 300); do curl -sf "http://127.0.0.1:$BENCH_PORT/healthz" >/dev/null && break; sleep 0.1; done
    "$loadgen" --base "http://127.0.0.1:$BENCH_PORT" --pid "$pid" --senders "${SENDERS:-256}" \
      --throughput-seconds "${THROUGHPUT_SECONDS:-20}" --chats "${CHATS:-1000}" --chat-seconds "${CHAT_SECONDS:-30}" \
      "$scenario" | grep '^| ' | grep -v '^| what\|^|---' | sed "s/^| /| $which | /"
    stop
  done
done
