#!/usr/bin/env python3
"""Generates transactions.json, the input of the differential OVSDB test (tests/differential.rs).

Each case is run against our ovsdb-server and Debian's; their normalised answers must match.
"""
import json
C=[]
def case(name, *txns, raw=None):
    c={"name":name}
    if raw is not None: c["raw"]=raw
    else: c["txns"]=[list(t) for t in txns]
    C.append(c)
def ins(table,row,name=None,uuid=None):
    o={"op":"insert","table":table,"row":row}
    if name: o["uuid-name"]=name
    if uuid: o["uuid"]=uuid
    return o
def sel(table,where=[],columns=None):
    o={"op":"select","table":table,"where":where}
    if columns is not None: o["columns"]=columns
    return o
def upd(table,where,row): return {"op":"update","table":table,"where":where,"row":row}
def mut(table,where,muts): return {"op":"mutate","table":table,"where":where,"mutations":muts}
def dele(table,where): return {"op":"delete","table":table,"where":where}
def st(*a): return ["set",list(a)]
def mp(*a): return ["map",[list(x) for x in a]]
U=lambda s:["uuid",s]
N=lambda s:["named-uuid",s]
ALLSEL=[sel("Root",[], ["name","i","r","b","color","short","opt","tags","one_to_three","kv","ikv","frozen","eph","u"])]

