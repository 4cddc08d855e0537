#!/usr/bin/env python3
"""Records Open vSwitch's NORMAL-action decisions for the `normal` crate's oracle test.

Starts a private ovsdb-server + ovs-vswitchd (dummy datapath) in a temporary directory,
replays every scenario below against it and writes scenarios.json next to this script.
Each scenario is a bridge configuration plus a list of steps; every observing step
(trace, fdb, stats) gets the reference peer's answer attached.  The Rust test
(tests/oracle.rs) replays the same steps on the pure model without Open vSwitch.

Usage: python3 gen_scenarios.py   (needs Debian's openvswitch-switch 3.1)
"""
import copy, json, os, re, shutil, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
D = tempfile.mkdtemp(prefix="normal-oracle-")
ENV = dict(os.environ, OVS_RUNDIR=D, OVS_DBDIR=D, OVS_LOGDIR=D)


def run(*args, check=True):
    r = subprocess.run(list(args), env=ENV, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{args}: {r.stderr}")
    return r.stdout


def vsctl(*args):
    return run("ovs-vsctl", f"--db=unix:{D}/db.sock", *args)


def appctl(*args):
    return run("ovs-appctl", "-t", f"{D}/vs.ctl", *args)


def start():
    for f in os.listdir(D):
        os.unlink(os.path.join(D, f))
    run("ovsdb-tool", "create", f"{D}/db", "/usr/share/openvswitch/vswitch.ovsschema")
    run("ovsdb-server", f"{D}/db", f"--remote=punix:{D}/db.sock", f"--pidfile={D}/db.pid",
        f"--unixctl={D}/db.ctl", "--detach", "--no-chdir", f"--log-file={D}/db.log")
    run("ovs-vswitchd", f"unix:{D}/db.sock", "--enable-dummy=override", "--disable-system",
        "--disable-system-route", f"--pidfile={D}/vs.pid", f"--unixctl={D}/vs.ctl",
        "--detach", "--no-chdir", f"--log-file={D}/vs.log")


def stop():
    for p in ("vs.pid", "db.pid"):
        try:
            pid = int(open(f"{D}/{p}").read().strip())
        except (OSError, ValueError):
            continue
        try:
            os.kill(pid, 15)
        except OSError:
            continue
        for _ in range(200):  # wait (up to 10 s) for it to exit
            try:
                os.kill(pid, 0)
            except OSError:
                break
            time.sleep(0.05)


# ---------------------------------------------------------------- scenario DSL

def P(name, ofport, **kw):
    d = {"name": name, "ofport": ofport}
    d.update(kw)
    return d


def pkt(in_port, src, dst, vlan=None, pcp=0, arp=None, vlan1=None, tpid=0x8100):
    """A test frame; `vlan1` adds an inner 802.1Q tag, `tpid` is the outer tag's TPID."""
    return {"in_port": in_port, "src": src, "dst": dst, "vlan": vlan, "pcp": pcp, "arp": arp,
            "vlan1": vlan1, "tpid": tpid}


def mac(n):
    return "00:00:00:00:%02x:%02x" % (n >> 8, n & 0xff)


BC = "ff:ff:ff:ff:ff:ff"
MC = "01:00:5e:00:00:01"
SCENARIOS = []


def scenario(name, ports, steps, bridge=None):
    SCENARIOS.append(copy.deepcopy({"name": name, "ports": ports, "bridge": bridge or {},
                                    "steps": [copy.deepcopy(st) for st in steps]}))


def T(*a, **k):
    return {"op": "trace", "pkt": pkt(*a, **k)}


def L(*a, **k):
    return {"op": "learn", "pkt": pkt(*a, **k)}


def W(ms):
    return {"op": "warp", "ms": ms}


FDB = {"op": "fdb"}
STATS = {"op": "stats"}
FLUSH = {"op": "flush"}


def SETP(port, **cfg):
    return {"op": "set_port", "port": port, "cfg": cfg}


def SETB(**cfg):
    return {"op": "set_bridge", "cfg": cfg}


from scenarios_def import define  # noqa: E402  (scenario list kept in its own file)

define(globals())

# ---------------------------------------------------------------- driving OVS

def port_args(p):
    if p.get("bond"):
        # A bond of dummy members: p["bond"] is [[member, ofport], ...].
        a = ["--", "add-bond", "br0", p["name"]] + [m for m, _ in p["bond"]]
        a.append(f"bond_mode={p.get('bond_mode', 'balance-slb')}")
        if p.get("tag") is not None:
            a.append(f"tag={p['tag']}")
        for m, of in p["bond"]:
            a += ["--", "set", "interface", m, "type=dummy", f"ofport_request={of}"]
        return a
    if p.get("fake_bridge"):
        # The internal port of fake bridge `name` on br0 in VLAN `tag`.
        return ["--", "add-br", p["name"], "br0", str(p["tag"]), "--", "set", "interface",
                p["name"], f"ofport_request={p['ofport']}"]
    a = ["--", "add-port", p.get("on", "br0"), p["name"]]
    if p.get("tag") is not None:
        a.append(f"tag={p['tag']}")
    if p.get("trunks"):
        a.append("trunks=" + ",".join(map(str, p["trunks"])))
    if p.get("vlan_mode"):
        a.append(f"vlan_mode={p['vlan_mode']}")
    if p.get("cvlans"):
        a.append("cvlans=" + ",".join(map(str, p["cvlans"])))
    oc = []
    if p.get("priority_tags"):
        oc.append(f"other_config:priority-tags={p['priority_tags']}")
    if p.get("qinq_ethtype"):
        oc.append(f"other_config:qinq-ethtype={p['qinq_ethtype']}")
    a += ["--", "set", "interface", p["name"], "type=dummy", f"ofport_request={p['ofport']}"]
    if oc:
        a += ["--", "set", "port", p["name"]] + oc
    return a


def bridge_args(b):
    a = []
    for k in ("mac-aging-time", "mac-table-size", "forward-bpdu"):
        if k in b:
            a.append(f"other_config:{k}={b[k]}")
    if b.get("flood_vlans"):
        a.append("flood_vlans=" + ",".join(map(str, b["flood_vlans"])))
    return ["--", "set", "bridge", "br0"] + a if a else []


def odp_map():
    m = {}
    for line in appctl("dpif/show").splitlines():
        mm = re.match(r"\s+(\S+) (\d+)/(\d+):", line)
        if mm:
            m[mm.group(3)] = mm.group(1)
    return m


def trace_flow(ofports, p):
    s = f"in_port={ofports[p['in_port']]}"
    if p["vlan"] is not None:
        s += ",vlan_tci=0x%04x" % (0x1000 | (p["pcp"] << 13) | p["vlan"])
    s += f",dl_src={p['src']},dl_dst={p['dst']}"
    if p["arp"]:
        op, spa, tpa = p["arp"]
        s = "arp," + s + f",arp_op={op},arp_spa={spa},arp_tpa={tpa}"
    return s


def odp_packet(odp_of, p):
    inner = "eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),udp(src=1,dst=2)"
    if p["arp"]:
        op, spa, tpa = p["arp"]
        inner = f"eth_type(0x0806),arp(sip={spa},tip={tpa},op={op},sha={p['src']},tha=00:00:00:00:00:00)"
    s = f"in_port({odp_of[p['in_port']]}),eth(src={p['src']},dst={p['dst']}),"
    if p.get("vlan1") is not None:
        inner = f"eth_type(0x8100),vlan(vid={p['vlan1']},pcp=0),encap({inner})"
    if p["vlan"] is not None:
        s += f"eth_type({p.get('tpid', 0x8100):#06x}),vlan(vid={p['vlan']},pcp={p['pcp']}),encap({inner})"
    else:
        s += inner
    return s


def split_top(s):
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    if cur:
        out.append(cur)
    return out


def parse_actions(text, names, p):
    """Replays datapath actions on the packet's VLAN stack: [[port, [[tpid,vid,pcp],..]]]."""
    stack = [] if p["vlan"] is None else [[p.get("tpid", 0x8100), p["vlan"], p["pcp"]]]
    if p.get("vlan1") is not None:
        stack.append([0x8100, p["vlan1"], 0])
    outs = []
    if text == "drop":
        return outs
    for a in split_top(text):
        if a == "pop_vlan":
            stack = stack[1:]
        elif a.startswith("push_vlan("):
            kv = dict(x.split("=") for x in a[10:-1].split(","))
            stack = [[int(kv.get("tpid", "0x8100"), 16), int(kv["vid"]), int(kv["pcp"])]] + stack
        elif a.isdigit():
            outs.append([names[a], [list(t) for t in stack]])
        else:
            raise RuntimeError(f"unexpected action {a}")
    return sorted(outs)


def run_scenario(sc):
    args = ["add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=dummy"]
    for p in sc["ports"]:
        args += port_args(p)
    args += bridge_args(sc["bridge"])
    if "vlan-limit" in sc["bridge"]:
        args += ["--", "set", "Open_vSwitch", ".",
                 f"other_config:vlan-limit={sc['bridge']['vlan-limit']}"]
    vsctl(*args)
    ofports = {p["name"]: p["ofport"] for p in sc["ports"] if not p.get("bond")}
    member_of = {}
    for p in sc["ports"]:
        for m, of in p.get("bond") or []:
            ofports[m] = of
            member_of[m] = p["name"]
    ofports["br0"] = "LOCAL"
    names = odp_map()
    odp_of = {v: k for k, v in names.items()}
    names = {k: member_of.get(v, v) for k, v in names.items()}  # outputs name the bundle
    appctl("fdb/stats-clear", "br0")
    for st in sc["steps"]:
        op = st["op"]
        if member_of and op in ("trace", "learn"):
            # Which bond member is active decides admissibility of multicast frames.
            st["bond_active"] = re.findall(r"active member mac: \S+\((\S+)\)",
                                           appctl("bond/show"))
        if op == "trace":
            if st["pkt"].get("vlan1") is not None or st["pkt"].get("tpid", 0x8100) != 0x8100:
                out = appctl("ofproto/trace", odp_packet(odp_of, st["pkt"]))
            else:
                out = appctl("ofproto/trace", "br0", trace_flow(ofports, st["pkt"]))
            lines = out.splitlines()
            dp = [l for l in lines if l.startswith("Datapath actions: ")][0][18:]
            expl = []
            seen = False
            for l in lines:
                if l.strip() == "NORMAL":
                    seen = True
                elif seen and (l.strip().startswith("->") or l.strip().startswith(">>")):
                    expl.append(l.strip())
                elif seen and not l.strip():
                    break
            st["expect"] = {"datapath": dp, "outputs": parse_actions(dp, names, st["pkt"]),
                            "explain": expl,
                            "megaflow": [l for l in lines if l.startswith("Megaflow: ")][0][10:]}
        elif op == "learn":
            appctl("netdev-dummy/receive", st["pkt"]["in_port"], odp_packet(odp_of, st["pkt"]))
            appctl("dpctl/del-flows", "dummy@ovs-dummy")
        elif op == "warp":
            appctl("time/warp", str(st["ms"]))
        elif op == "fdb":
            st["expect"] = appctl("fdb/show", "br0")
        elif op == "stats":
            st["expect"] = appctl("fdb/stats-show", "br0")
        elif op == "flush":
            appctl("fdb/flush", "br0")
        elif op == "set_port":
            a = []
            for k, v in st["cfg"].items():
                if k in ("priority_tags", "qinq_ethtype"):
                    col = "other_config:" + k.replace("_", "-")
                else:
                    col = k
                if v is None or v == []:
                    vsctl("remove" if ":" in col else "clear", "port", st["port"],
                          *(["other_config", col.split(":")[1]] if ":" in col else [col]))
                    continue
                a.append(f"{col}={','.join(map(str, v)) if isinstance(v, list) else v}")
            if a:
                vsctl("set", "port", st["port"], *a)
        elif op == "set_bridge":
            a = bridge_args(st["cfg"])
            if "flood_vlans" in st["cfg"] and not st["cfg"]["flood_vlans"]:
                vsctl("clear", "bridge", "br0", "flood_vlans")
            if a:
                vsctl(*a[1:])
        elif op == "fdb_add":
            appctl("fdb/add", "br0", st["port"], str(st["vlan"]), st["mac"])
        elif op == "fdb_del":
            appctl("fdb/del", "br0", str(st["vlan"]), st["mac"])
        elif op == "noflood":
            run("ovs-ofctl", "mod-port", f"unix:{D}/br0.mgmt", st["port"], "no-flood")
            # Poll (deadline 10 s) until the port reports NO_FLOOD, then let the daemon's
            # main loop turn around twice so the forwarding configuration has caught up.
            deadline = time.monotonic() + 10
            while "NO_FLOOD" not in run("ovs-ofctl", "show", f"unix:{D}/br0.mgmt"):
                if time.monotonic() > deadline:
                    raise RuntimeError("no-flood did not take effect")
                time.sleep(0.05)
            appctl("version")
            appctl("version")
        elif op == "mirror_out":
            vsctl("--", "--id=@p", "get", "port", st["port"], "--", "--id=@m", "create", "mirror",
                  "name=m0", "select_all=true", "output_port=@p", "--", "set", "bridge", "br0",
                  "mirrors=@m")
        else:
            raise RuntimeError(op)


def main():
    sys.path.insert(0, HERE)
    try:
        for sc in SCENARIOS:
            start()  # a fresh database and daemon for every scenario
            try:
                appctl("time/stop")
                run_scenario(sc)
            finally:
                stop()
    finally:
        shutil.rmtree(D, ignore_errors=True)
    with open(os.path.join(HERE, "scenarios.json"), "w") as f:
        json.dump({"generator": "gen_scenarios.py against Open vSwitch "
                   + run("ovs-vswitchd", "--version").splitlines()[0],
                   "scenarios": SCENARIOS}, f, indent=1)
    n = sum(1 for s in SCENARIOS for st in s["steps"] if "expect" in st)
    print(f"{len(SCENARIOS)} scenarios, {n} observed cases")


if __name__ == "__main__":
    main()
