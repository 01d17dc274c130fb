#!/usr/bin/env bash
# Lighthouse (mobile, its default form factor and throttling) on the widget, the log-on page and
# the console of a fresh release server with the demo data: prints each page's four category
# scores (performance, accessibility, best practices, SEO) and the audits below 1 that cost them.
# `make lighthouse`; the release build must exist (`make build-release`). Lighthouse itself is
# installed once under target/lighthouse (npm registry); Chromium is Debian's.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${LIGHTHOUSE_PORT:-3088}
URL="http://127.0.0.1:$PORT"
TOOLS=target/lighthouse
CHROME_PATH=${CHROMIUM_PATH:-/usr/bin/chromium}
export CHROME_PATH

if [ ! -x "$TOOLS/node_modules/.bin/lighthouse" ]; then
  mkdir -p "$TOOLS"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS" lighthouse@12.8.2 >/dev/null
fi

DATA=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$DATA"' EXIT
LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=deskchat DESKCHAT_LOG=warn \
  "${DESKCHAT_BIN:-target/release/deskchat}" --listen "127.0.0.1:$PORT" --data-dir "$DATA" --seed-demo --plain-http >/dev/null 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.1; done

# The console needs a session: log alice on and hand Lighthouse her cookie.
COOKIE=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' -H "Origin: $URL" \
  -d '{"email":"alice@deskchat.test","password":"deskchat-demo"}' "$URL/api/log_on" \
  | grep -i '^set-cookie: deskchat_session=' | sed -E 's/^[Ss]et-[Cc]ookie: ([^;]*).*/\1/')

for page in widget login console; do
  headers='{}'
  [ "$page" = console ] && headers="{\"Cookie\":\"$COOKIE\"}"
  "$TOOLS/node_modules/.bin/lighthouse" "$URL/$page" --quiet --output=json --output-path="$DATA/$page.json" \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu" --extra-headers="$headers" >/dev/null 2>&1
  node -e '
    const r = require(process.argv[1]);
    const c = r.categories;
    const score = (k) => Math.round(c[k].score * 100);
    console.log(`/${process.argv[2]}: performance ${score("performance")}, accessibility ${score("accessibility")}, best practices ${score("best-practices")}, SEO ${score("seo")}`);
    for (const [key, cat] of Object.entries(c)) {
      for (const ref of cat.auditRefs) {
        const a = r.audits[ref.id];
        if (ref.weight > 0 && a.score !== null && a.score < 1) console.log(`  ${key}: ${a.id} (${a.score}) ${a.displayValue ?? ""}`);
      }
    }
    const m = r.audits;
    const lcp = m["largest-contentful-paint-element"]?.details?.items?.[0]?.items?.[0]?.node?.selector ?? "?";
    console.log(`  FCP ${m["first-contentful-paint"].displayValue}, LCP ${m["largest-contentful-paint"].displayValue} (${lcp}), TBT ${m["total-blocking-time"].displayValue}, CLS ${m["cumulative-layout-shift"].displayValue}`);
  ' "$DATA/$page.json" "$page"
done
