#!/bin/sh
# Regenerates tests/data/ofp-print-actions.txt: the messages of
# examples/dump-action-samples.rs (flow_mods with actions and
# instructions for several protocols, packet_in/packet_out with frames to
# dissect) printed by Debian's `ovs-ofctl ofp-print`.  Needs cargo and
# /usr/bin/ovs-ofctl (or OVS_OFCTL).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
crate=$(dirname "$(dirname "$here")")
ofctl=${OVS_OFCTL:-/usr/bin/ovs-ofctl}
out="$here/ofp-print-actions.txt"
(cd "$crate" && cargo run -q -p openflow --example dump-action-samples) > "$out.cases"
: > "$out.new"
while read -r name hex; do
    printf '### %s\n%s\n' "$name" "$hex" >> "$out.new"
    "$ofctl" ofp-print "$hex" >> "$out.new"
done < "$out.cases"
rm -f "$out.cases"
mv "$out.new" "$out"
