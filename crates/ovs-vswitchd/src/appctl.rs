//! The `ovs-appctl` commands ovs-vswitchd answers: `exit`, `ofproto/trace`, `ofproto/list`,
//! `fdb/show`, `fdb/flush`, `fdb/stats-show`, `dpif/show`, `dpif/dump-flows`,
//! `dpctl/dump-flows`, `dpctl/show`, `dpctl/del-flows`, `netdev-dummy/receive`,
//! `netdev-dummy/set-admin-state`, `time/warp`, `time/stop`, `revalidator/wait`,
//! `revalidator/purge`, `bridge/dump-flows`, `memory/show`, `coverage/show`, `upcall/show`.

use std::sync::{Arc, Mutex};

use dpif::{format_dump_flow, Dpif, KeyLayout};
use flow::{FieldId, Flow, PortMap};
use ofproto::{format_trace, xlate_with, XlateOptions};
use ofswitch::Switch;

use crate::ofconn::{handles, run_timers};
use crate::upcall::{lock, purge, revalidate_bridge};
use crate::vswitch::OFPP_LOCAL;
use crate::Shared;

fn port_label(p: u16) -> String {
    if p == OFPP_LOCAL {
        "LOCAL".into()
    } else {
        p.to_string()
    }
}

fn bridge(shared: &Shared, name: &str) -> Option<Arc<Mutex<Switch>>> {
    lock(&shared.vs).bridges.get(name).map(|b| b.switch.clone())
}

fn port_map(sw: &Switch) -> PortMap {
    let mut m = PortMap::new();
    for p in &sw.snap.ports {
        m.insert(&p.name, p.ofp_port);
    }
    m
}

fn parse_hex_packet(s: &str) -> Option<Vec<u8>> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() || s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

/// `ofproto/trace`.
fn trace(shared: &Shared, args: &[String]) -> Result<String, String> {
    let (_, router, clock) = handles(shared);
    let mut rest: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut packet: Option<Vec<u8>> = None;
    if rest.len() >= 2 {
        if let Some(last) = rest.last() {
            if *last == "-generate" {
                rest.pop();
            } else if let Some(p) = parse_hex_packet(last) {
                if rest.len() >= 2 && !last.contains('=') && !last.contains('(') {
                    packet = Some(p);
                    rest.pop();
                }
            }
        }
    }
    let (sw, flow) = match rest.as_slice() {
        [br, f] if bridge(shared, br).is_some() => {
            let sw = bridge(shared, br).ok_or("no such bridge")?;
            let pm = port_map(&lock(&sw));
            let text = f.replace("in_port=LOCAL", "in_port=65534");
            let m = flow::parse_match(&text, Some(&pm)).map_err(|e| e.to_string())?;
            (sw, *m.flow())
        }
        [br, _] if !br.contains('(') && !br.contains('=') => {
            return Err(format!("{br}: unknown bridge"));
        }
        [_, f] | [f] => {
            let (k, _, _) = dpif::parse_key(f).map_err(|e| e.to_string())?;
            let odp = k.get(FieldId::InPort) as u32;
            let route = router
                .get(odp)
                .ok_or_else(|| "no OpenFlow port for datapath port".to_string())?;
            let mut k = k;
            k.set(FieldId::InPort, u128::from(route.ofp_port));
            (route.switch, k)
        }
        _ => return Err("ofproto/trace: bad arguments".into()),
    };
    let mut flow: Flow = flow;
    if let Some(p) = &packet {
        let in_port = flow.get(FieldId::InPort) as u16;
        let mut f = Flow::new();
        flow::extract(
            p,
            &flow::Metadata {
                in_port,
                ..flow::Metadata::default()
            },
            &mut f,
        );
        flow = f;
    }
    let g = lock(&sw);
    let out = router.with_recirc(|next_recirc_id| {
        let out = xlate_with(
            &g.snap,
            &flow,
            XlateOptions {
                tracing: true,
                next_recirc_id,
                now_ms: clock.now_ms(),
            },
        );
        let next = out.next_recirc_id;
        (out, next)
    });
    Ok(format_trace(&g.snap, &flow, &out))
}

/// `dpif/show` and `dpctl/show`-like listing.
fn dpif_show(shared: &Shared) -> String {
    let vs = lock(&shared.vs);
    let st = vs.dp.stats();
    let mut s = format!("netdev@ovs-netdev: hit:{} missed:{}\n", st.hit, st.missed);
    for (name, br) in &vs.bridges {
        s.push_str(&format!("  {name}:\n"));
        let mut ifs: Vec<_> = br.ifaces.iter().collect();
        ifs.sort_by_key(|(n, _)| n.to_string());
        for (n, i) in ifs {
            let label = if i.ofp_port == OFPP_LOCAL {
                "65534".to_string()
            } else {
                i.ofp_port.to_string()
            };
            s.push_str(&format!(
                "    {n} {label}/{}: ({})\n",
                i.odp_port, i.dp_type
            ));
        }
    }
    s
}

