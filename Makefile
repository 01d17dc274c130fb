# Deskchat: `make run` runs the product, `make test` runs every test. Both install what is missing.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
# Read at compile time by Leptos; set it for plain cargo too so it shares cargo-leptos's build.
export LEPTOS_OUTPUT_NAME := deskchat

.PHONY: lighthouse run test tools tools-browser build build-release test-unit test-integration test-e2e fuzz bench bench-quick bench-run bench-nodes bench-routing bench-compare bench-reports bench-reports-pg clean-data

tools:
	@scripts/install-tools.sh

tools-browser:
	@scripts/install-tools.sh --with-browser

## --precompress writes .br and .gz beside every asset; the server sends them as they are.
## --split cuts each WASM at its `#[lazy]` functions and lazy routes into chunks loaded when
## first needed (the widget's chat, the console's records, canned and admin pages).
## Two cargo-leptos projects (Cargo.toml): the whole app with the server, then the widget's own
## WASM (end users do not download the console), copied beside it, since cargo-leptos empties a
## project's site root on every build.
build-release: tools
	cargo leptos build --release --precompress --split --project deskchat
	LEPTOS_OUTPUT_NAME=widget cargo leptos build --release --precompress --split --project widget --frontend-only
	cp -r target/site-widget/pkg/. target/site/pkg/

## Run Deskchat on the embedded SQLite database in ./data (seeded with demo groups and agents).
run: build-release
	LEPTOS_SITE_ROOT=target/site target/release/deskchat --data-dir data --seed-demo --plain-http

build: tools
	cargo leptos build --split --project deskchat
	LEPTOS_OUTPUT_NAME=widget cargo leptos build --split --project widget --frontend-only
	cp -r target/site-widget/pkg/. target/site/pkg/

## Every test: unit (domain core, auth, UI models), integration (real server + SQLite), Playwright.
test: tools-browser build test-unit test-integration test-integration-pg test-e2e

test-unit:
	cargo test -p app --features ssr

test-integration:
	cargo test -p server

## The same integration suite on PostgreSQL (a fresh database per test server).
POSTGRES_URL ?= postgres://postgres@127.0.0.1
test-integration-pg:
	@pg_isready -q -h 127.0.0.1 || { echo "PostgreSQL is not answering on 127.0.0.1:5432 (POSTGRES_URL=$(POSTGRES_URL))"; exit 1; }
	DESKCHAT_TEST_POSTGRES=$(POSTGRES_URL) cargo test -p server

test-e2e:
	cd end2end && npx playwright test

## Fuzzing what clients send (app/tests/fuzz.rs): the WebSocket frame decoding and every server
## function's argument decoding, then the validators; none may panic. FUZZ_CASES inputs per
## property (6 properties; `make test` runs 200 each); prints each property's count and the total.
## Not part of `make test` (README: how long it takes).
FUZZ_CASES ?= 170000
fuzz:
	@start=$$(date +%s); \
	FUZZ_CASES=$(FUZZ_CASES) cargo test -p app --features ssr --test fuzz -- --nocapture --test-threads 2 2>&1 \
	  | tee /dev/stderr | grep -o '[0-9]* inputs, none panicked' | awk -v start=$$start \
	    '{ n += $$1 } END { "date +%s" | getline now; printf "fuzz: %d inputs in all, none panicked, in %d s\n", n, now - start; exit (n == 0) }'; \
	test $${PIPESTATUS[0]} -eq 0 -a $${PIPESTATUS[3]} -eq 0

## Lighthouse (mobile) on /widget, /login and /console of the release build: prints each page's
## four scores and what costs them (scripts/lighthouse.sh). Not part of `make test`.
lighthouse: build-release
	@scripts/lighthouse.sh

clean-data:
	rm -rf data

## Load figures: each scenario of server/examples/loadgen (sockets, accept, chat, throughput,
## console, bytes, records, routing, abuse) against a fresh release server on a fresh SQLite, over loopback; prints a
## Markdown table. Sizes scale down with environment variables, e.g. `SOCKETS=2000 make bench`.
## `make bench-nodes` (below) measures one node against two nodes sharing one PostgreSQL.
BENCH_PORT ?= 3077
## `accept-plain` is `accept` on a server started with --interactions-on-accept false: what
## opening the Interaction adds to Accept, measured in the same run.
## `chat-typing` is `chat` with both sides of every chat typing too (issue 7's typing signals).
BENCH_SCENARIOS ?= sockets accept accept-plain chat chat-typing throughput console bytes records routing abuse
## The load is all from loopback: the limits on one client (ssr/limits.rs) are off, except for
## `abuse`, which measures them.
BENCH_UNLIMITED = --chats-per-minute 0 --log-ons-per-minute 0 --posts-per-minute 0 --waiting-messages 0 \
	--sockets-per-chat 0 --sockets-per-address 0 --sockets-total 0
SOCKETS ?= 20000
WAITING ?= 5000
ACCEPTS ?= 200
CHATS ?= 1000
CHAT_SECONDS ?= 30
SENDERS ?= 256
THROUGHPUT_SECONDS ?= 20
QUEUED ?= 1000
RECORDS ?= 100000
ACTIVE ?= 50
REPEAT ?= 200
AGENTS ?= 200
PROBES ?= 200
BENCH_SIZES = --sockets $(SOCKETS) --waiting $(WAITING) --accepts $(ACCEPTS) --chats $(CHATS) \
	--chat-seconds $(CHAT_SECONDS) --senders $(SENDERS) --throughput-seconds $(THROUGHPUT_SECONDS) \
	--queued $(QUEUED) --active $(ACTIVE) --repeat $(REPEAT) --records $(RECORDS) --agents $(AGENTS) --probes $(PROBES)

