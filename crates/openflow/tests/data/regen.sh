#!/bin/sh
# Regenerates tests/data/ofp-print.txt from the reference Open vSwitch:
# every sample message (examples/dump-samples.rs) plus the hand-written
# cases in tests/data/extra-cases.txt is printed with Debian's
# `ovs-ofctl ofp-print`, and its standard output is stored as the
# expected text.  Run from anywhere; needs cargo and /usr/bin/ovs-ofctl.
#
# Cases listed in tests/data/skip.txt (one name per line, '#' comments)
# are left out: they are messages whose OVS rendering is not reproduced
# yet (see the crate report).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
crate=$(dirname "$(dirname "$here")")
ofctl=${OVS_OFCTL:-/usr/bin/ovs-ofctl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -n "${SAMPLES:-}" ]; then
    cp "$SAMPLES" "$tmp/cases"     # pre-built `dump-samples` output
else
    (cd "$crate" && cargo run -q -p openflow --example dump-samples) > "$tmp/cases"
fi
grep -v '^#' "$here/extra-cases.txt" | grep -v '^$' >> "$tmp/cases"
skip=$(grep -v '^#' "$here/skip.txt" 2>/dev/null || true)

out="$here/ofp-print.txt"
: > "$out.new"
while read -r name hex; do
    case " $(echo $skip) " in *" $name "*) continue ;; esac
    printf '### %s\n%s\n' "$name" "$hex" >> "$out.new"
    "$ofctl" ofp-print "$hex" 2>/dev/null >> "$out.new" || true
done < "$tmp/cases"
mv "$out.new" "$out"
echo "wrote $(grep -c '^### ' "$out") cases to $out"
