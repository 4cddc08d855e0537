#!/usr/bin/python3
"""Drives Open vSwitch's Python IDL (python3-openvswitch) against an OVSDB server.

Usage: python_idl.py UNIX_SOCKET STEP...

Prints one JSON object per line describing what the IDL saw, for tests/interop.rs to check:
  connect        -> {"step":"connect","tables":[...]}            after the initial dump
  insert NAME    -> {"step":"insert","status":"success"}         inserts a Bridge via the IDL
  bridges        -> {"step":"bridges","names":[...]}             the IDL's current Bridge names
  wait-bridge N  -> {"step":"wait-bridge","name":N}              waits until the IDL sees Bridge N
                                                                   (committed by another client)
Exits non-zero with a message on stderr when something does not happen within 20 seconds.
"""
import json
import sys
import time

import ovs.db.idl
import ovs.jsonrpc
import ovs.poller
import ovs.stream


def fetch_schema(remote):
    err, stream = ovs.stream.Stream.open_block(ovs.stream.Stream.open(remote))
    if err:
        raise SystemExit("cannot connect to %s: %s" % (remote, err))
    rpc = ovs.jsonrpc.Connection(stream)
    err, reply = rpc.transact_block(ovs.jsonrpc.Message.create_request("get_schema", ["Open_vSwitch"]))
    if err or reply.error:
        raise SystemExit("get_schema failed: %s %s" % (err, reply and reply.error))
    rpc.close()
    return reply.result


def run_until(idl, cond, what):
    deadline = time.time() + 20
    while time.time() < deadline:
        idl.run()
        if cond():
            return
        poller = ovs.poller.Poller()
        idl.wait(poller)
        poller.timer_wait(100)
        poller.block()
    raise SystemExit("timed out waiting for " + what)


def main():
    remote = "unix:" + sys.argv[1]
    helper = ovs.db.idl.SchemaHelper(schema_json=fetch_schema(remote))
    helper.register_all()
    idl = ovs.db.idl.Idl(remote, helper)
    out = lambda obj: print(json.dumps(obj), flush=True)
    steps = sys.argv[2:]
    i = 0
    while i < len(steps):
        step = steps[i]
        if step == "connect":
            run_until(idl, lambda: idl.has_ever_connected() and idl.change_seqno > 0, "initial contents")
            out({"step": "connect", "tables": sorted(idl.tables.keys())})
        elif step == "insert":
            name = steps[i + 1]
            i += 1
            txn = ovs.db.idl.Transaction(idl)
            ovs_row = next(iter(idl.tables["Open_vSwitch"].rows.values()))
            br = txn.insert(idl.tables["Bridge"])
            br.name = name
            ovs_row.addvalue("bridges", br.uuid)
            deadline = time.time() + 20
            status = txn.commit()
            while status == ovs.db.idl.Transaction.INCOMPLETE and time.time() < deadline:
                idl.run()
                poller = ovs.poller.Poller()
                idl.wait(poller)
                txn.wait(poller)
                poller.timer_wait(100)
                poller.block()
                status = txn.commit()
            out({"step": "insert", "status": ovs.db.idl.Transaction.status_to_string(status)})
        elif step == "bridges":
            idl.run()
            out({"step": "bridges", "names": sorted(r.name for r in idl.tables["Bridge"].rows.values())})
        elif step == "wait-bridge":
            name = steps[i + 1]
            i += 1
            run_until(idl, lambda: any(r.name == name for r in idl.tables["Bridge"].rows.values()),
                      "bridge " + name)
            out({"step": "wait-bridge", "name": name})
        else:
            raise SystemExit("unknown step " + step)
        i += 1
    idl.close()


if __name__ == "__main__":
    main()
