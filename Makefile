# Deskchat: `make run` runs the product, `make test` runs every test. Both install what is missing.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
# Read at compile time by Leptos; set it for plain cargo too so it shares cargo-leptos's build.
export LEPTOS_OUTPUT_NAME := deskchat

.PHONY: run test tools tools-browser build build-release test-unit test-integration test-e2e bench clean-data

tools:
	@scripts/install-tools.sh

tools-browser:
	@scripts/install-tools.sh --with-browser

build-release: tools
	cargo leptos build --release

## Run Deskchat on the embedded SQLite database in ./data (seeded with demo groups and agents).
run: build-release
	LEPTOS_SITE_ROOT=target/site target/release/deskchat --data-dir data

build: tools
	cargo leptos build

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

clean-data:
	rm -rf data

## Load figures: a release server on a fresh SQLite, driven over loopback by server/examples/loadgen.rs.
bench: build-release
	@set -e; dir=$$(mktemp -d); \
	LEPTOS_SITE_ROOT=target/site target/release/deskchat --listen 127.0.0.1:3077 --data-dir $$dir --log warn & pid=$$!; \
	trap "kill $$pid; rm -rf $$dir" EXIT; \
	for i in $$(seq 100); do curl -sf http://127.0.0.1:3077/healthz >/dev/null && break; sleep 0.1; done; \
	cargo run --quiet --release -p server --example loadgen -- http://127.0.0.1:3077 $${CHATS:-1000} $$pid
