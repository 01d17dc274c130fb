#!/usr/bin/env bash
# Installs the pinned tools Deskchat builds and tests with. Idempotent: every step checks first,
# so a second run takes seconds. See ../shared/TOOLCHAIN.md for why each pin is what it is.
set -euo pipefail

CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.130   # must equal the `wasm-bindgen = "=…"` pin in Cargo.toml
BINARYEN_VERSION=132

export PATH="$HOME/.cargo/bin:$PATH"
want_browser=0
[ "${1:-}" = "--with-browser" ] && want_browser=1

if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  cargo install --locked "cargo-leptos@$CARGO_LEPTOS_VERSION" --features no_downloads
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  # Not --locked: its lockfile names a crate version the registry mirror lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if ! wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
  npm install -g "binaryen@$BINARYEN_VERSION"
fi

if [ "$want_browser" = 1 ]; then
  if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  fi
  (cd "$(dirname "$0")/../end2end" && { [ -d node_modules/@playwright/test ] && [ -d node_modules/@axe-core/playwright ] && [ -d node_modules/smtp-server ] || npm ci --no-audit --no-fund; })
fi
