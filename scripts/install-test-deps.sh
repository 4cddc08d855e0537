#!/usr/bin/env bash
# Installs what ferroswitch's tests need on a Debian machine: the reference peers (Debian's Open
# vSwitch packages, used only as oracles and baselines by tests) and the network tools the
# end-to-end tests drive. Idempotent; a no-op when everything is present. Needs root to install.
set -euo pipefail

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in openvswitch-switch openvswitch-common python3-openvswitch iproute2 iputils-ping \
           iperf3 tcpdump ethtool procps tshark bridge-utils; do
  have_pkg "$pkg" || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "install-test-deps: missing packages ${need[*]} and not root; tests needing them will skip" >&2
  exit 0
fi

# Debian's packages must not start their own daemons here: we only want the binaries. A
# policy-rc.d that forbids service starts is put in place for the install (and removed after,
# unless one already existed).
added_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  added_policy=1
fi
cleanup() { [ -n "$added_policy" ] && rm -f /usr/sbin/policy-rc.d; true; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${need[@]}"
