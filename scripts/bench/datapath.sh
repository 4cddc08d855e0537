#!/usr/bin/env bash
# End-to-end datapath benchmark: ferroswitch vs Open vSwitch (Debian's openvswitch-switch,
# datapath_type=netdev, the same ports) vs the Linux kernel bridge, in ONE run.
#
# Topology (all in namespaces this script creates and deletes, even on failure):
#     ns A: eth0 10.77.0.1/24 --veth-- pa  [switch in ns SW]  pb --veth-- eth0 10.77.0.2/24 :ns B
# For each switch: ping round-trip time, iperf3 TCP with 1 and 4 streams (namespaces' default
# offloads, then offloads off), 64-byte UDP packets per second received and lost, and the
# same TCP/UDP/ping again with 10,000 extra (non-matching) rules installed.
# UDP loss is split out: "dropped by the receiving socket" is the share of the datagrams sent
# that the switch delivered but iperf3's receiver was too slow to take (its socket buffer was
# full, UDP RcvbufErrors in ns B) -- on a machine whose cores are shared by sender, switch and
# receiver that share says the receiver, not the switch, limited the figure.
#
# Usage: sudo scripts/bench/datapath.sh [SECONDS per measurement, default 5]
# Env: FERRO_BIN (dir with our binaries; default target/release, built if missing),
#      ONLY="ferro ovs bridge" to run a subset.
# Needs: root, iproute2, iperf3, ethtool, Debian openvswitch-switch (for the OVS column).
set -u
DUR=${1:-5}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${FERRO_BIN:-$HERE/target/release}
ONLY=${ONLY:-"ferro ovs bridge"}
TAG=fb$$
NSA=${TAG}a NSB=${TAG}b NSW=${TAG}s
WORK=$(mktemp -d /tmp/ferro-bench.XXXXXX)
PIDS=()

[ "$(id -u)" = 0 ] || { echo "datapath.sh: must run as root" >&2; exit 2; }
for t in iperf3 ethtool ip; do command -v $t >/dev/null || { echo "datapath.sh: $t missing" >&2; exit 2; }; done
if [ ! -x "$BIN/ovs-vswitchd" ]; then
    (cd "$HERE" && cargo build --release --bins) >&2 || exit 2
fi

cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do
        for _ in $(seq 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$p" 2>/dev/null
    done
    for n in $NSA $NSB $NSW; do ip netns del $n 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

nsx() { local n=$1; shift; ip netns exec "$n" "$@"; }

setup_ns() {
    for n in $NSA $NSB $NSW; do ip netns del $n 2>/dev/null; ip netns add $n; nsx $n ip link set lo up; done
    for n in $NSA $NSB $NSW; do
        nsx $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    done
    ip link add pa netns $NSW type veth peer name eth0 netns $NSA
    ip link add pb netns $NSW type veth peer name eth0 netns $NSB
    nsx $NSA ip addr add 10.77.0.1/24 dev eth0; nsx $NSA ip link set eth0 up
    nsx $NSB ip addr add 10.77.0.2/24 dev eth0; nsx $NSB ip link set eth0 up
    nsx $NSW ip link set pa up; nsx $NSW ip link set pb up
}

offloads() { # on|off
    local ns p
    for ns in $NSA $NSB; do
        nsx $ns ethtool -K eth0 tso $1 gso $1 gro $1 tx $1 rx $1 >/dev/null 2>&1
    done
    for p in pa pb; do nsx $NSW ethtool -K $p tso $1 gso $1 gro $1 tx $1 rx $1 >/dev/null 2>&1; done
}

wait_ping() {
    for _ in $(seq 100); do nsx $NSA ping -c1 -W1 10.77.0.2 >/dev/null 2>&1 && return 0; done
    return 1
}

# Starts ovsdb-server + ovs-vswitchd of implementation $1 (ferro|ovs) in ns SW.
start_switch() {
    local impl=$1 d=$WORK/$1
    mkdir -p $d
    local tool=$BIN/ovsdb-tool srv=$BIN/ovsdb-server vsd=$BIN/ovs-vswitchd vsctl=$BIN/ovs-vsctl
    local schema=$HERE/schemas/vswitch.ovsschema
    if [ $impl = ovs ]; then
        tool=/usr/bin/ovsdb-tool srv=/usr/sbin/ovsdb-server vsd=/usr/sbin/ovs-vswitchd
        vsctl=/usr/bin/ovs-vsctl schema=/usr/share/openvswitch/vswitch.ovsschema
    fi
    export OVS_RUNDIR=$d OVS_DBDIR=$d OVS_LOGDIR=$d OVS_SYSCONFDIR=$d
    $tool create $d/conf.db $schema
    nsx $NSW $srv $d/conf.db --remote=punix:$d/db.sock --pidfile=$d/db.pid --detach --no-chdir \
        --log-file=$d/db.log --unixctl=$d/db.ctl
    PIDS+=("$(cat $d/db.pid)")
    VSCTL="$vsctl --db=unix:$d/db.sock --timeout=30"
    $VSCTL --no-wait init
    if [ $impl = ovs ] && [ "${OVS_TSO:-0}" = 1 ]; then
        $VSCTL --no-wait set Open_vSwitch . other_config:userspace-tso-enable=true
    fi
    nsx $NSW $vsd unix:$d/db.sock --pidfile=$d/vs.pid --detach --no-chdir --log-file=$d/vs.log \
        --unixctl=$d/vs.ctl
    PIDS+=("$(cat $d/vs.pid)")
    $VSCTL add-br br0 -- set bridge br0 datapath_type=netdev -- add-port br0 pa -- add-port br0 pb
    OFCTL="/usr/bin/ovs-ofctl"; [ $impl = ferro ] && OFCTL=$BIN/ovs-ofctl
    SWDIR=$d
}

stop_switch() {
    for f in $SWDIR/vs.pid $SWDIR/db.pid; do
        [ -s $f ] || continue
        local p; p=$(cat $f); kill $p 2>/dev/null
        for _ in $(seq 50); do kill -0 $p 2>/dev/null || break; sleep 0.1; done
        kill -9 $p 2>/dev/null
    done
}

start_bridge() {
    nsx $NSW ip link add br0 type bridge
    nsx $NSW ip link set pa master br0; nsx $NSW ip link set pb master br0
    nsx $NSW ip link set br0 up
}
stop_bridge() { nsx $NSW ip link del br0; }

add_rules() { # 10,000 rules that match nothing of the test traffic
    local f=$WORK/rules
    : > $f
    for i in $(seq 0 9999); do
        echo "priority=100,tcp,nw_dst=10.99.$((i / 250)).$((i % 250)),tp_dst=$((1000 + i % 5000)),actions=drop" >> $f
    done
    $OFCTL add-flows unix:$SWDIR/br0.mgmt $f
}

iperf_server() {
    nsx $NSB iperf3 -s -D -1 -p $1 >/dev/null 2>&1
    for _ in $(seq 50); do nsx $NSB ss -ltn 2>/dev/null | grep -q ":$1 " && return; sleep 0.05; done
}

tcp() { # streams -> Gb/s
    local port=$((5201 + RANDOM % 500))
    iperf_server $port
    nsx $NSA iperf3 -c 10.77.0.2 -p $port -t $DUR -P $1 -J 2>/dev/null | python3 -c '
import json,sys
try:
    d=json.load(sys.stdin); print("%.2f" % (d["end"]["sum_received"]["bits_per_second"]/1e9))
except Exception: print("0")'
}

rcvbuf_errors() { # datagrams ns B's UDP sockets dropped because their receiver was behind
    nsx $NSB awk '/^Udp:/ { if (++n == 2) print $6 }' /proc/net/snmp
}

udp64() { # -> "received_pps lost_percent lost_at_receiver_percent"
    local port=$((5801 + RANDOM % 500)) e0 e1
    iperf_server $port
    e0=$(rcvbuf_errors)
    nsx $NSA iperf3 -c 10.77.0.2 -p $port -u -b 0 -l 18 -t $DUR -J > $WORK/udp.json 2>/dev/null
    e1=$(rcvbuf_errors)
    python3 -c '
import json,sys
try:
    d=json.load(open(sys.argv[1]))["end"]["sum"]
    rcv=100.0*float(sys.argv[2])/max(d["packets"],1)
    print("%.0f %.1f %.1f" % ((d["packets"]-d["lost_packets"])/d["seconds"], d["lost_percent"], rcv))
except Exception: print("0 100 n/a")' $WORK/udp.json $((${e1:-0} - ${e0:-0}))
}

rtt() { # -> avg ms
    nsx $NSA ping -c 200 -i 0.01 -q 10.77.0.2 2>/dev/null | awk -F/ '/rtt|round-trip/ {print $5}'
}

declare -A R
measure() { # name
    local n=$1
    offloads on; wait_ping
    R[$n.rtt]=$(rtt)
    R[$n.tcp1]=$(tcp 1); R[$n.tcp4]=$(tcp 4)
    offloads off; wait_ping
    R[$n.tcp1off]=$(tcp 1); R[$n.tcp4off]=$(tcp 4)
    read -r R[$n.udp] R[$n.udploss] R[$n.udprcv] <<< "$(udp64)"
    offloads on
}

setup_ns
for impl in $ONLY; do
    case $impl in
        bridge) start_bridge; measure bridge; stop_bridge ;;
        ferro|ovs)
            start_switch $impl; wait_ping || echo "warning: $impl does not forward" >&2
            measure $impl
            add_rules >/dev/null 2>&1
            offloads off; wait_ping
            R[$impl.rules.tcp1off]=$(tcp 1)
            read -r R[$impl.rules.udp] R[$impl.rules.udploss] R[$impl.rules.udprcv] <<< "$(udp64)"
            offloads on; R[$impl.rules.rtt]=$(rtt); R[$impl.rules.tcp1]=$(tcp 1)
            stop_switch ;;
    esac