fn dump_dp_flows(shared: &Shared, only: Option<&Arc<Mutex<Switch>>>) -> String {
    let (dp, router, _) = handles(shared);
    let now = dp.now_msec();
    let mut s = String::new();
    for f in dp.flow_dump() {
        if let Some(me) = only {
            let odp = f.key.get(FieldId::InPort) as u32;
            match router.get(odp) {
                Some(r) if Arc::ptr_eq(&r.switch, me) => {}
                _ => continue,
            }
        }
        s.push_str(&format_dump_flow(&f, &KeyLayout::default(), now));
        s.push('\n');
    }
    s
}

/// Registers every command.
pub fn register(server: &unixctl::Server, shared: &Arc<Shared>) {
    let sh = shared.clone();
    server.register_exit("exit", move || {
        sh.exiting.notify_one();
    });
    let sh = shared.clone();
    server.register(
        "ofproto/trace",
        "{[dp_name] odp_flow | bridge br_flow} [OPTIONS...] [-generate|packet]",
        1,
        usize::MAX,
        move |a| trace(&sh, a),
    );
    let sh = shared.clone();
    server.register("ofproto/list", "", 0, 0, move |_| {
        Ok(lock(&sh.vs)
            .bridges
            .keys()
            .map(|b| format!("{b}\n"))
            .collect())
    });
    let sh = shared.clone();
    server.register("fdb/show", "bridge", 1, 1, move |a| {
        let sw = bridge(&sh, &a[0]).ok_or_else(|| "no such bridge".to_string())?;
        let (_, _, clock) = handles(&sh);
        let g = lock(&sw);
        Ok(g.snap.normal.macs.format_show(clock.now_ms(), port_label))
    });
    for (cmd, what) in [("bond/show", "bond"), ("lacp/show", "lacp")] {
        let sh = shared.clone();
        server.register(cmd, "[port]", 0, 1, move |a| {
            crate::bonds::show(&sh, what, a.first().map(String::as_str))
        });
    }
    let sh = shared.clone();
    server.register("bond/list", "", 0, 0, move |_| {
        crate::bonds::show(&sh, "list", None)
    });
    for (cmd, what) in [
        ("bond/set-active-member", "set-active"),
        ("bond/set-active-slave", "set-active"),
        ("bond/enable-member", "enable"),
        ("bond/enable-slave", "enable"),
        ("bond/disable-member", "disable"),
        ("bond/disable-slave", "disable"),
    ] {
        let sh = shared.clone();
        server.register(cmd, "port member", 2, 2, move |a| {
            crate::bonds::command(&sh, what, &a[0], &a[1])
        });
    }
    server.register("bond/hash", "mac [vlan] [basis]", 1, 3, |a| {
        let args: Vec<&str> = a.iter().map(String::as_str).collect();
        bond::bond::bond_hash_command(&args).map_err(|e| e.to_string())
    });
    let sh = shared.clone();
    server.register("fdb/stats-show", "bridge", 1, 1, move |a| {
        let sw = bridge(&sh, &a[0]).ok_or_else(|| "no such bridge".to_string())?;
        let g = lock(&sw);
        Ok(g.snap.normal.macs.format_stats(&a[0]))
    });
    let sh = shared.clone();
    server.register("fdb/flush", "[bridge]", 0, 1, move |a| {
        let (dp, router, clock) = handles(&sh);
        let sws: Vec<Arc<Mutex<Switch>>> = match a.first() {
            Some(b) => vec![bridge(&sh, b).ok_or_else(|| "no such bridge".to_string())?],
            None => lock(&sh.vs)
                .bridges
                .values()
                .map(|b| b.switch.clone())
                .collect(),
        };
        for sw in sws {
            let mut g = lock(&sw);
            g.snap.normal.macs.flush();
            revalidate_bridge(&dp, &router, &sw, &mut g.snap, clock.now_ms());
        }
        Ok("table successfully flushed\n".into())
    });
    let sh = shared.clone();
    server.register("dpif/show", "", 0, 0, move |_| Ok(dpif_show(&sh)));
    let sh = shared.clone();
    server.register("dpctl/show", "[dp]", 0, 1, move |_| Ok(dpif_show(&sh)));
    let sh = shared.clone();
    server.register("dpif/dump-flows", "bridge", 1, 3, move |a| {
        let br = a.last().cloned().unwrap_or_default();
        let sw = bridge(&sh, &br).ok_or_else(|| "no such bridge".to_string())?;
        Ok(dump_dp_flows(&sh, Some(&sw)))
    });
    let sh = shared.clone();
    server.register("dpctl/dump-flows", "[dp] [filter=..]", 0, 3, move |_| {
        Ok(dump_dp_flows(&sh, None))
    });
    let sh = shared.clone();
    server.register("dpctl/del-flows", "[dp]", 0, 1, move |_| {
        let (dp, router, _) = handles(&sh);
        purge(&dp, &router);
        Ok(String::new())
    });
    let sh = shared.clone();
    server.register(
        "netdev-dummy/receive",
        "name [--qid queue_id] packet|flow [--len packet_len]",
        2,
        usize::MAX,
        move |a| {
            let _ = &sh;
            let name = &a[0];
            let h = netdev::dummy::handle_for(name)
                .ok_or_else(|| format!("no such dummy netdev '{name}'"))?;
            let mut rest: Vec<&str> = a[1..].iter().map(String::as_str).collect();
            let mut len: Option<usize> = None;
            if let Some(i) = rest.iter().position(|x| *x == "--len") {
                let v = rest
                    .get(i + 1)
                    .and_then(|v| v.parse::<usize>().ok())
                    .ok_or_else(|| "--len needs a packet length".to_string())?;
                if v < 60 {
                    return Err("too small packet len".into());
                }
                len = Some(v);
                rest.drain(i..=i + 1);
            }
            if let Some(i) = rest.iter().position(|x| *x == "--qid") {
                rest.drain(i..(i + 2).min(rest.len()));
            }
            let mut frames = Vec::new();
            for p in &rest {
                frames.push(match parse_hex_packet(p) {
                    Some(b) if !p.contains('=') && !p.contains('(') => b,
                    _ => compose_from_text(p, len)?,
                });
            }
            for f in frames {
                h.inject(&f);
            }
            Ok(String::new())
        },
    );
    server.register(
        "netdev-dummy/set-admin-state",
        "[netdev] up|down",
        1,
        2,
        move |a| {
            let (name, state) = match a {
                [n, s] => (Some(n), s),
                [s] => (None, s),
                _ => return Err("bad arguments".into()),
            };
            let up = match state.as_str() {
                "up" => true,
                "down" => false,
                _ => return Err("Invalid Admin State".into()),
            };
            if let Some(n) = name {
                let h = netdev::dummy::handle_for(n)
                    .ok_or_else(|| "Unknown Dummy Interface".to_string())?;
                h.set_carrier(up);
            }
            Ok("OK\n".into())
        },
    );
    let sh = shared.clone();
    server.register("time/warp", "[large_msecs] msecs", 1, 2, move |a| {
        let (_, _, clock) = handles(&sh);
        let total: u64 = a
            .last()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| "invalid msecs".to_string())?;
        let step: u64 = if a.len() == 2 {
            a[0].parse()
                .map_err(|_| "invalid large_msecs".to_string())?
        } else {
            total
        };
        let step = step.max(1);
        let mut left = total;
        while left > 0 {
            let d = step.min(left);
            clock.warp(d);
            run_timers(&sh);
            left -= d;
        }
        if total == 0 {
            run_timers(&sh);
        }
        Ok("warped\n".into())
    });
    server.register("time/stop", "", 0, 0, |_| Ok(String::new()));
    let sh = shared.clone();
    server.register("revalidator/wait", "", 0, 0, move |_| {
        run_timers(&sh);
        Ok(String::new())
    });
    let sh = shared.clone();
    server.register("revalidator/purge", "", 0, 0, move |_| {
        let (dp, router, _) = handles(&sh);
        purge(&dp, &router);
        Ok(String::new())
    });
    let sh = shared.clone();
    server.register("memory/show", "", 0, 0, move |_| {
        let vs = lock(&sh.vs);
        let rules: usize = vs
            .bridges
            .values()
            .map(|b| lock(&b.switch).snap.tables.total_rules())
            .sum();
        let ports: usize = vs.bridges.values().map(|b| b.ifaces.len()).sum();
        Ok(format!(
            "handlers:1 idl-cells:0 ports:{ports} revalidators:1 rules:{rules}\n"
        ))
    });
    server.register("coverage/show", "", 0, 0, |_| {
        Ok("Event coverage, avg rate over last: 5 seconds, last minute, last hour,  hash=00000000:\n0 events never hit\n".into())
    });
    let sh = shared.clone();
    server.register("upcall/show", "", 0, 0, move |_| {
        let (dp, _, _) = handles(&sh);
        let st = dp.stats();
        Ok(format!(
            "netdev@ovs-netdev:\n  flows         : (current {})\n  dump duration : 1ms\n",
            st.flows
        ))
    });
}

/// Builds the packet a datapath-syntax flow (`eth(...),ipv4(...)`) describes, as
/// `netdev-dummy/receive` does.
fn compose_from_text(text: &str, len: Option<usize>) -> Result<Vec<u8>, String> {
    let (f, _, _) = dpif::parse_key(text).map_err(|e| format!("{text}: {e}"))?;
    match len {
        None => Ok(flow::compose_packet(
            &f,
            &flow::generated_payload(flow::DEFAULT_L7_LEN),
        )),
        Some(n) => flow::compose_packet_sized(&f, n).ok_or_else(String::new),
    }
}