bench: build-release
	@$(MAKE) --no-print-directory bench-run
	@$(MAKE) --no-print-directory bench-reports

## The same with small sizes: about two minutes once built.
bench-quick: build-release
	@$(MAKE) --no-print-directory bench-run SOCKETS=1000 WAITING=500 ACCEPTS=50 CHATS=100 CHAT_SECONDS=10 \
		SENDERS=32 THROUGHPUT_SECONDS=5 QUEUED=200 ACTIVE=10 REPEAT=50 RECORDS=5000 AGENTS=50 PROBES=50

## The scenarios alone, on the release build already in target/ (bench and bench-quick build it).
## Open files: the server and the load generator each hold one per socket.
bench-run:
	cargo build --release -p server --example loadgen
	@ulimit -n 1048576 2>/dev/null || ulimit -n $$(ulimit -Hn); \
	echo "open-file limit for the server and the load generator: $$(ulimit -n)" >&2; \
	echo "| what | figure |"; echo "|---|---|"; \
	for scenario in $(BENCH_SCENARIOS); do \
	  dir=$$(mktemp -d); flags="$(BENCH_UNLIMITED)"; variant=""; run=$$scenario; \
	  if [ $$scenario = abuse ]; then flags=""; fi; \
	  if [ $$scenario = accept-plain ]; then \
	    run=accept; flags="$$flags --interactions-on-accept false"; variant="--variant no-interaction-on-accept"; fi; \
	  if [ $$scenario = chat-typing ]; then run="--typing chat"; variant="--variant both-sides-typing"; fi; \
	  LEPTOS_SITE_ROOT=target/site target/release/deskchat --listen 127.0.0.1:$(BENCH_PORT) --data-dir $$dir \
	    --log warn --seed-demo --plain-http $$flags >$$dir/server.log 2>&1 & pid=$$!; \
	  trap "kill $$pid 2>/dev/null; rm -rf $$dir" EXIT; \
	  for i in $$(seq 100); do curl -sf http://127.0.0.1:$(BENCH_PORT)/healthz >/dev/null && break; sleep 0.1; done; \
	  target/release/examples/loadgen --base http://127.0.0.1:$(BENCH_PORT) --pid $$pid $(BENCH_SIZES) $$variant $$run \
	    || { status=1; echo "$$scenario failed; the server's log ends:" >&2; tail -n 20 $$dir/server.log >&2; }; \
	  kill $$pid 2>/dev/null; \
	  for i in $$(seq 50); do kill -0 $$pid 2>/dev/null || break; sleep 0.1; done; \
	  kill -9 $$pid 2>/dev/null; wait $$pid 2>/dev/null; rm -rf $$dir; trap - EXIT; \
	done; \
	exit $${status:-0}

## Reports (issue 18): a 90-day report of every group, timed as the server spends it, on a
## history of REPORT_CHATS chats (1,000,000) over a year written straight into a fresh SQLite
## file (server/examples/reports_bench.rs); `make bench-reports-pg` the same on a fresh
## PostgreSQL database. Prints p50/p99/max and the CPU per report.
REPORT_CHATS ?= 1000000
REPORT_RUNS ?= 30
bench-reports:
	cargo build --release -p server --example reports_bench
	target/release/examples/reports_bench --chats $(REPORT_CHATS) --runs $(REPORT_RUNS)

bench-reports-pg:
	cargo build --release -p server --example reports_bench
	@db=deskchat_reports_$$$$; psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE $$db" && \
	target/release/examples/reports_bench --chats $(REPORT_CHATS) --runs $(REPORT_RUNS) --database $(POSTGRES_URL)/$$db; \
	status=$$?; psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE $$db"; exit $$status

## Before and after in one go: `make bench-compare BEFORE=path/to/old/deskchat` runs `throughput`
## and `chat` against that binary and the release build in target/, one after the other
## (scripts/bench-compare.sh; SCENARIOS="throughput" to choose).
bench-compare:
	@test -n "$(BEFORE)" || { echo "BEFORE=path/to/an/older/deskchat binary is required" >&2; exit 1; }
	cargo build --release -p server --bin deskchat --example loadgen
	SENDERS=$(SENDERS) THROUGHPUT_SECONDS=$(THROUGHPUT_SECONDS) CHATS=$(CHATS) CHAT_SECONDS=$(CHAT_SECONDS) \
	  BENCH_PORT=$(BENCH_PORT) scripts/bench-compare.sh $(BEFORE) target/release/deskchat $(SCENARIOS)

## Scaling out: `throughput` (SENDERS, THROUGHPUT_SECONDS) on one release node on a fresh
## PostgreSQL database, then on two nodes sharing another fresh one (senders split round robin);
## prints both runs' rows and the ratio of their msg/s as a Markdown row. Runs on the release
## build already in target/ (`make build-release` first), over loopback, ports BENCH_NODES_PORT
## and the next; the databases are dropped and the servers stopped at the end, also on failure.
BENCH_NODES_PORT ?= 3087
bench-nodes:
	@SENDERS=$(SENDERS) THROUGHPUT_SECONDS=$(THROUGHPUT_SECONDS) POSTGRES_URL=$(POSTGRES_URL) \
	  BENCH_NODES_PORT=$(BENCH_NODES_PORT) scripts/bench-nodes.sh

## Auto-assign across nodes (issue 17): `routing` (WAITING requests, AGENTS agents split over
## the nodes, PROBES) on two release nodes sharing a fresh PostgreSQL database; ports as above.
bench-routing:
	@WAITING=$(WAITING) AGENTS=$(AGENTS) PROBES=$(PROBES) POSTGRES_URL=$(POSTGRES_URL) \
	  BENCH_NODES_PORT=$(BENCH_NODES_PORT) SCENARIO=routing NODES=2 scripts/bench-nodes.sh