# ---- insert: defaults and every type
case("insert defaults", [ins("Root",{"name":"a"}), sel("Root")])
case("insert every column", [ins("Root",{"name":"a","i":5,"r":2.5,"b":True,"color":"red","short":"ab","opt":3,"tags":st(1,2,3),"one_to_three":st("x","y"),"kv":mp(["k","v"],["a","b"]),"ikv":mp([1,0.5]),"frozen":"f","eph":7,"u":U("01234567-89ab-cdef-0123-456789abcdef")})]+ALLSEL)
case("insert int at min", [ins("Root",{"name":"a","i":-10})]+ALLSEL)
case("insert int at max", [ins("Root",{"name":"a","i":1000})])
case("insert int below min", [ins("Root",{"name":"a","i":-11})])
case("insert int above max", [ins("Root",{"name":"a","i":1001})])
case("insert real at bounds", [ins("Root",{"name":"a","r":-1.5}),ins("Root",{"name":"b","r":100.25})])
case("insert real out of range", [ins("Root",{"name":"a","r":100.5})])
case("insert integer into real column", [ins("Root",{"name":"a","r":3})]+ALLSEL)
case("insert real into integer column", [ins("Root",{"name":"a","i":3.5})])
case("insert string into integer column", [ins("Root",{"name":"a","i":"3"})])
case("insert bool as int", [ins("Root",{"name":"a","b":1})])
case("insert string too long", [ins("Root",{"name":"a","short":"abcde"})])
case("insert string too short", [ins("Root",{"name":"a","short":""})])
case("insert utf8 string length", [ins("Root",{"name":"a","short":"ééé"})]+ALLSEL)
case("insert enum bad value", [ins("Root",{"name":"a","color":"pink"})])
case("insert enum required default", [ins("Enum",{})])
case("insert enum required ok", [ins("Enum",{"color":"blue"}), sel("Enum",[],["color"])])
case("insert set too big", [ins("Root",{"name":"a","one_to_three":st("a","b","c","d")})])
case("insert set empty below min", [ins("Root",{"name":"a","one_to_three":st()})])
case("insert set duplicate elements", [ins("Root",{"name":"a","tags":st(1,1,2)})]+ALLSEL)
case("insert set element out of range", [ins("Root",{"name":"a","tags":st(1,4096)})])
case("insert bare atom as set", [ins("Root",{"name":"a","tags":7})]+ALLSEL)
case("insert map too big", [ins("Root",{"name":"a","ikv":mp([1,1.0],[2,2.0],[3,3.0])})])
case("insert map duplicate keys", [ins("Root",{"name":"a","kv":mp(["k","v"],["k","w"])})])
case("insert map wrong value type", [ins("Root",{"name":"a","kv":mp(["k",1])})])
case("insert map as set", [ins("Root",{"name":"a","kv":st("k")})])
case("insert set as map", [ins("Root",{"name":"a","tags":mp([1,2])})])
case("insert unknown column", [ins("Root",{"name":"a","nope":1})])
case("insert unknown table", [ins("Nope",{})])
case("insert _uuid column", [ins("Root",{"name":"a","_uuid":U("01234567-89ab-cdef-0123-456789abcdef")})])
case("insert _version column", [ins("Root",{"name":"a","_version":U("01234567-89ab-cdef-0123-456789abcdef")})])
case("insert row not object", [{"op":"insert","table":"Root","row":[1]}])
case("insert missing row", [{"op":"insert","table":"Root"}])
case("insert missing table", [{"op":"insert","row":{}}])
case("insert with explicit uuid", [ins("Root",{"name":"a"},uuid="11111111-2222-3333-4444-555555555555"), sel("Root",[["_uuid","==",U("11111111-2222-3333-4444-555555555555")]],["name"])])
case("insert explicit uuid duplicate", [ins("Root",{"name":"a"},uuid="11111111-2222-3333-4444-555555555555"),ins("Root",{"name":"b"},uuid="11111111-2222-3333-4444-555555555555")])
case("insert explicit uuid bad", [ins("Root",{"name":"a"},uuid="not-a-uuid")])
case("insert bad uuid value", [ins("Root",{"name":"a","u":U("xyz")})])
case("insert uuid value wrong shape", [ins("Root",{"name":"a","u":["uuid"]})])
case("insert named uuid reference", [ins("Child",{"name":"c"},"c"), ins("Root",{"name":"a","children":N("c")}), sel("Child",[],["name"])])
case("insert named uuid unknown", [ins("Root",{"name":"a","children":N("nope")})])
case("insert duplicate uuid-name", [ins("Leaf",{},"x"), ins("Leaf",{},"x")])
case("insert bad uuid-name", [ins("Leaf",{},"1bad")])
case("named uuid used before declared", [ins("Root",{"name":"a","children":N("c")}), ins("Child",{"name":"c"},"c"), sel("Child",[],["name"])])
case("named uuid in set", [ins("Child",{"name":"c1"},"c1"), ins("Child",{"name":"c2"},"c2"), ins("Root",{"name":"a","children":st(N("c1"),N("c2"))}), sel("Child",[],["name"])])
case("named uuid as map value", [ins("Leaf",{},"l"), ins("Root",{"name":"a","u":N("l")}), sel("Root",[],["name"])])
case("insert strong ref to nonexistent row", [ins("Root",{"name":"a","children":U("01234567-89ab-cdef-0123-456789abcdef")})])
case("insert weak ref to nonexistent row dropped", [ins("Root",{"name":"a","weak_children":U("01234567-89ab-cdef-0123-456789abcdef")}), sel("Root",[],["weak_children"])])
case("insert required weak ref nonexistent", [ins("WeakReq",{"w":U("01234567-89ab-cdef-0123-456789abcdef")})])
case("insert required weak ref default", [ins("WeakReq",{})])
case("insert required weak ref ok", [ins("Leaf",{"v":1},"l"), ins("WeakReq",{"w":N("l")}), sel("WeakReq",[],[])])
case("gc unreferenced non-root row", [ins("Child",{"name":"orphan"})], [sel("Child",[],["name"])])
case("gc keeps referenced rows", [ins("Child",{"name":"c"},"c"), ins("Root",{"name":"a","children":N("c")})], [sel("Child",[],["name"])])
case("gc chain", [ins("Leaf",{"v":1},"l"), ins("Child",{"name":"c","leaf":N("l")},"c"), ins("Root",{"name":"a","children":N("c")})], [dele("Root",[])], [sel("Child"), sel("Leaf")])
case("index duplicate within transaction", [ins("Root",{"name":"a"}), ins("Root",{"name":"a"})])
case("index duplicate across transactions", [ins("Root",{"name":"a"})], [ins("Root",{"name":"a"})], [sel("Root",[],["name"])])
case("composite index ok", [ins("Limited",{"a":1,"b":"x"}), ins("Limited",{"a":1,"b":"y"})])
case("composite index duplicate", [ins("Limited",{"a":1,"b":"x"}), ins("Limited",{"a":1,"b":"x"})])
case("maxRows exceeded", [ins("Limited",{"a":1}), ins("Limited",{"a":2}), ins("Limited",{"a":3})])
case("maxRows singleton", [ins("Singleton",{})], [ins("Singleton",{})])
case("index swap in one transaction", [ins("Root",{"name":"a","i":1}), ins("Root",{"name":"b","i":2})], [upd("Root",[["i","==",1]],{"name":"tmp"}), upd("Root",[["i","==",2]],{"name":"a"}), upd("Root",[["i","==",1]],{"name":"b"})], [sel("Root",[],["name","i"])])
case("index freed by delete then reinsert", [ins("Root",{"name":"a"})], [dele("Root",[["name","==","a"]]), ins("Root",{"name":"a"})], [sel("Root",[],["name"])])

