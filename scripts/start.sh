#!/usr/bin/env bash
# Builds ferroswitch and starts it with its default database: the README's start command.
#
# Directories follow Open vSwitch's environment variables; by default everything lives under
# ./_run in the checkout, so a development instance never collides with a system one:
#   OVS_RUNDIR (sockets, pidfiles)  default ./_run/run
#   OVS_DBDIR  (conf.db)            default ./_run/db
#   OVS_LOGDIR (logs)               default ./_run/log
# Export the same variables in your shell to point ovs-vsctl, ovs-appctl, ovsdb-client and
# ovs-ofctl at this instance. Idempotent: what already runs is left alone, the database is
# created only when missing. Stop with: scripts/stop.sh
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

export OVS_RUNDIR=${OVS_RUNDIR:-$top/_run/run}
export OVS_DBDIR=${OVS_DBDIR:-$top/_run/db}
export OVS_LOGDIR=${OVS_LOGDIR:-$top/_run/log}
mkdir -p "$OVS_RUNDIR" "$OVS_DBDIR" "$OVS_LOGDIR"

cargo build --release --bins
bin=$top/target/release

running() { # PIDFILE
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

db=$OVS_DBDIR/conf.db
if [ ! -f "$db" ]; then
  "$bin/ovsdb-tool" create "$db" "$top/schemas/vswitch.ovsschema"
  echo "created $db"
fi

if running "$OVS_RUNDIR/ovsdb-server.pid"; then
  echo "ovsdb-server is already running"
else
  "$bin/ovsdb-server" "$db" \
    --remote="punix:$OVS_RUNDIR/db.sock" \
    --remote=db:Open_vSwitch,Open_vSwitch,manager_options \
    --private-key=db:Open_vSwitch,SSL,private_key \
    --certificate=db:Open_vSwitch,SSL,certificate \
    --bootstrap-ca-cert=db:Open_vSwitch,SSL,ca_cert \
    --pidfile --detach --log-file
  echo "ovsdb-server started"
fi
"$bin/ovs-vsctl" --no-wait init

if running "$OVS_RUNDIR/ovs-vswitchd.pid"; then
  echo "ovs-vswitchd is already running"
else
  "$bin/ovs-vswitchd" "unix:$OVS_RUNDIR/db.sock" --pidfile --detach --log-file
  echo "ovs-vswitchd started"
fi
# The seed's bridge, created once and brought up (its local port is a tap device of the
# same name; creating it needs root, as Open vSwitch's does).
"$bin/ovs-vsctl" --timeout=30 --may-exist add-br ovsbr0
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
  ip link set ovsbr0 up 2>/dev/null || true
fi

cat <<EOM
ferroswitch is running. To use it from this shell:
  export OVS_RUNDIR=$OVS_RUNDIR OVS_DBDIR=$OVS_DBDIR OVS_LOGDIR=$OVS_LOGDIR
  export PATH=$bin:\$PATH
  ovs-vsctl show
EOM
