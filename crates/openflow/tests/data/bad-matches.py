#!/usr/bin/env python3
"""Prints `name hex` for flow_mods with malformed or unusual NXM/OXM
matches (input for regen-flow-mods.sh, which stores what the reference
`ovs-ofctl ofp-print` makes of them in flow-match-errors.txt)."""

def nxt_flow_mod(nxm, command=0, cookie=0):
    body = bytes.fromhex("00002320" "0000000d")
    body += cookie.to_bytes(8, "big") + command.to_bytes(2, "big")
    body += bytes.fromhex("00000000" "8000" "ffffffff" "ffff" "0000")
    m = bytes.fromhex(nxm)
    body += len(m).to_bytes(2, "big") + bytes(6) + m + bytes(-len(m) % 8)
    return (bytes([1, 4]) + (8 + len(body)).to_bytes(2, "big") + bytes.fromhex("00000001") + body).hex()

def of_flow_mod(version, oxm, mtype=1):
    body = bytes(16) + bytes([0, 0]) + bytes.fromhex("00000000" "8000" "ffffffff" "ffffffff" "ffffffff" "0000" "0000")
    m = bytes.fromhex(oxm)
    body += mtype.to_bytes(2, "big") + (4 + len(m)).to_bytes(2, "big") + m + bytes(-(4 + len(m)) % 8)
    return (bytes([version, 14]) + (8 + len(body)).to_bytes(2, "big") + bytes.fromhex("00000001") + body).hex()

def of10_flow_mod(wildcards, in_port=0, dl_vlan=0, pcp=0, dl_type=0, tos=0, proto=0,
                  nw_src=0, nw_dst=0, tp_src=0, tp_dst=0):
    m = wildcards.to_bytes(4, "big") + in_port.to_bytes(2, "big") + bytes(12)
    m += dl_vlan.to_bytes(2, "big") + bytes([pcp, 0]) + dl_type.to_bytes(2, "big")
    m += bytes([tos, proto, 0, 0]) + nw_src.to_bytes(4, "big") + nw_dst.to_bytes(4, "big")
    m += tp_src.to_bytes(2, "big") + tp_dst.to_bytes(2, "big")
    body = m + bytes(8) + bytes.fromhex("0000" "0000" "0000" "8000" "ffffffff" "ffff" "0000")
    return (bytes([1, 14]) + (8 + len(body)).to_bytes(2, "big") + bytes.fromhex("00000001") + body).hex()

def of11_flow_mod(wildcards, in_port=0, dl_vlan=0, pcp=0, dl_type=0, tos=0, proto=0,
                  nw_src=0, nw_src_mask=0xffffffff, tp_dst=0, label=0, tc=0, length=88,
                  mtype=0):
    m = mtype.to_bytes(2, "big") + length.to_bytes(2, "big") + in_port.to_bytes(4, "big")
    m += wildcards.to_bytes(4, "big")
    m += bytes(6) + b"\xff" * 6 + bytes(6) + b"\xff" * 6
    m += dl_vlan.to_bytes(2, "big") + bytes([pcp, 0]) + dl_type.to_bytes(2, "big") + bytes([tos, proto])
    m += nw_src.to_bytes(4, "big") + nw_src_mask.to_bytes(4, "big") + bytes(4) + b"\xff" * 4
    m += bytes(2) + tp_dst.to_bytes(2, "big") + label.to_bytes(4, "big") + bytes([tc, 0, 0, 0])
    m += bytes(8) + b"\xff" * 8
    body = bytes(16) + bytes([0, 0]) + bytes.fromhex("00000000" "8000" "ffffffff" "ffffffff" "ffffffff" "0000" "0000") + m
    return (bytes([2, 14]) + (8 + len(body)).to_bytes(2, "big") + bytes.fromhex("00000001") + body).hex()