# ---- select and conditions
base=[ins("Root",{"name":"a","i":1,"r":1.5,"b":True,"color":"red","tags":st(1,2),"kv":mp(["x","1"]),"short":"s"}),
      ins("Root",{"name":"b","i":2,"r":2.5,"b":False,"color":"green","tags":st(2,3),"kv":mp(["x","2"],["y","1"])}),
      ins("Root",{"name":"c","i":3,"r":-1.0,"b":False,"tags":st(),"kv":mp()})]
for col,fn,val in [("i","==",2),("i","!=",2),("i","<",2),("i","<=",2),("i",">",2),("i",">=",2),("i","includes",2),("i","excludes",2),
                   ("r","<",2.0),("r",">=",1.5),("r","==",-1),("b","==",True),("b","!=",True),("b","<",True),
                   ("name","==","a"),("name","!=","a"),("name","<","b"),("name","includes","a"),
                   ("color","==","red"),("color","==",st()),("color","includes",st()),("color","excludes","red"),
                   ("tags","==",st(1,2)),("tags","includes",2),("tags","includes",st(2,3)),("tags","excludes",2),("tags","excludes",st(1,3)),("tags","!=",st()),("tags","<",st(1)),
                   ("kv","==",mp(["x","1"])),("kv","includes",mp(["x","2"])),("kv","excludes",mp(["x","2"])),("kv","includes",mp()),
                   ("short","==","s"),("short","==",st()),
                   ("_uuid","!=",U("01234567-89ab-cdef-0123-456789abcdef")),
                   ("i","==","x"),("nope","==",1),("i","~=",1),("tags","==",st(1,9999))]:
    case(f"select where {col} {fn} {json.dumps(val)}", base+[sel("Root",[[col,fn,val]],["name"])])
case("select multiple conditions", base+[sel("Root",[["i",">",1],["b","==",False],["name","!=","c"]],["name"])])
case("select all columns", base[:1]+[sel("Root",[["name","==","a"]])])
case("select no columns", base[:1]+[sel("Root",[],[])])
case("select _uuid _version columns", base[:1]+[sel("Root",[],["_uuid","_version"])])
case("select unknown column", base[:1]+[sel("Root",[],["nope"])])
case("select duplicate column", base[:1]+[sel("Root",[],["name","name"])])
case("select unknown table", [sel("Nope")])
case("select where not array", [{"op":"select","table":"Root","where":{}}])
case("select condition too short", [{"op":"select","table":"Root","where":[["i","=="]]}])
case("select missing where", [{"op":"select","table":"Root"}])
case("select columns not array", [{"op":"select","table":"Root","where":[],"columns":"name"}])
case("select where true false", base+[sel("Root",[True],["name"]), sel("Root",[False],["name"])])

