#!/bin/sh
# Regenerates data/compose_sized_oracle.pcap for compose_oracle.rs from Open vSwitch's
# `ovs-appctl netdev-dummy/receive` (flow_compose() plus packet_expand() for --len).
#
# Starts a private ovsdb-server and `ovs-vswitchd --enable-dummy=override` in a temporary
# directory (never the system's), adds bridge br0 with dummy port p1 recording what it
# receives (options:rxq_pcap), injects one frame per line of data/compose_sized_flows.txt
# (the flow in datapath syntax, which 3.1's command requires, with `--len N` unless the
# third column is "-"), then stops both daemons by pid and keeps the pcap: packet i is the
# frame for the i-th flow. Any refused injection aborts the run.
#
# Usage: sh crates/flow/tests/regen_compose_sized_oracle.sh
set -eu
DIR=$(cd "$(dirname "$0")" && pwd)/data
IN=$DIR/compose_sized_flows.txt
OUT=$DIR/compose_sized_oracle.pcap
TMP=$(mktemp -d)
export OVS_RUNDIR=$TMP OVS_LOGDIR=$TMP OVS_DBDIR=$TMP OVS_SYSCONFDIR=$TMP OVS_PKGDATADIR=$TMP
cleanup() {
  for p in "$TMP/vs.pid" "$TMP/db.pid"; do
    [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
ovsdb-tool create "$TMP/conf.db" /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server "$TMP/conf.db" --remote="punix:$TMP/db.sock" --unixctl="$TMP/db.ctl" \
  --no-chdir --pidfile="$TMP/db.pid" --log-file="$TMP/db.log" --detach
ovs-vswitchd "unix:$TMP/db.sock" --enable-dummy=override --disable-system \
  --disable-system-route --unixctl="$TMP/vs.ctl" --no-chdir --pidfile="$TMP/vs.pid" \
  --log-file="$TMP/vs.log" --detach
ovs-vsctl --db="unix:$TMP/db.sock" --timeout=20 add-br br0 \
  -- set bridge br0 datapath_type=dummy \
  -- add-port br0 p1 -- set interface p1 type=dummy options:rxq_pcap="$TMP/rx.pcap"
i=0
while [ ! -s "$TMP/rx.pcap" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$TMP/rx.pcap" ] || { echo "p1 never opened its pcap" >&2; exit 1; }
TAB=$(printf '\t')
n=0
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in ''|'#'*) continue ;; esac
  rest=${line#*"$TAB"}
  odp=${rest%%"$TAB"*}
  len=${rest#*"$TAB"}
  if [ "$len" = "-" ]; then
    ovs-appctl -t "$TMP/vs.ctl" netdev-dummy/receive p1 "$odp" >/dev/null
  else
    ovs-appctl -t "$TMP/vs.ctl" netdev-dummy/receive p1 "$odp" --len "$len" >/dev/null
  fi
  n=$((n + 1))
done <"$IN"
cp "$TMP/rx.pcap" "$OUT"
echo "wrote $OUT ($n frames, from $(ovs-vswitchd --version | head -n 1))"
