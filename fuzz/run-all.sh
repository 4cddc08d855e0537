#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600) with cargo-fuzz on the stable toolchain
# (no sanitizer: Rust's own checks catch what matters here, panics and overflows in debug
# assertions), growing the corpora kept in fuzz/corpus/. Usage: fuzz/run-all.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-600}; shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(packet_parse flow_extract flow_text openflow_decode jsonrpc_framer ovsdb_transact)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  echo "== $t for ${secs}s"
  cargo fuzz run "$t" -s none --debug-assertions "corpus/$t" -- -max_total_time="$secs" -max_len=4096 2>&1 | tail -3
done
