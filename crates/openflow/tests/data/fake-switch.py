#!/usr/bin/env python3
"""Asks the reference ovs-ofctl how it encodes flow_mods.

For every match string in the flow crate's oracle (the "ok" rows of
crates/flow/tests/data/oracle.tsv) and every protocol below, runs
`ovs-ofctl add-flow unix:SOCK 'MATCH,actions=drop'` against a minimal fake
switch on a private Unix socket (it answers hello, echo and barrier
requests) and prints one line per case:

    PROTO <TAB> MATCH <TAB> HEX-OF-THE-FLOW_MOD      or
    PROTO <TAB> MATCH <TAB> ERROR <ovs-ofctl's message>

(MATCH is "<empty>" for the empty match.)

With `--commands FILE`, runs the ovs-ofctl commands listed in FILE
(NAME <TAB> command <TAB> arguments...) instead and prints "NAME HEX".

Used by regen-flow-mods.sh; needs /usr/bin/ovs-ofctl (OVS_OFCTL overrides).
"""
import os, socket, struct, subprocess, sys, tempfile
from concurrent.futures import ThreadPoolExecutor

OFCTL = os.environ.get("OVS_OFCTL", "/usr/bin/ovs-ofctl")
PROTOS = [("of10", ["-O", "OpenFlow10", "-F", "OpenFlow10"]),
          ("nxm", ["-O", "OpenFlow10", "-F", "nxm"]),
          ("of11", ["-O", "OpenFlow11"]),
          ("of13", ["-O", "OpenFlow13"]),
          ("of15", ["-O", "OpenFlow15"])]

def capture(args):
    d = tempfile.mkdtemp()
    path = os.path.join(d, "sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(1)
    p = subprocess.Popen([OFCTL, "--no-names", args[0], "unix:" + path] + args[1:],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    s.settimeout(0.05)
    conn = None
    for _ in range(200):
        try:
            conn, _ = s.accept()
            break
        except socket.timeout:
            if p.poll() is not None:
                break
    out = []
    if conn is not None:
        conn.settimeout(5)
        buf = b""
        hello = False
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                buf += data
                while len(buf) >= 8:
                    ver, typ, ln, xid = struct.unpack("!BBHI", buf[:8])
                    if ln < 8 or len(buf) < ln:
                        break
                    m, buf = buf[:ln], buf[ln:]
                    breq, brep = (18, 19) if ver == 1 else (20, 21)
                    if typ == 0:
                        if not hello:
                            conn.sendall(struct.pack("!BBHI", ver, 0, 8, 0))
                            hello = True
                    elif typ == breq:
                        conn.sendall(struct.pack("!BBHI", ver, brep, 8, xid))
                    elif typ == 2:
                        conn.sendall(struct.pack("!BBHI", ver, 3, ln, xid) + m[8:])
                    else:
                        out.append(m.hex())
        except socket.timeout:
            pass
        conn.close()
    s.close()
    if p.poll() is None and conn is None:
        p.kill()
    _, err = p.communicate()
    os.unlink(path)
    os.rmdir(d)
    if p.returncode != 0:
        return None, err.decode()
    return out, err.decode()

def job(item):
    (name, pargs), m = item
    flow = (m + "," if m else "") + "actions=drop"
    out, err = capture(["add-flow"] + pargs + [flow])
    shown = m or "<empty>"
    if out is None:
        return "%s\t%s\tERROR %s" % (name, shown, " ".join(err.split()))
    mods = [x for x in out if x[2:4] == "0e" or x[16:32] == "000023200000000d"]
    return "%s\t%s\t%s" % (name, shown, mods[-1] if mods else "NONE")

def command_job(line):
    name, args = line[0], line[1:]
    out, err = capture(args)
    if out is None:
        return "%s ERROR %s" % (name, " ".join(err.split()))
    mods = [x for x in out if x[2:4] == "0e" or x[16:32] == "000023200000000d"]
    return "%s %s" % (name, mods[-1] if mods else "NONE")

def main():
    if sys.argv[1] == "--commands":
        lines = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])
                 if l.strip() and not l.startswith("#")]
        with ThreadPoolExecutor(4) as ex:
            for r in ex.map(command_job, lines):
                print(r)
        return
    oracle = sys.argv[1]
    cases = []
    for line in open(oracle):
        parts = line.rstrip("\n").split("\t")
        if line.startswith("#") or len(parts) != 3 or parts[1] != "ok":
            continue
        cases.append("" if parts[0] == "<empty>" else parts[0])
    items = [(p, c) for p in PROTOS for c in cases]
    with ThreadPoolExecutor(4) as ex:
        for r in ex.map(job, items):
            print(r)

if __name__ == "__main__":
    main()
