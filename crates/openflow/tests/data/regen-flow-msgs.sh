#!/bin/sh
# Regenerates flow-msgs-print.txt: every flow-carrying sample message
# (examples/dump-flow-samples.rs) printed by the reference
# `ovs-ofctl ofp-print`, in the format of ofp-print.txt.  (For packet_in
# and packet_out the test compares only the first line: OVS then dissects
# the packet, which this crate does not.)  SAMPLES=file uses pre-built
# `dump-flow-samples` output.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
crate=$(dirname "$(dirname "$here")")
ofctl=${OVS_OFCTL:-/usr/bin/ovs-ofctl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -n "${SAMPLES:-}" ]; then
    cp "$SAMPLES" "$tmp/cases"
else
    (cd "$crate" && cargo run -q -p openflow --example dump-flow-samples) > "$tmp/cases"
fi
out="$here/flow-msgs-print.txt"
: > "$out.new"
while read -r name hex; do
    printf '### %s\n%s\n' "$name" "$hex" >> "$out.new"
    "$ofctl" ofp-print "$hex" 2>/dev/null >> "$out.new" || true
done < "$tmp/cases"
mv "$out.new" "$out"
echo "wrote $(grep -c '^### ' "$out") cases to $out"
