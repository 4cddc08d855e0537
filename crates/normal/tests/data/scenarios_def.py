"""Scenario list for gen_scenarios.py (kept apart so the driver stays readable)."""


def define(g):
    P, T, L, W, SETP, SETB = g["P"], g["T"], g["L"], g["W"], g["SETP"], g["SETB"]
    FDB, STATS, FLUSH, BC, MC, mac, scenario = (g["FDB"], g["STATS"], g["FLUSH"], g["BC"],
                                                g["MC"], g["mac"], g["scenario"])

    mixed = [
        P("p1", 1, tag=10), P("p2", 2, tag=10), P("p3", 3, tag=20), P("p4", 4),
        P("p5", 5, trunks=[10, 30]),
        P("p6", 6, tag=10, trunks=[20], vlan_mode="native-untagged"),
        P("p7", 7, tag=20, trunks=[10], vlan_mode="native-tagged"),
        P("p8", 8, tag=30, vlan_mode="native-untagged"),
        P("p9", 9, vlan_mode="access"),
    ]
    steps = []
    for port in ("p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "br0"):
        steps.append(T(port, mac(1), BC))
        for vid in (10, 20, 30, 40):
            steps.append(T(port, mac(1), BC, vlan=vid, pcp=2))
    steps += [
        T("p1", mac(1), mac(2)), T("p4", mac(1), MC, vlan=10), T("p4", mac(1), mac(2), vlan=0, pcp=5),
        T("p6", mac(1), BC, vlan=0, pcp=3), T("p7", mac(1), BC, vlan=0, pcp=3),
        T("p4", mac(1), BC, vlan=4095), T("p1", mac(1), BC, vlan=0, pcp=4),
    ]
    scenario("vlan-matrix", mixed, steps)

    scenario("learning-unicast", mixed, [
        T("p2", mac(2), mac(1)),
        L("p1", mac(1), BC),
        FDB,
        T("p2", mac(2), mac(1)),
        T("p4", mac(2), mac(1), vlan=10, pcp=1),
        T("p4", mac(2), mac(1), vlan=20),
        T("p1", mac(3), mac(1)),
        T("p3", mac(2), mac(1)),
        L("p4", mac(5), BC, vlan=20),
        L("p7", mac(6), BC),
        L("p8", mac(7), BC),
        FDB,
        T("p3", mac(2), mac(5)),
        T("p3", mac(2), mac(6)),
        T("p6", mac(2), mac(5), vlan=20),
        T("p5", mac(2), mac(7), vlan=30),
        T("p1", mac(2), mac(7)),
        L("p1", MC, BC),
        L("p2", mac(1), mac(9)),
        FDB,
        STATS,
        T("p4", mac(2), mac(1), vlan=10),
        L("p1", mac(1), mac(9)),
        L("p6", mac(1), mac(9)),
        FDB,
        STATS,
        FLUSH,
        FDB,
        STATS,
        T("p2", mac(2), mac(1)),
    ])

    scenario("aging-short", [P("p1", 1, tag=1), P("p2", 2, tag=1), P("p3", 3)], [
        L("p1", mac(1), BC),
        W(1000), L("p2", mac(2), BC),
        W(9000), FDB,
        T("p3", mac(3), mac(1), vlan=1),
        L("p1", mac(1), BC),
        FDB,
        W(5000), FDB,
        T("p3", mac(3), mac(2), vlan=1),
        W(1000), FDB,
        STATS,
        T("p3", mac(3), mac(2), vlan=1),
        W(9000), FDB,
        W(1000), FDB, STATS,
        T("p3", mac(3), mac(1), vlan=1),
    ], bridge={"mac-aging-time": 15})

    scenario("aging-default", [P("p1", 1, tag=1), P("p2", 2, tag=1)], [
        L("p1", mac(1), BC),
        W(299000), FDB,
        T("p2", mac(2), mac(1)),
        W(1000), FDB, STATS,
        T("p2", mac(2), mac(1)),
    ])

    scenario("aging-clamped", [P("p1", 1, tag=1), P("p2", 2, tag=1)], [
        L("p1", mac(1), BC),
        W(5000), FDB, W(9000), FDB, W(1000), FDB,
    ], bridge={"mac-aging-time": 3})

    evict = []
    for i in range(6):
        evict.append(L("p1", mac(0x100 + i), BC))
    for i in range(3):
        evict.append(L("p2", mac(0x200 + i), BC))
    evict.append(W(1000))
    evict.append(L("p3", mac(0x300), BC, vlan=5))
    evict.append(L("p1", mac(0x100), BC))
    evict += [FDB, STATS]
    evict += [L("p3", mac(0x301), BC, vlan=6), L("p3", mac(0x302), BC, vlan=6), FDB, STATS]
    evict += [L("p2", mac(0x203), BC), L("p2", mac(0x204), BC), L("p2", mac(0x205), BC), FDB, STATS,
              T("p3", mac(9), mac(0x101), vlan=1), T("p3", mac(9), mac(0x102), vlan=1)]
    scenario("table-size-eviction", [P("p1", 1, tag=1), P("p2", 2, tag=1), P("p3", 3)], evict,
             bridge={"mac-table-size": 10})

    scenario("table-size-clamped", [P("p1", 1, tag=1), P("p2", 2, tag=1)],
             [L("p1", mac(0x100 + i), BC) for i in range(12)] + [FDB, STATS],
             bridge={"mac-table-size": 3})

    scenario("flood-vlans", [P("p1", 1, tag=10), P("p2", 2, tag=10), P("p3", 3, tag=20), P("p4", 4)], [
        L("p1", mac(1), BC), L("p3", mac(3), BC), FDB,
        T("p2", mac(2), mac(1)), T("p4", mac(2), mac(3), vlan=20),
        T("p4", mac(2), mac(1), vlan=10),
        SETB(flood_vlans=[20]), FDB,
        L("p1", mac(1), BC), L("p3", mac(3), BC), FDB, STATS,
        T("p2", mac(2), mac(1)), T("p4", mac(2), mac(3), vlan=20),
    ], bridge={"flood_vlans": [10]})

    scenario("reserved-macs", [P("p1", 1, tag=1), P("p2", 2, tag=1), P("p3", 3)], [
        T("p1", mac(1), d) for d in (
            "01:80:c2:00:00:00", "01:80:c2:00:00:01", "01:80:c2:00:00:0e", "01:80:c2:00:00:0f",
            "01:80:c2:00:00:10", "01:80:c2:00:00:21", "00:e0:2b:00:00:00", "00:e0:2b:00:00:04",
            "00:e0:2b:00:00:06", "00:e0:2b:00:00:02", "01:00:0c:cc:cc:cc", "01:00:0c:cc:cc:cd",
            "01:00:0c:cd:cd:cd", "01:00:0c:00:00:00", "01:00:0c:cc:cc:c0", "01:00:0c:cc:cc:c7",
            "01:00:0c:cc:cc:c8", "01:00:0c:cc:cc:ce")
    ] + [L("p1", mac(1), "01:80:c2:00:00:00"), FDB, T("p3", mac(1), "01:80:c2:00:00:00", vlan=1)])

    scenario("forward-bpdu", [P("p1", 1, tag=1), P("p2", 2, tag=1), P("p3", 3)], [
        T("p1", mac(1), "01:80:c2:00:00:00"), T("p1", mac(1), "01:00:0c:cc:cc:cc"),
    ], bridge={"forward-bpdu": "true"})

    garp = ("1", "10.0.0.1", "10.0.0.1")
    scenario("gratuitous-arp", [P("p1", 1, tag=1), P("p2", 2, tag=1), P("p3", 3)], [
        L("p1", mac(1), BC, arp=garp), FDB,
        L("p2", mac(1), BC), FDB, STATS,
        L("p2", mac(1), BC, arp=("2", "10.0.0.1", "10.0.0.2")), FDB,
        L("p1", mac(1), BC, arp=garp), FDB,
        T("p3", mac(2), BC, vlan=1, arp=garp),
        T("p3", mac(2), mac(1), vlan=1, arp=("2", "10.0.0.2", "10.0.0.1")),
        T("p3", mac(2), BC, vlan=1, arp=("1", "10.0.0.2", "10.0.0.1")),
        W(6000), L("p2", mac(1), mac(2)), FDB, STATS,
    ])

    scenario("dot1q-tunnel", [
        P("p1", 1, tag=100, vlan_mode="dot1q-tunnel"),
        P("p2", 2, tag=100, vlan_mode="dot1q-tunnel", cvlans=[5, 6]),
        P("p3", 3),
        P("p4", 4, tag=100),
        P("p5", 5, tag=100, vlan_mode="dot1q-tunnel", qinq_ethtype="802.1q"),
        P("p6", 6, tag=200, vlan_mode="dot1q-tunnel"),
        P("p7", 7, trunks=[200]),
    ], [
        T("p1", mac(1), BC), T("p1", mac(1), BC, vlan=5, pcp=3), T("p1", mac(1), BC, vlan=7),
        T("p2", mac(1), BC), T("p2", mac(1), BC, vlan=5), T("p2", mac(1), BC, vlan=7),
        T("p3", mac(1), BC, vlan=100), T("p3", mac(1), BC, vlan=200),
        T("p4", mac(1), BC), T("p5", mac(1), BC, vlan=6), T("p6", mac(1), BC, vlan=9),
        L("p1", mac(1), BC, vlan=5), FDB,
        T("p3", mac(2), mac(1), vlan=100), T("p4", mac(2), mac(1)),
    ])

    scenario("priority-tags", [
        P("p1", 1, tag=10, priority_tags="if-nonzero"),
        P("p2", 2, tag=10, priority_tags="always"),
        P("p3", 3, tag=10, priority_tags="never"),
        P("p4", 4),
        P("p5", 5, tag=10, vlan_mode="native-untagged", priority_tags="if-nonzero"),
        P("p6", 6, tag=10, vlan_mode="native-untagged", priority_tags="always"),
        P("p7", 7, priority_tags="if-nonzero"),
    ], [
        T("p4", mac(1), BC, vlan=10, pcp=0), T("p4", mac(1), BC, vlan=10, pcp=5),
        T("p4", mac(1), BC, vlan=0, pcp=3), T("p4", mac(1), BC), T("p1", mac(1), BC),
        T("p1", mac(1), BC, vlan=0, pcp=6), T("p5", mac(1), BC, vlan=0, pcp=2),
        T("p7", mac(1), BC, vlan=0, pcp=2), T("p7", mac(1), BC, vlan=10, pcp=7),
    ])

    # SCENARIOS.md section 4: one host's bridge; the NIC (eth0) is the trunk to the other host.
    def host(vm2_tag):
        return [P("tap1", 1, tag=1), P("tap2", 2, tag=vm2_tag), P("eth0", 3)]
    vm1, vm2, vm3, vm4 = mac(0xa1), mac(0xa2), mac(0xa3), mac(0xa4)
    scenario("two-hosts-same-vlan-local", host(1), [
        L("tap1", vm1, BC), T("tap2", vm2, vm1), L("tap2", vm2, vm1), T("tap1", vm1, vm2), FDB])
    scenario("two-hosts-different-vlans-local", host(2), [
        T("tap1", vm1, BC), L("tap1", vm1, BC), T("tap2", vm2, vm1), T("tap2", vm2, BC), FDB])
    scenario("two-hosts-all-vlan1", host(1), [
        T("tap1", vm1, BC), L("tap1", vm1, BC), T("eth0", vm3, vm1, vlan=1), L("eth0", vm3, vm1, vlan=1),
        T("tap1", vm1, vm3), T("tap2", vm2, vm3), L("eth0", vm4, BC, vlan=1), T("tap2", vm2, vm4), FDB])
    scenario("two-hosts-split-vlans", host(2), [
        T("tap1", vm1, BC), T("tap2", vm2, BC), L("tap1", vm1, BC), L("tap2", vm2, BC),
        T("eth0", vm3, BC, vlan=1), T("eth0", vm4, BC, vlan=2), T("eth0", vm3, vm1, vlan=1),
        T("eth0", vm3, vm2, vlan=1), T("eth0", vm4, vm2, vlan=2), T("eth0", vm4, vm1, vlan=2),
        L("eth0", vm3, vm1, vlan=1), L("eth0", vm4, vm2, vlan=2), T("tap1", vm1, vm3),
        T("tap1", vm1, vm4), T("tap2", vm2, vm4), FDB])

    scenario("reconfigure-port-flushes", [P("p1", 1, tag=1), P("p2", 2, tag=1), P("p3", 3)], [
        L("p1", mac(1), BC), L("p2", mac(2), BC), L("p3", mac(3), BC, vlan=1), FDB,
        SETP("p1", tag=2), FDB, STATS, T("p3", mac(3), mac(1), vlan=2), T("p3", mac(3), mac(2), vlan=1),
        SETP("p3", trunks=[1, 2]), FDB, T("p3", mac(3), BC, vlan=3),
    ])

    scenario("trunk-lists", [
        P("p1", 1, trunks=[1, 2, 3]), P("p2", 2, trunks=[2]), P("p3", 3, trunks=[0]),
        P("p4", 4, tag=7, vlan_mode="trunk"), P("p5", 5, tag=2, trunks=[0, 3], vlan_mode="native-tagged"),
        P("p6", 6, tag=0, vlan_mode="native-untagged"),
    ], [
        T("p1", mac(1), BC, vlan=2), T("p1", mac(1), BC, vlan=4), T("p1", mac(1), BC),
        T("p2", mac(1), BC, vlan=1), T("p3", mac(1), BC), T("p3", mac(1), BC, vlan=1),
        T("p4", mac(1), BC), T("p4", mac(1), BC, vlan=7), T("p5", mac(1), BC), T("p5", mac(1), BC, vlan=3),
        T("p5", mac(1), BC, vlan=0, pcp=1), T("p6", mac(1), BC), T("p6", mac(1), BC, vlan=2),
    ])

    scenario("static-entries", [P("p1", 1, tag=1), P("p2", 2, tag=1), P("p3", 3)], [
        {"op": "fdb_add", "port": "p2", "vlan": 1, "mac": mac(5)},
        {"op": "fdb_add", "port": "p3", "vlan": 7, "mac": mac(6)},
        L("p1", mac(1), BC), FDB, STATS,
        T("p1", mac(1), mac(5)), T("p3", mac(1), mac(6), vlan=7),
        L("p1", mac(5), BC), FDB, W(400000), FDB, STATS,
        {"op": "fdb_del", "vlan": 1, "mac": mac(5)}, FDB, STATS,
        T("p1", mac(1), mac(5)),
    ])

    scenario("no-flood-and-mirror", [P("p1", 1, tag=1), P("p2", 2, tag=1), P("p3", 3), P("p4", 4)], [
        {"op": "noflood", "port": "p2"},
        T("p1", mac(1), BC), L("p2", mac(2), BC), T("p1", mac(1), mac(2)),
        L("p3", mac(3), BC, vlan=1), T("p1", mac(1), mac(3)),
        # Mirroring (mirror output ports) happens outside NORMAL and is not recorded here.
    ])

    qinq = [
        P("p1", 1, tag=100, vlan_mode="dot1q-tunnel", cvlans=[5]),
        P("p2", 2),
        P("p3", 3, tag=100),
        P("p4", 4, tag=100, vlan_mode="dot1q-tunnel"),
        P("p5", 5, trunks=[100], tag=100, vlan_mode="native-untagged"),
    ]
    scenario("qinq-double-tagged", qinq, [
        T("p2", mac(1), BC, vlan=100, vlan1=5, tpid=0x88a8),
        T("p2", mac(1), BC, vlan=100, vlan1=6, tpid=0x88a8),
        T("p2", mac(1), BC, vlan=100, vlan1=5),
        T("p2", mac(1), BC, vlan=100),
        T("p4", mac(1), BC, vlan=5),
        T("p5", mac(1), BC, vlan=100, vlan1=5),
        L("p2", mac(2), BC, vlan=100, vlan1=5, tpid=0x88a8),
        FDB,
        T("p1", mac(1), mac(2), vlan=5),
    ], bridge={"vlan-limit": 2})

    scenario("fake-bridge", [
        P("p1", 1, tag=7), P("p2", 2), P("fbr", 20, tag=7, fake_bridge=True),
        P("p5", 5, tag=7, on="fbr"), P("p6", 6, tag=8),
    ], [
        T("p1", mac(1), BC), T("p2", mac(2), BC, vlan=7), T("fbr", mac(3), BC), T("p5", mac(5), BC),
        T("p5", mac(5), BC, vlan=7), L("fbr", mac(3), BC), FDB, T("p2", mac(2), mac(3), vlan=7),
        T("p6", mac(6), mac(3)),
    ])

    garp = ("1", "10.0.0.1", "10.0.0.1")
    # fdb/show names a bond by one member's port number (12 here).
    bond = P("b0", 12, tag=1, bond=[["d1", 11], ["d2", 12]], bond_mode="balance-slb")
    scenario("slb-bond-grat-arp-lock", [P("p1", 1, tag=1), P("p2", 2, tag=1), bond], [
        T("d1", mac(9), BC), T("d2", mac(9), BC), T("d1", mac(9), mac(8)), T("d2", mac(9), mac(8)),
        L("p1", mac(1), BC, arp=garp), FDB,
        T("d1", mac(1), BC, arp=garp), T("d2", mac(1), BC, arp=garp),
        T("d1", mac(1), mac(9)), T("d2", mac(1), mac(9)),
        L("d2", mac(1), BC, arp=garp), FDB,
        W(6000),
        T("d2", mac(1), BC, arp=garp), T("d2", mac(1), mac(9)),
        L("d2", mac(1), BC, arp=garp), FDB, STATS,
        T("p1", mac(5), mac(1)), T("p2", mac(5), BC),
        L("d2", mac(7), BC), FDB, T("d1", mac(7), mac(1)), T("p1", mac(5), mac(7)),
    ])
