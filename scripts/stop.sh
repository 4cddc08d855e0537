#!/usr/bin/env bash
# Stops the daemons scripts/start.sh started, through their pidfiles (same OVS_* defaults).
set -euo pipefail
cd "$(dirname "$0")/.."
export OVS_RUNDIR=${OVS_RUNDIR:-$PWD/_run/run}
for daemon in ovs-vswitchd ovsdb-server; do
  pidfile=$OVS_RUNDIR/$daemon.pid
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    kill "$(cat "$pidfile")"
    echo "stopped $daemon"
  fi
done
