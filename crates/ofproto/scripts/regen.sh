#!/bin/sh
# Regenerates tests/data/traces.txt from tests/data/cases.in by running each case on a
# private Debian ovs-vswitchd (--enable-dummy=override). Needs the openvswitch packages.
# Case syntax (cases.in): blocks separated by blank lines; lines "flow <ovs-ofctl flow>"
# lines "vsctl <ovs-vsctl arguments>" (port VLAN settings, undone after the case) and one
# line "trace <flow>"; "flow13 <flow>" is sent with OpenFlow 1.3 only, "receive <port>
# <flow>" injects a packet (for MAC learning) before the trace. Output: the same blocks followed by "expect:" and the text
# of `ovs-appctl ofproto/trace`, each block ending with a line "====".
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
D=$(mktemp -d)
export OVS_RUNDIR=$D OVS_DBDIR=$D OVS_LOGDIR=$D
ovsdb-tool create $D/db /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server $D/db --remote=punix:$D/db.sock --pidfile=$D/db.pid --unixctl=$D/db.ctl --detach --no-chdir --log-file=$D/db.log
ovs-vswitchd unix:$D/db.sock --enable-dummy=override --disable-system --disable-system-route --pidfile=$D/vs.pid --unixctl=$D/vs.ctl --detach --no-chdir --log-file=$D/vs.log
cleanup() { kill "$(cat $D/vs.pid)" "$(cat $D/db.pid)" 2>/dev/null || true; rm -rf "$D"; }
trap cleanup EXIT
V="ovs-vsctl --db=unix:$D/db.sock"
$V add-br br0 -- set bridge br0 datapath_type=dummy fail-mode=secure \
  -- add-port br0 p1 -- set interface p1 type=dummy ofport_request=1 \
  -- add-port br0 p2 -- set interface p2 type=dummy ofport_request=2 \
  -- add-port br0 p3 -- set interface p3 type=dummy ofport_request=3 \
  -- add-port br0 p4 -- set interface p4 type=dummy ofport_request=4
$V --timeout=10 wait-until interface p4 ofport=4
OF="ovs-ofctl -O OpenFlow13"
# Flows go in with OpenFlow 1.0 + NXM unless they need OpenFlow 1.1+ (goto_table, groups...).
OF10="ovs-ofctl"
out=$here/tests/data/traces.txt
: > $out
awk -v RS= '{print > sprintf("'$D'/case%04d", NR)}' $here/tests/data/cases.in
for c in $D/case*; do
  $OF10 del-flows $D/br0.mgmt
  $OF del-groups $D/br0.mgmt
  grep '^group ' $c | sed 's/^group //' > $D/groups || true
  [ -s $D/groups ] && { $OF add-groups $D/br0.mgmt $D/groups || true; }
  grep '^flow ' $c | sed 's/^flow //' > $D/flows || true
  [ -s $D/flows ] && { $OF10 add-flows $D/br0.mgmt $D/flows 2>/dev/null || $OF add-flows $D/br0.mgmt $D/flows || true; }
  grep '^flow13 ' $c | sed 's/^flow13 //' > $D/flows13 || true
  [ -s $D/flows13 ] && { $OF add-flows $D/br0.mgmt $D/flows13 || true; }
  grep '^receive ' $c | sed 's/^receive //' | while read -r port pkt; do
    ovs-appctl -t $D/vs.ctl netdev-dummy/receive $port "$pkt" >/dev/null || true
  done
  grep '^vsctl ' $c | sed 's/^vsctl //' | while read -r args; do $V $args; done
  t=$(grep '^trace ' $c | sed 's/^trace //')
  cat $c >> $out
  echo "expect:" >> $out
  ovs-appctl -t $D/vs.ctl ofproto/trace br0 "$t" >> $out 2>&1 || true
  echo "====" >> $out
  # Forget what this case learned or cached: a megaflow left behind would swallow the next
  # case's injected packets without an upcall (and so without MAC learning).
  ovs-appctl -t $D/vs.ctl revalidator/purge >/dev/null
  ovs-appctl -t $D/vs.ctl fdb/flush br0 >/dev/null
  if grep -q '^vsctl ' $c; then
    for p in p1 p2 p3 p4; do $V clear port $p tag -- clear port $p trunks -- clear port $p vlan_mode; done
  fi
done
