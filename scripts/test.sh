#!/usr/bin/env bash
# Runs ferroswitch's whole test suite: style and lint checks, unit tests, and the black-box tests
# that run our binaries against Debian's Open vSwitch (installed first as the reference peer) in
# private directories and network namespaces. This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh

# In CI (and whenever root can create namespaces), a missing peer is a failure, not a skip.
if [ "$(id -u)" = 0 ]; then
  export FERRO_REQUIRE_REFERENCE=1 FERRO_REQUIRE_NETNS=1
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== build binaries"
cargo build --workspace --bins --locked
echo "== cargo test"
cargo test --workspace --locked --no-fail-fast
