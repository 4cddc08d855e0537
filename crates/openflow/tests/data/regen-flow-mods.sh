#!/bin/sh
# Regenerates the flow_mod / match-codec oracle data from the reference
# Open vSwitch:
#
#  * ovs-flow-mods.tsv: for every match of the flow crate's oracle and every
#    protocol (OF1.0, NXM, OF1.1, OF1.3, OF1.5), the flow_mod that
#    `ovs-ofctl add-flow` sends (captured by fake-switch.py), or its error
#    (which names OVS's usable protocols);
#  * flow-mod-print.txt: `ovs-ofctl ofp-print` of each captured OF1.0, NXM,
#    OF1.3 and OF1.5 flow_mod, in the format of ofp-print.txt, followed by
#    the flow_mods of the ovs-ofctl commands in flow-mod-commands.txt
#    (commands, cookies, timeouts, flags, tables, out_port, outputs);
#  * flow-match-errors.txt: ofp-print of the malformed or unusual matches
#    that bad-matches.py builds (decode errors OVS reports, and edge cases);
#  * flow-match-fuzz.txt: the same for fuzz-matches.py's pseudo-random
#    entry sequences.
#
# Needs python3 and /usr/bin/ovs-ofctl (OVS_OFCTL overrides).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ofctl=${OVS_OFCTL:-/usr/bin/ovs-ofctl}
oracle="$here/../../../flow/tests/data/oracle.tsv"
python3 "$here/fake-switch.py" "$oracle" > "$here/ovs-flow-mods.tsv.new"
mv "$here/ovs-flow-mods.tsv.new" "$here/ovs-flow-mods.tsv"
out="$here/flow-mod-print.txt"
: > "$out.new"
n=0
while IFS="$(printf '\t')" read -r proto match hex; do
    case "$proto" in of10|nxm|of13|of15) ;; *) continue ;; esac
    case "$hex" in ERROR*|NONE) continue ;; esac
    n=$((n + 1))
    printf '### %s %s\n%s\n' "$proto" "$match" "$hex" >> "$out.new"
    "$ofctl" ofp-print "$hex" 2>/dev/null >> "$out.new" || true
done < "$here/ovs-flow-mods.tsv"
python3 "$here/fake-switch.py" --commands "$here/flow-mod-commands.txt" > "$here/cmds.tmp"
while read -r name hex; do
    case "$hex" in ERROR*|NONE) echo "$name: $hex" >&2; continue ;; esac
    n=$((n + 1))
    printf '### %s\n%s\n' "$name" "$hex" >> "$out.new"
    "$ofctl" ofp-print "$hex" 2>/dev/null >> "$out.new" || true
done < "$here/cmds.tmp"
rm -f "$here/cmds.tmp"
mv "$out.new" "$out"
echo "wrote $n cases to $out"
# Malformed and unusual matches (bad-matches.py) and what OVS makes of them.
err="$here/flow-match-errors.txt"
: > "$err.new"
python3 "$here/bad-matches.py" | while read -r name hex; do
    printf '### %s\n%s\n' "$name" "$hex" >> "$err.new"
    "$ofctl" ofp-print "$hex" 2>/dev/null >> "$err.new" || true
done
mv "$err.new" "$err"
echo "wrote $(grep -c '^### ' "$err") cases to $err"
# Pseudo-random matches (fixed seed): OVS's verdict on each.
fz="$here/flow-match-fuzz.txt"
: > "$fz.new"
python3 "$here/fuzz-matches.py" 1 300 | while read -r name hex; do
    printf '### %s\n%s\n' "$name" "$hex" >> "$fz.new"
    "$ofctl" ofp-print "$hex" 2>/dev/null >> "$fz.new" || true
done
mv "$fz.new" "$fz"
echo "wrote $(grep -c '^### ' "$fz") cases to $fz"