done

v() { echo "${R[$1]:-n/a}"; }
ratio() { python3 -c "import sys
a,b=sys.argv[1],sys.argv[2]
try: print('%.2fx' % (float(a)/float(b)))
except Exception: print('n/a')" "$1" "$2"; }
printf '%-40s %12s %12s %12s %10s %10s\n' metric ferroswitch openvswitch kernel-br ferro/ovs ferro/br
row() { printf '%-40s %12s %12s %12s %10s %10s\n' "$1" "$(v ferro.$2)" "$(v ovs.$2)" "$(v bridge.$2)" "$(ratio "$(v ferro.$2)" "$(v ovs.$2)")" "$(ratio "$(v ferro.$2)" "$(v bridge.$2)")"; }
row "TCP 1 stream, default offloads (Gb/s)" tcp1
row "TCP 4 streams, default offloads (Gb/s)" tcp4
row "TCP 1 stream, offloads off (Gb/s)" tcp1off
row "TCP 4 streams, offloads off (Gb/s)" tcp4off
row "UDP 64-byte received (pps)" udp
row "UDP 64-byte lost (%)" udploss
row "  of which dropped by the receiving socket" udprcv
row "ping round-trip (ms)" rtt
row "+10k rules: TCP 1 stream default (Gb/s)" rules.tcp1
row "+10k rules: TCP 1 stream off (Gb/s)" rules.tcp1off
row "+10k rules: UDP 64-byte received (pps)" rules.udp
row "+10k rules: UDP 64-byte lost (%)" rules.udploss
row "  of which dropped by the receiving socket" rules.udprcv
row "+10k rules: ping round-trip (ms)" rules.rtt
