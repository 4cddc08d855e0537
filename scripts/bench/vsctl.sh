#!/usr/bin/env bash
# Benchmark: adding 1,000 ports with ovs-vsctl, ferroswitch against Open vSwitch, in one run.
#   - one ovs-vsctl call with 1,000 `-- add-port` commands;
#   - 1,000 separate ovs-vsctl calls with --no-wait;
#   - as root, with ovs-vswitchd running (in a private network namespace, bridges
#     datapath_type=netdev, so its tap devices never appear on the machine):
#     1,000 separate calls adding internal ports, each waiting for ovs-vswitchd to apply it;
#     then one call adding 1,000 internal ports to another bridge, waiting likewise.
#     (The first two workloads' 2,000 ports name devices that do not exist: ovs-vswitchd
#     keeps them configured but failed, as on a host whose devices come and go.)
# Each implementation uses its own ovsdb-server, ovs-vswitchd and ovs-vsctl on a fresh database
# in a private directory. Prints the times and the ratios (Open vSwitch time / ferroswitch time:
# >1 = faster).
# Usage: scripts/bench/vsctl.sh [N]   (N ports, default 1000). Needs a release build.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000}
ours=${CARGO_TARGET_DIR:-$PWD/target}/release
schema=$PWD/schemas/vswitch.ovsschema
[ -x "$ours/ovs-vsctl" ] || cargo build --release --bins >/dev/null

now_ms() { date +%s%3N; }

waited=0
[ "$(id -u)" = 0 ] && command -v ip >/dev/null && waited=1

run_impl() { # NAME TOOL SERVER VSCTL VSWITCHD
  local name=$1 tool=$2 server=$3 vsctl=$4 vswitchd=$5 dir ns
  dir=$(mktemp -d)
  ns=fvb$$${name:0:1}
  trap 'kill $(cat "$dir/vs.pid" 2>/dev/null) $(cat "$dir/db.pid" 2>/dev/null) 2>/dev/null; ip netns del '"$ns"' 2>/dev/null; rm -rf "$dir"' RETURN
  "$tool" create "$dir/conf.db" "$schema"
  "$server" "$dir/conf.db" --remote="punix:$dir/db.sock" --unixctl="$dir/db.ctl" \
    --pidfile="$dir/db.pid" --detach --no-chdir --log-file="$dir/db.log"
  local db="--db=unix:$dir/db.sock"
  "$vsctl" "$db" --no-wait init
  local args=(--no-wait add-br br0)
  for i in $(seq 1 "$n"); do args+=(-- add-port br0 "p$i"); done
  local t0 t1 t2
  t0=$(now_ms)
  "$vsctl" "$db" "${args[@]}"
  t1=$(now_ms)
  "$vsctl" "$db" --no-wait add-br br1
  for i in $(seq 1 "$n"); do "$vsctl" "$db" --no-wait add-port br1 "q$i"; done
  t2=$(now_ms)
  local ports
  ports=$("$vsctl" "$db" list-ports br1 | wc -l)
  [ "$ports" -eq "$n" ] || { echo "$name: expected $n ports, found $ports" >&2; exit 1; }
  local t3=0 t4=0 t5=0 t6=0
  if [ $waited = 1 ]; then
    ip netns add "$ns"
    # No IPv6 on the new devices: their start-up chatter would be flooded to every port
    # and measure flooding, not configuration.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1
    OVS_RUNDIR=$dir OVS_DBDIR=$dir OVS_LOGDIR=$dir ip netns exec "$ns" "$vswitchd" \
      "unix:$dir/db.sock" --pidfile="$dir/vs.pid" --unixctl="$dir/vs.ctl" --detach --no-chdir \
      --log-file="$dir/vs.log"
    "$vsctl" "$db" --timeout=60 add-br br2 -- set bridge br2 datapath_type=netdev
    t3=$(now_ms)
    for i in $(seq 1 "$n"); do
      "$vsctl" "$db" --timeout=60 add-port br2 "r$i" -- set interface "r$i" type=internal
    done
    t4=$(now_ms)
    local up
    up=$(ip netns exec "$ns" ip -o link show | grep -c ': r[0-9]*:' || true)
    [ "$up" -eq "$n" ] || { echo "$name: expected $n internal ports, found $up" >&2; exit 1; }
    "$vsctl" "$db" --timeout=60 add-br br3 -- set bridge br3 datapath_type=netdev
    args=(--timeout=600)
    for i in $(seq 1 "$n"); do args+=(-- add-port br3 "s$i" -- set interface "s$i" type=internal); done
    t5=$(now_ms)
    "$vsctl" "$db" "${args[@]}"
    t6=$(now_ms)
    up=$(ip netns exec "$ns" ip -o link show | grep -c ': s[0-9]*:' || true)
    [ "$up" -eq "$n" ] || { echo "$name: expected $n internal ports, found $up" >&2; exit 1; }
  fi
  echo "$name $((t1 - t0)) $((t2 - t1)) $((t4 - t3)) $((t6 - t5))"
}

theirs=$(run_impl "Open-vSwitch" /usr/bin/ovsdb-tool /usr/sbin/ovsdb-server /usr/bin/ovs-vsctl /usr/sbin/ovs-vswitchd)
mine=$(run_impl "ferroswitch" "$ours/ovsdb-tool" "$ours/ovsdb-server" "$ours/ovs-vsctl" "$ours/ovs-vswitchd")
read -r _ t_one t_many t_wait t_onewait <<<"$theirs"
read -r _ m_one m_many m_wait m_onewait <<<"$mine"
printf '%-44s %12s %14s %8s\n' "workload ($n ports)" ferroswitch "Open vSwitch" speedup
printf '%-44s %10d ms %12d ms %7.2fx\n' "one call, $n x -- add-port (--no-wait)" "$m_one" "$t_one" "$(awk "BEGIN{print $t_one / $m_one}")"
printf '%-44s %10d ms %12d ms %7.2fx\n' "$n separate calls (--no-wait)" "$m_many" "$t_many" "$(awk "BEGIN{print $t_many / $m_many}")"
if [ $waited = 1 ]; then
  printf '%-44s %10d ms %12d ms %7.2fx\n' "$n separate calls, waiting (internal)" "$m_wait" "$t_wait" "$(awk "BEGIN{print $t_wait / $m_wait}")"
  printf '%-44s %10d ms %12d ms %7.2fx\n' "one call, $n x add-port, waiting (internal)" "$m_onewait" "$t_onewait" "$(awk "BEGIN{print $t_onewait / $m_onewait}")"
else
  echo "(not root: the waited variant, which needs a network namespace, was skipped)"
fi
