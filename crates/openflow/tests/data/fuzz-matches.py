#!/usr/bin/env python3
"""Prints `name hex` for pseudo-random NXT_FLOW_MODs and OF1.2-1.5
flow_mods whose matches are random sequences of plausible NXM/OXM entries
(valid, misordered, duplicated, badly masked, out of range...).  Input for
regen-flow-mods.sh, which stores the reference `ovs-ofctl ofp-print`
output in flow-match-fuzz.txt.  Usage: fuzz-matches.py SEED COUNT.
Only fields the flow crate models are used."""
import os, random, sys
here = os.path.dirname(os.path.abspath(__file__))
src = open(os.path.join(here, "bad-matches.py")).read().split("ETH_IP = ")[0]
ns = {}
exec(src, ns)
nxt_flow_mod, of_flow_mod = ns["nxt_flow_mod"], ns["of_flow_mod"]
random.seed(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
NXM = ["000006020800", "0000060286dd", "000006020806", "000006028847", "00000c0106", "00000c0111", "00000c0101",
       "00000c013a", "000014020050", "000012020016", "0000150400500000", "00001a0108", "00001c0100", "00002a0187"[0:0],
       "00012a0187", "00012c0100", "00000e0401020304", "00000f0801020304ffff0000", "000010040a000001",
       "0000080210050", "000008021005", "000009041000f000", "00000a0130", "0001340101", "00013502010100",
       "000100040000000a", "0001010800000001000000ff", "0001d20400000020", "0001d3080000002000000030",
       "0001d4020001", "0000000200ff", "00001e020001", "0000200401020304", "00012206aabbccddeeff",
       "00012610" + "20010db8" + "00" * 12, "00012710" + "00" * 15 + "01" + "ff" * 8 + "00" * 8,
       "00013604000abcde", "00013a0140", "00014402" + "0012", "0001450400020012", "8000440400000005",
       "80004801" + "01", "00001e020002", "0000040601020304050600000000", "0000030c0102030405060000ff000000"[0:0],
       "0000030c010203040506ffffff000000", "0000020601020304050a", "00001602"+"0035", "00001802"+"0035", "8000220200" + "07",
       "0001200800000000000000ff", "00012108000000000000ffff000000000000ffff"[0:0], "0001d60400000001", "000140040a0a0a0a",
       "0001d40200ff"]
NXM = [x for x in NXM if x and len(x) % 2 == 0]
OXM = ["80000a020800", "80000a0286dd", "8000140106", "8000140111", "8000140101", "800014013a", "80001c020050",
       "80001a020016", "80001d0400500000", "8000100110", "8000120102", "80000c021005", "80000d0410001000", "80000e0103",
       "80000004fffffffe", "8000000400000003", "80001604c0a80001", "80001708c0a80000ffff0000", "80002601" + "87"[0:0],
       "8000260187", "8000280100", "ffff5406" + "4f4e4600" + "0002", "8000540200" + "12", "80004c080000000000000005",
       "8000380400012345", "80003410" + "20010db8" + "00"*12, "000100040000000a", "8001000800000001" + "00000002",
       "8000560400000005", "80000a028847", "8000440400000005", "8000460101", "8000480101", "8000040610203040506",
       "80000406102030405060"[0:0], "800004060a0b0c0d0e0f", "8000060601020304050a"]
OXM = [x for x in OXM if x and len(x) % 2 == 0]
out = []
for i in range(int(sys.argv[2]) if len(sys.argv) > 2 else 300):
    nx = random.random() < 0.5
    pool = NXM if nx else OXM
    k = random.randint(1, 5)
    ents = [random.choice(pool) for _ in range(k)]
    # prefer prerequisites first sometimes
    if random.random() < 0.6:
        ents.sort(key=lambda e: (0 if e[4:6] in ("06", "0a", "07", "0b") else 1 if e[4:6] in ("0c", "14") else 2))
    if random.random() < 0.5:
        # A coherent L2/L3 prefix makes more of the later entries valid.
        if nx:
            stack = [random.choice(["000006020800", "0000060286dd"]), random.choice(["00000c0106", "00000c0111", "00000c0101", "00000c013a"])]
        else:
            stack = [random.choice(["80000a020800", "80000a0286dd"]), random.choice(["8000140106", "8000140111", "8000140101", "800014013a"])]
        ents = stack + ents
    body = "".join(ents)
    if nx:
        h = nxt_flow_mod(body, command=random.choice([0, 0, 1, 3]))
    else:
        h = of_flow_mod(random.choice([3, 4, 5, 6]), body)
    out.append("fuzz-%d %s" % (i, h))
print("\n".join(out))
