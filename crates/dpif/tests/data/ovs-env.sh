#!/bin/sh
# Starts (or stops) a private Debian Open vSwitch (ovsdb-server + ovs-vswitchd with the dummy
# datapath) in directory $D. Sourced by regen.sh; never touches /var/run/openvswitch.
#   ovs_start DIR     ovs_stop DIR
ovs_start() {
    D=$1
    export OVS_RUNDIR=$D OVS_DBDIR=$D OVS_LOGDIR=$D OVS_PKGDATADIR=/usr/share/openvswitch OVS_SYSCONFDIR=$D
    ovsdb-tool create "$D/db" /usr/share/openvswitch/vswitch.ovsschema
    ovsdb-server "$D/db" --remote=punix:"$D/db.sock" --pidfile="$D/db.pid" --unixctl="$D/db.ctl" \
        --detach --no-chdir --log-file="$D/db.log"
    ovs-vswitchd unix:"$D/db.sock" --enable-dummy=override --disable-system --disable-system-route \
        --pidfile="$D/vs.pid" --unixctl="$D/vs.ctl" --detach --no-chdir --log-file="$D/vs.log"
}
ovs_stop() {
    D=$1
    for p in vs db; do
        if [ -f "$D/$p.pid" ]; then kill "$(cat "$D/$p.pid")" 2>/dev/null; fi
    done
}