# ---- update
case("update basic", base+[upd("Root",[["name","==","a"]],{"i":7,"tags":st(9)}), sel("Root",[["name","==","a"]],["i","tags"])])
case("update count many", base+[upd("Root",[],{"b":True})])
case("update none matched", base+[upd("Root",[["name","==","zz"]],{"b":True})])
case("update immutable column", base+[upd("Root",[],{"frozen":"x"})])
case("update _uuid", base+[upd("Root",[],{"_uuid":U("01234567-89ab-cdef-0123-456789abcdef")})])
case("update constraint violation", base+[upd("Root",[],{"i":5000})])
case("update index conflict", base+[upd("Root",[["name","==","b"]],{"name":"a"})])
case("update unknown column", base+[upd("Root",[],{"zz":1})])
case("update strong ref missing", base+[upd("Root",[],{"children":U("01234567-89ab-cdef-0123-456789abcdef")})])
case("update row missing", [{"op":"update","table":"Root","where":[]}])
case("update then abort rollback", base, [upd("Root",[],{"i":9}), {"op":"abort"}], [sel("Root",[],["i"])])
case("update ephemeral column", base+[upd("Root",[["name","==","a"]],{"eph":3}), sel("Root",[["name","==","a"]],["eph"])])

# ---- mutate
for col,m,val in [("i","+=",5),("i","-=",1),("i","*=",3),("i","/=",2),("i","%=",2),("i","/=",0),("i","%=",0),("i","+=",10000),("i","*=",-100),
                  ("r","+=",1.25),("r","*=",2),("r","/=",0),("r","%=",2),("r","+=",1000),
                  ("b","+=",1),("name","+=","x"),
                  ("tags","insert",st(5,6)),("tags","insert",9),("tags","delete",st(1,2)),("tags","delete",1),("tags","+=",1),("tags","insert",st(5000)),
                  ("kv","insert",mp(["x","9"],["z","3"])),("kv","delete",mp(["x","1"])),("kv","delete",st("x")),("kv","delete",st("q")),("kv","delete",mp(["x","wrong"])),
                  ("ikv","insert",mp([1,1.0],[2,2.0],[3,3.0])),
                  ("one_to_three","delete",st("")),("one_to_three","insert",st("p","q","r")),
                  ("frozen","+=","z"),("_uuid","insert",st()),("nope","+=",1),("i","^=",1),("color","insert","red")]:
    case(f"mutate {col} {m} {json.dumps(val)}", base+[mut("Root",[["name","==","a"]],[[col,m,val]]), sel("Root",[["name","==","a"]],[col] if col in ("i","r","b","name","tags","kv","ikv","one_to_three","frozen","color") else ["name"])])
case("mutate multiple rows count", base+[mut("Root",[],[["i","+=",1]]), sel("Root",[],["i"])])
case("mutate tags on set applies to all", base+[mut("Root",[],[["tags","insert",st(100)]]), sel("Root",[],["tags"])])
case("mutate integer overflow", base+[upd("Root",[["name","==","a"]],{"i":1000}), mut("Root",[["name","==","a"]],[["i","*=",9223372036854775807]])])
case("mutate mutations not array", base+[{"op":"mutate","table":"Root","where":[],"mutations":{}}])
case("mutate malformed mutation", base+[{"op":"mutate","table":"Root","where":[],"mutations":[["i","+="]]}])
case("mutate index conflict", base+[mut("Root",[["name","==","b"]],[["short","insert","s"]]), mut("Root",[],[["i","*=",1]])])

