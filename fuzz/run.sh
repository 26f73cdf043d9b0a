#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 20, as CI does), starting from the seeds in
# fuzz/seeds/<target>/ copied into a scratch corpus, so nothing the fuzzer adds lands in git.
# Longer runs: `bash fuzz/run.sh 600`. Exits non-zero if any target crashes, naming the input.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET="${1:-20}"
TARGETS=(import_xlsx import_csv multipart_upload form_decode audit_chain)

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo +nightly install cargo-fuzz --locked
fi

cargo +nightly fuzz build

scratch="fuzz/target/corpus"
failed=()
for target in "${TARGETS[@]}"; do
  corpus="$scratch/$target"
  mkdir -p "$corpus"
  cp fuzz/seeds/"$target"/* "$corpus"/
  echo "== fuzz $target (${SECONDS_PER_TARGET}s)"
  log="fuzz/target/fuzz-$target.log"
  if cargo +nightly fuzz run "$target" "$corpus" -- \
    -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$log" || true
  else
    tail -n 60 "$log"
    echo "!! $target failed; crashing input: $(grep -oE 'fuzz/artifacts/[^ ]+' "$log" | tail -n 1)"
    failed+=("$target")
  fi
done

if ((${#failed[@]})); then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]} (inputs under fuzz/artifacts/; reproduce with"
  echo "  cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>)"
  exit 1
fi
echo "fuzz: all ${#TARGETS[@]} targets ran ${SECONDS_PER_TARGET}s without a crash"