ETH_IP = "000006020800"
OXM_IP = "80000a020800"
CASES = [
    ("nxm-prereq-order", nxt_flow_mod("000014020050" + ETH_IP)),
    ("nxm-prereq-missing-ip", nxt_flow_mod("00000c0106")),
    ("nxm-prereq-ipv6-on-ip", nxt_flow_mod(ETH_IP + "00012610" + "00" * 15 + "01")),
    ("nxm-dup", nxt_flow_mod(ETH_IP + ETH_IP)),
    ("nxm-dup-tci", nxt_flow_mod("000008021005" "000009041005ffff")),
    ("nxm-bad-mask", nxt_flow_mod("0000070408000f00")),
    ("nxm-zero-mask", nxt_flow_mod("0000070408000000")),
    ("nxm-full-mask", nxt_flow_mod("000007040800ffff")),
    ("nxm-bad-len", nxt_flow_mod("00000603080000")),
    ("nxm-truncated", nxt_flow_mod("0000060408")),
    ("nxm-unknown-class", nxt_flow_mod("7777020408000000")),
    ("nxm-unknown-field", nxt_flow_mod("0001fe0400000001")),
    ("nxm-frag-value", nxt_flow_mod(ETH_IP + "0001340104")),
    ("nxm-tos-value", nxt_flow_mod(ETH_IP + "00000a0103")),
    ("nxm-tun-flags-value", nxt_flow_mod("0001d0020002")),
    ("nxm-ct-state-value", nxt_flow_mod("0001d20400000100")),
    ("nxm-mpls-oxm-header", nxt_flow_mod("000006028847" "8000440400000005")),
    ("nxm-cookie-in-add", nxt_flow_mod(ETH_IP + "00013c080000000000000005")),
    ("nxm-cookie-in-del", nxt_flow_mod(ETH_IP + "00013c080000000000000005", command=3)),
    ("nxm-cookie-masked-mod", nxt_flow_mod(ETH_IP + "00013d10000000000000000500000000000000ff", command=1, cookie=7)),
    ("nxm-cookie-dup", nxt_flow_mod("00013c080000000000000005" "00013c080000000000000005", command=3)),
    ("nxm-icmpv6-nd", nxt_flow_mod("00000602" "86dd" "00000c013a" "00012a0187" "00012c0100"
                                   "00012e10" + "fe80" + "00" * 13 + "01" + "00013006" + "010203040506")),
    ("nxm-nd-sll-on-advert", nxt_flow_mod("0000060286dd" "00000c013a" "00012a0188" "00013006010203040506")),
    ("nxm-arp", nxt_flow_mod("000006020806" "00001e020001" "0000200401020304" "00012206aabbccddeeff")),
    ("nxm-arp-spa-on-ip", nxt_flow_mod(ETH_IP + "0000200401020304")),
    ("nxm-reg-masked", nxt_flow_mod("000103080000000500000007")),
    ("nxm-xxreg", nxt_flow_mod("0001de10" + "00" * 15 + "05")),
    ("of13-prereq-order", of_flow_mod(4, "80001c020050" + OXM_IP)),
    ("of13-dscp-value", of_flow_mod(4, OXM_IP + "8000100140")),
    ("of13-ecn-value", of_flow_mod(4, OXM_IP + "8000120104")),
    ("of13-vlan-vid-value", of_flow_mod(4, "80000c022000")),
    ("of13-vlan-pcp-no-vid", of_flow_mod(4, "80000e0103")),
    ("of13-vlan-vid-pcp", of_flow_mod(4, "80000c021005" "80000e0103")),
    ("of13-vlan-present-masked", of_flow_mod(4, "80000d0410001000")),
    ("of13-in-port-bad", of_flow_mod(4, "8000000400010000")),
    ("of13-in-port-local", of_flow_mod(4, "80000004fffffffe")),
    ("of13-mpls-label-value", of_flow_mod(4, "80000a028847" "8000440400100000")),
    ("of13-mpls-bos-value", of_flow_mod(4, "80000a028847" "8000480102")),
    ("of13-cookie-field", of_flow_mod(4, OXM_IP + "00013c080000000000000005")),
    ("of13-bad-match-type", of_flow_mod(4, OXM_IP, mtype=0)),
    ("of13-onf-tcp-flags", of_flow_mod(4, OXM_IP + "8000140106" "ffff5406" "4f4e4600" "0012")),
    ("of13-exp-short", of_flow_mod(4, "ffff5402" "4f4e4600")),
    ("of13-nx-reg-in-oxm", of_flow_mod(4, "0001000400000009")),
    ("of13-tunnel-id", of_flow_mod(4, "80004c080000000000000055")),
    ("of13-ipv6-label-value", of_flow_mod(4, "80000a0286dd" "8000380400100000")),
    ("of15-tcp-flags", of_flow_mod(6, OXM_IP + "8000140106" "8000540200" "12")),
    ("of15-actset-output", of_flow_mod(6, "8000560400000005")),
    ("of15-xreg", of_flow_mod(6, "8001000800000001" "00000002")),
    ("of15-packet-type-eth", of_flow_mod(6, "8000580400000000")),
    ("of12-unknown-oxm", of_flow_mod(3, "80007e0400000000")),
    ("of10-all-wild-high-bits", of10_flow_mod(0xffffffff)),
    ("of10-nw-src-63", of10_flow_mod(0x3fff3f & ~0x10, dl_type=0x800, nw_src=0x01020304)),
    ("of10-nw-src-24", of10_flow_mod(0x3fffff & ~(0x3f << 8) & ~0x10 | (8 << 8), dl_type=0x800, nw_src=0x0a000000)),
    ("of10-tp-without-proto", of10_flow_mod(0x3fffff & ~0x80, tp_dst=80)),
    ("of10-no-vlan-with-pcp", of10_flow_mod(0x3fffff & ~0x2 & ~(1 << 20), dl_vlan=0xffff, pcp=3)),
    ("of10-vlan-pcp-only", of10_flow_mod(0x3fffff & ~(1 << 20), pcp=5)),
    ("of10-tos-ecn-bits", of10_flow_mod(0x3fffff & ~(1 << 21) & ~0x10, dl_type=0x800, tos=0xff)),
    ("of10-arp-op", of10_flow_mod(0x3fffff & ~0x10 & ~0x20, dl_type=0x806, proto=2)),
    ("of10-in-port-local", of10_flow_mod(0x3fffff & ~0x1, in_port=0xfffe)),
    ("of11-std", of11_flow_mod(0x3ff & ~0x1 & ~0x8 & ~0x20 & ~0x80, in_port=3, dl_type=0x800, proto=6, tp_dst=22)),
    ("of11-bad-vlan", of11_flow_mod(0x3ff & ~0x2, dl_vlan=5000)),
    ("of11-vlan-any", of11_flow_mod(0x3ff & ~0x2, dl_vlan=0xfffe)),
    ("of11-vlan-none", of11_flow_mod(0x3ff & ~0x2, dl_vlan=0xffff)),
    ("of11-vlan-pcp", of11_flow_mod(0x3ff & ~0x2 & ~0x4, dl_vlan=7, pcp=6)),
    ("of11-bad-pcp", of11_flow_mod(0x3ff & ~0x2 & ~0x4, dl_vlan=7, pcp=9)),
    ("of11-bad-in-port", of11_flow_mod(0x3ff & ~0x1, in_port=0x10000)),
    ("of11-nw-src-mask", of11_flow_mod(0x3ff & ~0x8, dl_type=0x800, nw_src=0x01000004, nw_src_mask=0x00ffff00)),
    ("of11-mpls", of11_flow_mod(0x3ff & ~0x8 & ~0x100 & ~0x200, dl_type=0x8847, label=5, tc=3)),
    ("of11-bad-tos", of11_flow_mod(0x3ff & ~0x8 & ~0x10, dl_type=0x800, tos=3)),
    ("of11-bad-length", of11_flow_mod(0x3ff, length=80)),
    ("of11-oxm-type", of11_flow_mod(0x3ff, mtype=1)),
]
for name, hexs in CASES:
    print(name, hexs)