# ---- delete, references
case("delete count", base+[dele("Root",[["i",">",1]]), sel("Root",[],["name"])])
case("delete none", base+[dele("Root",[["i",">",100]])])
case("delete strongly referenced row", [ins("Leaf",{"v":1},"l"), ins("Child",{"name":"c","leaf":N("l")},"c"), ins("Root",{"name":"a","children":N("c")})], [dele("Leaf",[])])
case("delete row with weak refs to it", [ins("Child",{"name":"c"},"c"), ins("Root",{"name":"a","children":N("c"),"weak_children":N("c")}), ins("Root",{"name":"b","weak_children":N("c")})], [upd("Root",[["name","==","a"]],{"children":st()})], [sel("Root",[],["name","weak_children"]), sel("Child",[],["name"])])
case("delete required weak target", [ins("Leaf",{"v":1},"l"), ins("WeakReq",{"w":N("l")})], [dele("Leaf",[])])
case("delete referencer then referenced in one txn", [ins("Leaf",{"v":1},"l"), ins("Child",{"name":"c","leaf":N("l")},"c"), ins("Root",{"name":"a","children":N("c")})], [dele("Root",[]), sel("Child",[],["name"])], [sel("Child",[],["name"]), sel("Leaf",[],["v"])])
case("delete unknown table", [dele("Nope",[])])
case("delete where missing", [{"op":"delete","table":"Root"}])
case("weak ref via mutate to deleted row", [ins("Child",{"name":"c"},"c"), ins("Root",{"name":"a","children":N("c")})], [mut("Root",[],[["weak_children","insert",U("01234567-89ab-cdef-0123-456789abcdef")]]), sel("Root",[],["weak_children"])])
case("cross txn uuid reference", [ins("Leaf",{"v":5})], [ins("Child",{"name":"c","leaf":["uuid","$0.0"]},"c"), ins("Root",{"name":"a","children":N("c")}), sel("Child",[],["name","leaf"])])

# ---- wait
case("wait == satisfied", base+[{"op":"wait","timeout":0,"table":"Root","where":[["name","==","a"]],"columns":["i"],"until":"==","rows":[{"i":1}]}])
case("wait == unsatisfied times out", base+[{"op":"wait","timeout":0,"table":"Root","where":[["name","==","a"]],"columns":["i"],"until":"==","rows":[{"i":2}]}])
case("wait != satisfied", base+[{"op":"wait","timeout":0,"table":"Root","where":[["name","==","a"]],"columns":["i"],"until":"!=","rows":[{"i":2}]}])
case("wait != unsatisfied", base+[{"op":"wait","timeout":0,"table":"Root","where":[["name","==","a"]],"columns":["i"],"until":"!=","rows":[{"i":1}]}])
case("wait rows count differs", base+[{"op":"wait","timeout":0,"table":"Root","where":[],"columns":["b"],"until":"==","rows":[{"b":False}]}])
case("wait empty rows", base+[{"op":"wait","timeout":0,"table":"Root","where":[["name","==","zz"]],"columns":["i"],"until":"==","rows":[]}])
case("wait bad until", base+[{"op":"wait","timeout":0,"table":"Root","where":[],"columns":["i"],"until":"<","rows":[]}])
case("wait missing rows", base+[{"op":"wait","timeout":0,"table":"Root","where":[],"until":"=="}])
case("wait unknown column", base+[{"op":"wait","timeout":0,"table":"Root","where":[],"columns":["zz"],"until":"==","rows":[]}])
case("wait no columns all", base[:1]+[{"op":"wait","timeout":0,"table":"Root","where":[],"until":"!=","rows":[{}]}])

# ---- commit, abort, comment, assert, misc
case("commit durable", [ins("Leaf",{"v":1}), {"op":"commit","durable":True}])
case("commit non durable", [ins("Leaf",{"v":1}), {"op":"commit","durable":False}])
case("commit missing durable", [{"op":"commit"}])
case("commit durable not bool", [{"op":"commit","durable":1}])
case("abort", [ins("Root",{"name":"a"}), {"op":"abort"}, ins("Root",{"name":"b"})], [sel("Root",[],["name"])])
case("comment", [{"op":"comment","comment":"hello"}])
case("comment not string", [{"op":"comment","comment":5}])
case("assert lock not held", [{"op":"assert","lock":"mylock"}])
case("assert lock bad", [{"op":"assert","lock":5}])
case("unknown op", [{"op":"frobnicate"}])
case("op not string", [{"op":5}])
case("operation not object", [5])
case("empty transaction", [])
case("extra member in op", [{"op":"select","table":"Root","where":[],"bogus":1}])
case("error stops later ops", [ins("Root",{"name":"a","i":5000}), ins("Root",{"name":"b"})], [sel("Root",[],["name"])])
case("ops after error in same txn", [sel("Root"), {"op":"frobnicate"}, sel("Root")])
case("many ops", [ins("Leaf",{"v":i}) for i in range(50)]+[sel("Leaf",[["v",">=",45]],["v"])])
case("large string", [ins("Root",{"name":"x"*10000}), sel("Root",[],["name"])])
case("unicode strings", [ins("Root",{"name":"日本語 ñ \u00e9 \"q\" \\ \n\t"}), sel("Root",[],["name"])])
case("integer extremes", [ins("Leaf",{"v":9223372036854775807}), ins("Leaf",{"v":-9223372036854775808}), sel("Leaf",[],["v"])])
case("real formatting", [ins("Root",{"name":"a","r":1e-5}), ins("Root",{"name":"b","r":33.333333333333336}), ins("Root",{"name":"c","r":-0.0}), sel("Root",[],["name","r"])])
case("real in integer where", base+[sel("Root",[["i","==",1.0]],["name"])])
case("map with named uuid value", [ins("Leaf",{"v":2},"l"), ins("Singleton",{"m":mp(["x",1],["y",9])}), sel("Singleton",[],["m"])])
case("map value out of range", [ins("Singleton",{"m":mp(["x",10])})])
case("map key not in enum", [ins("Singleton",{"m":mp(["z",1])})])

