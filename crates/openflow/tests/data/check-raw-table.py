#!/usr/bin/env python3
"""Checks src/raw.rs's message table against the reference ovs-ofctl.

For every row and every version in its range, builds a message with the
row's identity and minimum body, and checks that `ovs-ofctl ofp-print`
(a) names it as the row does and (b) states the same body-length rule
(probing with a zero-length and a one-byte body).  Prints mismatches;
exit status 1 if any.  The generic OFPT_VENDOR/OFPT_EXPERIMENTER rows have
no OVS counterpart and are skipped.
"""
import os
import re
import struct
import subprocess
import sys

OFCTL = os.environ.get("OVS_OFCTL", "/usr/bin/ovs-ofctl")
SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "raw.rs")


def run(msg):
    r = subprocess.run([OFCTL, "ofp-print", msg.hex()], capture_output=True, text=True)
    return r.stdout + r.stderr


def build(kind, a, v, body):
    """Message bytes and raw-header length for row arguments `a`."""
    if kind == "t":
        return struct.pack(">BBHI", v, int(a["code"]), 8 + body, 1) + bytes(body), 8
    if kind in ("st", "vst"):
        reply = a["reply"] == "true"
        t = (17 if reply else 16) if v == 1 else (19 if reply else 18)
        if kind == "st":
            h = struct.pack(">HH", int(a["code"]), 0) + (b"" if v == 1 else bytes(4))
        else:
            vend = 0x2320 if a["vendor"] == "NX_VENDOR" else 0x4F4E4600
            h = (struct.pack(">HH", 0xFFFF, 0) + (b"" if v == 1 else bytes(4))
                 + struct.pack(">II", vend, int(a["code"])) + (bytes(4) if v == 1 else b""))
        return struct.pack(">BBHI", v, t, 8 + len(h) + body, 1) + h + bytes(body), 8 + len(h)
    vend = 0x2320 if kind == "nx" else 0x4F4E4600
    return struct.pack(">BBHIII", v, 4, 16 + body, 1, vend, int(a["code"])) + bytes(body), 16


def rule_of(out):
    for line in out.split("\n"):
        m = re.search(r"incorrect length \d+ \((.*)\)", line)
        if m:
            return m.group(1)
    return None


def ovs_rule(kind, a, v):
    msg, hl = build(kind, a, v, 0)
    r = rule_of(run(msg))
    if r is None:
        r1 = rule_of(run(build(kind, a, v, 1)[0]))
        if r1 is None:
            return ("least", 0)
        if re.match(r"expected length \d+$", r1):
            return ("exact", 0)
        m = re.search(r"integer multiple of (\d+)", r1)
        return ("ext", 0, int(m.group(1)))
    m1 = re.match(r"expected length (\d+)$", r)
    m2 = re.search(r"must be exactly (\d+) bytes or longer by an integer multiple of (\d+)", r)
    m3 = re.match(r"expected length at least (\d+) bytes", r)
    if m1:
        return ("exact", int(m1.group(1)) - hl)
    if m2:
        return ("ext", int(m2.group(1)) - hl, int(m2.group(2)))
    if m3:
        return ("least", int(m3.group(1)) - hl)
    return ("?", r)


ROW = re.compile(
    r"^\s*(?P<kind>t|st|nx|onf|vst)\(\"(?P<name>\w+)\", (?:(?P<vendor>\w+_VENDOR), )?"
    r"(?P<min>\d+), (?P<max>\d+), (?P<code>\d+), (?:(?P<reply>true|false), )?T::\w+, "
    r"(?P<len>(?:exact|least)\(\d+\)|ext\(\d+, \d+\))\),$")

src = open(SRC).read()
start = src.index("pub static RAWS")
bad = checked = 0
for line in src[start:src.index("\n];\n", start)].split("\n"):
    m = ROW.match(line)
    if not m or m["name"] in ("OFPT_VENDOR", "OFPT_EXPERIMENTER"):
        continue
    nums = tuple(int(x) for x in re.findall(r"\d+", m["len"]))
    mine = (m["len"].split("(")[0],) + nums
    if mine[0] == "ext" and mine[2] == 1:
        mine = ("least", mine[1])
    for v in range(int(m["min"]), int(m["max"]) + 1):
        checked += 1
        msg, _ = build(m["kind"], m, v, nums[0])
        out = run(msg)
        theirs = ovs_rule(m["kind"], m, v)
        if m["name"] not in out or theirs != mine:
            bad += 1
            print("MISMATCH %s OF%d: table %s, ovs-ofctl %s%s" % (
                m["name"], v, mine, theirs, "" if m["name"] in out else " (name differs)"))
print("%d row-versions checked, %d mismatches" % (checked, bad))
sys.exit(1 if bad else 0)
