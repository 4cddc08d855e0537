#!/usr/bin/env bash
# OpenFlow table benchmark: ferroswitch's ovs-vswitchd against Debian's, in ONE run.
# For each: `ovs-ofctl add-flows` of N distinct rules
# (priority=100,tcp,nw_dst=10.a.b.c,tp_dst=P,actions=drop), then dump-flows, then del-flows,
# timing each, and the daemon's resident memory before and after the add, and after the dump
# (which holds every reply at once for a moment; allocators keep some of that memory). Both
# daemons run with dummy ports (--enable-dummy=override) in private directories, and both are driven by
# the same client (Debian's ovs-ofctl when installed, else ours), so the switch is what differs.
# Usage: scripts/bench/flows.sh [N]   (default 100000). Needs a release build (built if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-100000}
ours=${CARGO_TARGET_DIR:-$PWD/target}/release
[ -x "$ours/ovs-vswitchd" ] || cargo build --release --bins >/dev/null
ofctl=/usr/bin/ovs-ofctl
[ -x "$ofctl" ] || ofctl=$ours/ovs-ofctl
work=$(mktemp -d)
# Daemons are started inside $(...) subshells, so their pids are found through their
# pidfiles at cleanup.
cleanup() {
  for f in "$work"/*/vs.pid "$work"/*/db.pid; do
    [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
now_ms() { date +%s%3N; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

flows=$work/flows
python3 - "$n" > "$flows" <<'PY'
import sys
n = int(sys.argv[1])
for i in range(n):
    a, b, c = (i >> 16) & 255, (i >> 8) & 255, i & 255
    print(f"priority=100,tcp,nw_dst=10.{a}.{b}.{c},tp_dst={1 + i % 60000},actions=drop")
PY

run() { # NAME TOOL SERVER VSCTL VSWITCHD SCHEMA
  local name=$1 tool=$2 server=$3 vsctl=$4 vswitchd=$5 schema=$6 d=$work/$1
  mkdir -p "$d"
  export OVS_RUNDIR=$d OVS_DBDIR=$d OVS_LOGDIR=$d OVS_SYSCONFDIR=$d
  "$tool" create "$d/conf.db" "$schema"
  "$server" "$d/conf.db" --remote="punix:$d/db.sock" --pidfile="$d/db.pid" --detach --no-chdir \
    --log-file="$d/db.log" --unixctl="$d/db.ctl"
  "$vsctl" --db="unix:$d/db.sock" --no-wait init
  "$vswitchd" "unix:$d/db.sock" --enable-dummy=override --pidfile="$d/vs.pid" --detach --no-chdir \
    --log-file="$d/vs.log" --unixctl="$d/vs.ctl"
  local vs; vs=$(cat "$d/vs.pid")
  "$vsctl" --db="unix:$d/db.sock" --timeout=30 add-br br0 -- set bridge br0 fail-mode=secure
  local m0 t0 t1 t1b t2 t2b t3 m1 m2 cnt
  m0=$(rss_kib "$vs")
  t0=$(now_ms); "$ofctl" add-flows "unix:$d/br0.mgmt" "$flows"; t1=$(now_ms)
  m1=$(rss_kib "$vs")
  t1b=$(now_ms)
  cnt=$("$ofctl" dump-flows "unix:$d/br0.mgmt" | grep -c 'priority=100' || true)
  t2=$(now_ms)
  [ "$cnt" -eq "$n" ] || { echo "$name: $cnt of $n flows installed" >&2; exit 1; }
  m2=$(rss_kib "$vs")
  t2b=$(now_ms)
  "$ofctl" del-flows "unix:$d/br0.mgmt"; t3=$(now_ms)
  kill "$vs" "$(cat "$d/db.pid")"
  echo "$name $((t1 - t0)) $((t2 - t1b)) $((t3 - t2b)) $m0 $m1 $m2"
}

theirs=$(run ovs /usr/bin/ovsdb-tool /usr/sbin/ovsdb-server /usr/bin/ovs-vsctl /usr/sbin/ovs-vswitchd /usr/share/openvswitch/vswitch.ovsschema)
mine=$(run ferro "$ours/ovsdb-tool" "$ours/ovsdb-server" "$ours/ovs-vsctl" "$ours/ovs-vswitchd" "$PWD/schemas/vswitch.ovsschema")
read -r _ ta td tx tm0 tm1 tm2 <<<"$theirs"
read -r _ ma md mx mm0 mm1 mm2 <<<"$mine"
r() { awk "BEGIN{ if ($2 > 0) printf \"%.2fx\", $1 / $2; else print \"n/a\" }"; }
printf '%-36s %14s %14s %9s\n' "workload ($n rules)" ferroswitch "Open vSwitch" speedup
printf '%-36s %11d ms %11d ms %9s\n' "add-flows" "$ma" "$ta" "$(r "$ta" "$ma")"
printf '%-36s %11d ms %11d ms %9s\n' "dump-flows" "$md" "$td" "$(r "$td" "$md")"
printf '%-36s %11d ms %11d ms %9s\n' "del-flows" "$mx" "$tx" "$(r "$tx" "$mx")"
printf '%-36s %10d MiB %10d MiB\n' "RSS before add-flows" "$((mm0 / 1024))" "$((tm0 / 1024))"
printf '%-36s %10d MiB %10d MiB %9s\n' "RSS after add-flows" "$((mm1 / 1024))" "$((tm1 / 1024))" "$(r "$tm1" "$mm1")"
printf '%-36s %10d MiB %10d MiB %9s\n' "RSS after dump-flows" "$((mm2 / 1024))" "$((tm2 / 1024))" "$(r "$tm2" "$mm2")"