# ---- vswitch schema (db "Open_vSwitch")
V=[]
def vcase(name,*txns): C.append({"name":name,"db":"Open_vSwitch","txns":[list(t) for t in txns]})
vcase("vswitch init", [ins("Open_vSwitch",{}), sel("Open_vSwitch",[],["bridges","next_cfg","cur_cfg"])])
vcase("vswitch add bridge with port and interface", [ins("Open_vSwitch",{},"ovs")], [ins("Interface",{"name":"br0","type":"internal"},"i"), ins("Port",{"name":"br0","interfaces":N("i")},"p"), ins("Bridge",{"name":"br0","ports":N("p")},"b"), mut("Open_vSwitch",[],[["bridges","insert",N("b")]])], [sel("Bridge",[],["name"]), sel("Port",[],["name"]), sel("Interface",[],["name","type"])])
vcase("vswitch port tag range", [ins("Interface",{"name":"e"},"i"), ins("Port",{"name":"e","interfaces":N("i"),"tag":4096})])
vcase("vswitch port without interface", [ins("Port",{"name":"e"})])
vcase("vswitch bridge orphan gc", [ins("Bridge",{"name":"br0"})], [sel("Bridge")])
vcase("vswitch duplicate bridge name", [ins("Open_vSwitch",{},"ovs")], [ins("Bridge",{"name":"b"},"b1"), ins("Bridge",{"name":"b"},"b2"), mut("Open_vSwitch",[],[["bridges","insert",st(N("b1"),N("b2"))]])])
vcase("vswitch interface type enum", [ins("Interface",{"name":"x","type":"frob"}), ins("Port",{"name":"x","interfaces":N("i")})])
vcase("vswitch sflow create", [ins("Open_vSwitch",{},"ovs")], [ins("sFlow",{"agent":"eth1","targets":"172.16.18.18:6343","header":128,"sampling":64,"polling":1},"s"), ins("Bridge",{"name":"ovsbr0","sflow":N("s")},"b"), mut("Open_vSwitch",[],[["bridges","insert",N("b")]]), sel("sFlow",[],["agent","targets","header","sampling","polling"])])
vcase("vswitch next_cfg increment", [ins("Open_vSwitch",{})], [mut("Open_vSwitch",[],[["next_cfg","+=",1]]), sel("Open_vSwitch",[],["next_cfg"])])
vcase("vswitch two Open_vSwitch rows", [ins("Open_vSwitch",{}), ins("Open_vSwitch",{})])
vcase("vswitch external ids", [ins("Open_vSwitch",{"external_ids":mp(["system-id","abc"])}), sel("Open_vSwitch",[],["external_ids"])])
vcase("vswitch controller ref", [ins("Open_vSwitch",{},"ovs")], [ins("Controller",{"target":"tcp:127.0.0.1:6653"},"c"), ins("Bridge",{"name":"b","controller":N("c")},"b"), mut("Open_vSwitch",[],[["bridges","insert",N("b")]]), sel("Controller",[],["target"])])
vcase("vswitch manager ref", [ins("Open_vSwitch",{},"ovs")], [ins("Manager",{"target":"ptcp:6640"},"m"), mut("Open_vSwitch",[],[["manager_options","insert",N("m")]]), sel("Manager",[],["target"])])
vcase("vswitch mirror", [ins("Open_vSwitch",{},"ovs")], [ins("Interface",{"name":"p1"},"i"), ins("Port",{"name":"p1","interfaces":N("i")},"p"), ins("Mirror",{"name":"m","select_all":True,"output_port":N("p")},"m"), ins("Bridge",{"name":"b","ports":N("p"),"mirrors":N("m")},"b"), mut("Open_vSwitch",[],[["bridges","insert",N("b")]]), sel("Mirror",[],["name","select_all"])])
vcase("vswitch vlan_mode enum", [ins("Interface",{"name":"p1"},"i"), ins("Port",{"name":"p1","interfaces":N("i"),"vlan_mode":"bogus"})])
vcase("vswitch trunks too many", [ins("Interface",{"name":"p1"},"i"), ins("Port",{"name":"p1","interfaces":N("i"),"trunks":st(*range(4097))})])


