#!/bin/sh
# Differential check of the formatter against Open vSwitch (optional; needs ovs-ofctl).
#
# Runs the `format_then_parse_is_identity` property test with SHOW=1, which prints every
# random valid match it formats, then asks `ovs-ofctl -F nxm parse-flow` to canonicalise each
# one. Since our text is meant to be canonical already, OVS must print it back unchanged.
# Matches that exercise known, documented differences are skipped: skb_priority (OVS cannot
# put it in a flow mod), arp_op (OVS keeps only 8 bits), ct_nw_proto=0 (lost in OVS's NXM
# encoding) and IPv6 masks starting with a decimal
# digit (OVS's parser reads those as prefix lengths).
#
# Usage (from the workspace root): sh crates/flow/tests/fuzz_oracle.sh [N] [ovs-ofctl]
set -eu
N=${1:-500}
OFCTL=${2:-/usr/bin/ovs-ofctl}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
SHOW=1 cargo test -q -p flow --test roundtrip format_then_parse_is_identity -- --nocapture \
  2>"$TMP/gen" >/dev/null
grep -v -e skb_priority -e arp_op -e 'ct_nw_proto=0,' -e '^test' -e '^running' -e '^$' "$TMP/gen" |
  grep -v -E '(ipv6_src|ipv6_dst|nd_target|tun_ipv6_src|tun_ipv6_dst)=[^,]*/[0-9]' |
  sort -u | head -n "$N" >"$TMP/cases"
n=0
bad=0
while IFS= read -r m; do
  n=$((n + 1))
  out=$("$OFCTL" -F nxm parse-flow "${m:+$m,}actions=drop" 2>&1 |
    grep -E '^[A-Z_]+ \(xid|ovs-ofctl:' |
    sed -e 's/^[A-Z_]* (xid=0x1): ADD //' -e 's/ *actions=drop$//') || true
  if [ "$out" != "$m" ]; then
    bad=$((bad + 1))
    printf 'ours: %s\novs:  %s\n\n' "$m" "$out"
  fi
done <"$TMP/cases"
echo "$n matches compared, $bad differ"
[ "$bad" -eq 0 ]
