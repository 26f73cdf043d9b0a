#!/usr/bin/env bash
# Runs the headless-Chromium smoke test against a built gangju binary.
# Usage: e2e/run.sh [path/to/gangju]   (default: target/debug/gangju in the repo root)
# Env: CHROMIUM=/path/to/chromium (default /usr/bin/chromium).
set -euo pipefail

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(dirname "$E2E_DIR")"
BIN="${1:-$ROOT_DIR/target/debug/gangju}"

# Resolve the binary path against the caller's directory before we cd away.
case "$BIN" in
  /*) ;;
  *) BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")" ;;
esac
if [ ! -x "$BIN" ]; then
  echo "e2e: gangju binary not found or not executable: $BIN" >&2
  exit 2
fi

cd "$E2E_DIR"
if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi

GANGJU_BIN="$BIN" node smoke.mjs