# ---- raw JSON-RPC (bytes sent as-is; replies compared, "<EOF>" when the server hangs up)
def raw(name, text, replies=1): C.append({"name":name,"raw_text":text,"replies":replies})
raw("rpc echo", '{"method":"echo","params":[1,"x",{"a":[]}],"id":1}')
raw("rpc unknown method", '{"method":"nosuch","params":[],"id":1}')
raw("rpc params object", '{"method":"list_dbs","params":{},"id":1}')
raw("rpc params missing", '{"method":"list_dbs","id":1}')
raw("rpc bad json", '{bad json')
raw("rpc not object", '[1,2]')
raw("rpc unexpected reply", '{"result":1,"id":5}{"method":"echo","params":[],"id":6}')
raw("rpc transact empty params", '{"method":"transact","params":[],"id":1}')
raw("rpc transact unknown db", '{"method":"transact","params":["Nope"],"id":1}')
raw("rpc transact db not string", '{"method":"transact","params":[5],"id":1}')
raw("rpc get_schema unknown db", '{"method":"get_schema","params":["Nope"],"id":1}')
raw("rpc get_schema no params", '{"method":"get_schema","params":[],"id":1}')
raw("rpc transact params string", '{"method":"transact","params":"x","id":1}')
raw("rpc monitor unknown table", '{"method":"monitor","params":["Test",null,{"Nope":{}}],"id":1}')
raw("rpc monitor unknown column", '{"method":"monitor","params":["Test",null,{"Root":{"columns":["zz"]}}],"id":1}')
raw("rpc monitor bad select", '{"method":"monitor","params":["Test",null,{"Root":{"select":{"initial":5}}}],"id":1}')
raw("rpc monitor duplicate id", '{"method":"monitor","params":["Test","m",{"Leaf":{}}],"id":1}{"method":"monitor","params":["Test","m",{"Leaf":{}}],"id":2}', 2)
raw("rpc monitor_cancel unknown", '{"method":"monitor_cancel","params":["zz"],"id":1}')
raw("rpc monitor_cond bad where", '{"method":"monitor_cond","params":["Test",null,{"Root":{"where":[["i","~",1]]}}],"id":1}')
raw("rpc pipelined", '{"method":"echo","params":[],"id":1}{"method":"list_dbs","params":[],"id":2}', 2)
raw("rpc whitespace and complex id", '  \n{"method":"list_dbs","params":[],"id":[1,{"a":2}]}')
raw("rpc get_server_id", '{"method":"get_server_id","params":[],"id":1}')
raw("rpc extra member", '{"method":"echo","params":[],"id":1,"extra":3}')
raw("rpc notification ignored", '{"method":"echo","params":[]}{"method":"echo","params":[2],"id":2}')
raw("rpc lock twice", '{"method":"lock","params":["x"],"id":1}{"method":"lock","params":["x"],"id":2}', 2)
raw("rpc unlock not held", '{"method":"unlock","params":["x"],"id":1}')
raw("rpc steal", '{"method":"steal","params":["x"],"id":1}')
raw("rpc lock bad name", '{"method":"lock","params":[5],"id":1}')
raw("rpc lock then assert", '{"method":"lock","params":["x"],"id":1}{"method":"transact","params":["Test",{"op":"assert","lock":"x"}],"id":2}', 2)
raw("rpc set_db_change_aware", '{"method":"set_db_change_aware","params":[true],"id":1}')
raw("rpc list_dbs", '{"method":"list_dbs","params":[],"id":"abc"}')
raw("rpc get_schema _Server", '{"method":"get_schema","params":["_Server"],"id":1}')
raw("rpc transact _Server select", '{"method":"transact","params":["_Server",{"op":"select","table":"Database","where":[],"columns":["name","model","connected","leader","schema"]}],"id":1}')
raw("rpc transact _Server insert", '{"method":"transact","params":["_Server",{"op":"insert","table":"Database","row":{"name":"x"}}],"id":1}')
raw("rpc cancel unknown", '{"method":"cancel","params":[99],"id":1}')
raw("rpc monitor initial", '{"method":"transact","params":["Test",{"op":"insert","table":"Root","row":{"name":"a","i":3}}],"id":1}{"method":"monitor","params":["Test",null,{"Root":{"columns":["name","i"]}}],"id":2}', 2)
raw("rpc monitor_cond initial", '{"method":"transact","params":["Test",{"op":"insert","table":"Root","row":{"name":"a","i":3}}],"id":1}{"method":"monitor_cond","params":["Test",null,{"Root":[{"columns":["name","i"],"where":[["i","==",3]]}]}],"id":2}', 2)
raw("rpc monitor_cond_since initial", '{"method":"transact","params":["Test",{"op":"insert","table":"Root","row":{"name":"a","i":3}}],"id":1}{"method":"monitor_cond_since","params":["Test",null,{"Root":[{"columns":["name","i"]}]},"00000000-0000-0000-0000-000000000000"],"id":2}', 2)
raw("rpc monitor then update", '{"method":"monitor","params":["Test",null,{"Root":{"columns":["name","i"]}}],"id":1}{"method":"transact","params":["Test",{"op":"insert","table":"Root","row":{"name":"a","i":3}}],"id":2}', 3)
raw("rpc monitor_cond then modify", '{"method":"transact","params":["Test",{"op":"insert","table":"Root","row":{"name":"a","i":3,"tags":["set",[1,2]],"kv":["map",[["a","1"],["b","2"]]]}}],"id":1}{"method":"monitor_cond","params":["Test","m",{"Root":[{"columns":["name","i","tags","kv"]}]}],"id":2}{"method":"transact","params":["Test",{"op":"mutate","table":"Root","where":[],"mutations":[["i","+=",1],["tags","insert",["set",[5]]],["tags","delete",1],["kv","insert",["map",[["c","3"]]]],["kv","delete",["set",["a"]]]]}],"id":3}', 4)
raw("rpc monitor_cond then delete", '{"method":"transact","params":["Test",{"op":"insert","table":"Root","row":{"name":"a","i":3}}],"id":1}{"method":"monitor_cond","params":["Test","m",{"Root":[{"columns":["name"]}]}],"id":2}{"method":"transact","params":["Test",{"op":"delete","table":"Root","where":[]}],"id":3}', 4)
raw("rpc monitor_cond_change", '{"method":"transact","params":["Test",{"op":"insert","table":"Root","row":{"name":"a","i":3}},{"op":"insert","table":"Root","row":{"name":"b","i":4}}],"id":1}{"method":"monitor_cond","params":["Test","m",{"Root":[{"columns":["name"],"where":[["i","==",3]]}]}],"id":2}{"method":"monitor_cond_change","params":["m","m2",{"Root":[{"where":[["i","==",4]]}]}],"id":3}', 4)

json.dump(C, open(__import__('os').path.join(__import__('os').path.dirname(__import__('os').path.abspath(__file__)),'transactions.json'),'w'), indent=1, ensure_ascii=False)
print(len(C))
