//! Property test: random sequences of flow_mods, bundles (OpenFlow 1.3 semantics), statistics
//! updates and timeout passes keep the tables equal to a naive model (a plain list of
//! rules with their times and counters), errors included.

use proptest::prelude::*;

use super::*;

/// A model rule: in_port (none, 1 or 2), whether it matches `ip`, and the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct MRule {
    table: u8,
    in_port: Option<u16>,
    ip: bool,
    prio: u16,
    cookie: u64,
    act: u32,
    packets: u64,
    idle: u16,
    hard: u16,
    modified: u64,
    used: u64,
}

#[derive(Debug, Clone)]
enum Op {
    Add {
        table: u8,
        in_port: Option<u16>,
        ip: bool,
        prio: u16,
        cookie: u64,
        act: u32,
        check_overlap: bool,
        reset: bool,
        idle: u16,
        hard: u16,
    },
    Modify {
        strict: bool,
        table: u8,
        in_port: Option<u16>,
        ip: bool,
        prio: u16,
        cookie: u64,
        mask: u64,
        act: u32,
        reset: bool,
    },
    Delete {
        strict: bool,
        table: u8,
        in_port: Option<u16>,
        ip: bool,
        prio: u16,
        cookie: u64,
        mask: u64,
        out_port: Option<u32>,
    },
}

fn match_str(in_port: Option<u16>, ip: bool) -> String {
    let mut parts = Vec::new();
    if ip {
        parts.push("ip".to_string());
    }
    if let Some(p) = in_port {
        parts.push(format!("in_port={p}"));
    }
    parts.join(",")
}

fn to_flow_mod(op: &Op) -> FlowMod<Acts> {
    match *op {
        Op::Add {
            table,
            in_port,
            ip,
            prio,
            cookie,
            act,
            check_overlap,
            reset,
            idle,
            hard,
        } => {
            let mut fm = add(table, &match_str(in_port, ip), prio, out(&[act]));
            fm.idle_timeout = idle;
            fm.hard_timeout = hard;
            fm.set_wire_cookie(OfVersion::Of13, cookie, 0);
            fm.flags.check_overlap = check_overlap;
            fm.flags.reset_counts = reset;
            fm
        }
        Op::Modify {
            strict,
            table,
            in_port,
            ip,
            prio,
            cookie,
            mask,
            act,
            reset,
        } => {
            let c = if strict {
                FlowModCommand::ModifyStrict
            } else {
                FlowModCommand::Modify
            };
            let mut fm = cmd(c, table, &match_str(in_port, ip), prio, out(&[act]));
            fm.set_wire_cookie(OfVersion::Of13, cookie, mask);
            fm.flags.reset_counts = reset;
            fm
        }
        Op::Delete {
            strict,
            table,
            in_port,
            ip,
            prio,
            cookie,
            mask,
            out_port,
        } => {
            let c = if strict {
                FlowModCommand::DeleteStrict
            } else {
                FlowModCommand::Delete
            };
            let mut fm = cmd(c, table, &match_str(in_port, ip), prio, drop_());
            fm.set_wire_cookie(OfVersion::Of13, cookie, mask);
            fm.out_port = out_port;
            fm
        }
    }
}

const TABLE1_LIMIT: usize = 3;

#[allow(clippy::too_many_arguments)]
fn selected(
    r: &MRule,
    strict: bool,
    table: u8,
    in_port: Option<u16>,
    ip: bool,
    prio: u16,
    cookie: u64,
    mask: u64,
) -> bool {
    (table == TABLE_ALL || r.table == table)
        && (r.cookie ^ cookie) & mask == 0
        && if strict {
            r.in_port == in_port && r.ip == ip && r.prio == prio
        } else {
            in_port.is_none_or(|p| r.in_port == Some(p)) && (!ip || r.ip)
        }
}

/// Applies `op` to the model.
fn model_apply(model: &mut Vec<MRule>, op: &Op, now: u64) -> Result<(), OfpError> {
    match *op {
        Op::Add {
            table,
            in_port,
            ip,
            prio,
            cookie,
            act,
            check_overlap,
            reset,
            idle,
            hard,
        } => {
            if let Some(r) = model
                .iter_mut()
                .find(|r| r.table == table && r.in_port == in_port && r.ip == ip && r.prio == prio)
            {
                r.cookie = cookie;
                r.act = act;
                r.idle = idle;
                r.hard = hard;
                r.modified = now;
                if reset {
                    r.packets = 0;
                }
                return Ok(());
            }
            if check_overlap
                && model.iter().any(|r| {
                    r.table == table
                        && r.prio == prio
                        && (r.in_port.is_none() || in_port.is_none() || r.in_port == in_port)
                })
            {
                return Err(OfpError::Overlap);
            }
            if table == 1 && model.iter().filter(|r| r.table == 1).count() >= TABLE1_LIMIT {
                return Err(OfpError::TableFull);
            }
            model.push(MRule {
                table,
                in_port,
                ip,
                prio,
                cookie,
                act,
                packets: 0,
                idle,
                hard,
                modified: now,
                used: now,
            });
            Ok(())
        }
        Op::Modify {
            strict,
            table,
            in_port,
            ip,
            prio,
            cookie,
            mask,
            act,
            reset,
        } => {
            for r in model.iter_mut() {
                if selected(r, strict, table, in_port, ip, prio, cookie, mask) {
                    r.act = act;
                    r.modified = now;
                    if reset {
                        r.packets = 0;
                    }
                }
            }
            Ok(())
        }
        Op::Delete {
            strict,
            table,
            in_port,
            ip,
            prio,
            cookie,
            mask,
            out_port,
        } => {
            model.retain(|r| {
                !(selected(r, strict, table, in_port, ip, prio, cookie, mask)
                    && out_port.is_none_or(|p| r.act == p))
            });
            Ok(())
        }
    }
}

fn snapshot(t: &T) -> Vec<(MRule, RuleId)> {
    let mut out = Vec::new();
    for table in [0u8, 1] {
        for r in t.rules_in_table(table) {
            let mut found = None;
            for in_port in [None, Some(1), Some(2)] {
                for ip in [false, true] {
                    if r.match_ == m(&match_str(in_port, ip)) {
                        found = Some((in_port, ip));
                    }
                }
            }
            let Some((in_port, ip)) = found else {
                panic!("unexpected match in rule {r:?}");
            };
            let act = match r.actions.0.as_slice() {
                [Act::Output(p)] => *p,
                other => panic!("unexpected actions {other:?}"),
            };
            out.push((
                MRule {
                    table,
                    in_port,
                    ip,
                    prio: r.priority,
                    cookie: r.cookie,
                    act,
                    packets: r.n_packets,
                    idle: r.idle_timeout,
                    hard: r.hard_timeout,
                    modified: r.modified_ms,
                    used: r.used_ms,
                },
                r.id,
            ));
        }
    }
    out.sort();
    out
}

fn arb_port() -> impl Strategy<Value = Option<u16>> {
    prop_oneof![Just(None), Just(Some(1)), Just(Some(2))]
}

fn arb_op() -> impl Strategy<Value = Op> {
    let add = (
        0u8..2,
        arb_port(),
        any::<bool>(),
        1u16..3,
        0u64..3,
        1u32..4,
        any::<bool>(),
        any::<bool>(),
        prop_oneof![Just(0u16), Just(1), Just(2)],
        prop_oneof![Just(0u16), Just(1), Just(3)],
    )
        .prop_map(
            |(table, in_port, ip, prio, cookie, act, check_overlap, reset, idle, hard)| Op::Add {
                table,
                in_port,
                ip,
                prio,
                cookie,
                act,
                check_overlap,
                reset,
                idle,
                hard,
            },
        );
    let table = prop_oneof![Just(0u8), Just(1u8), Just(TABLE_ALL)];
    let mask = prop_oneof![Just(0u64), Just(0xffu64)];
    let modify = (
        any::<bool>(),
        table.clone(),
        arb_port(),
        any::<bool>(),
        1u16..3,
        0u64..3,
        mask.clone(),
        1u32..4,
        any::<bool>(),
    )
        .prop_map(
            |(strict, table, in_port, ip, prio, cookie, mask, act, reset)| Op::Modify {
                strict,
                table,
                in_port,
                ip,
                prio,
                cookie,
                mask,
                act,
                reset,
            },
        );
    let out_port = prop_oneof![Just(None), (1u32..4).prop_map(Some)];
    let delete = (
        any::<bool>(),
        table,
        arb_port(),
        any::<bool>(),
        1u16..3,
        0u64..3,
        mask,
        out_port,
    )
        .prop_map(
            |(strict, table, in_port, ip, prio, cookie, mask, out_port)| Op::Delete {
                strict,
                table,
                in_port,
                ip,
                prio,
                cookie,
                mask,
                out_port,
            },
        );
    prop_oneof![4 => add, 2 => modify, 2 => delete]
}

#[derive(Debug, Clone)]
enum Step {
    One(Op),
    Bundle(Vec<Op>),
    Credit(usize),
    Expire,
}

fn arb_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => arb_op().prop_map(Step::One),
        2 => proptest::collection::vec(arb_op(), 1..5).prop_map(Step::Bundle),
        2 => (0usize..8).prop_map(Step::Credit),
        2 => Just(Step::Expire),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn tables_follow_naive_model(steps in proptest::collection::vec(arb_step(), 1..40)) {
        let mut t = T::new();
        t.set_table_config(1, TableConfig { max_flows: TABLE1_LIMIT as u32, ..TableConfig::default() }).unwrap();
        let mut model: Vec<MRule> = Vec::new();
        for (i, step) in steps.iter().enumerate() {
            let now = i as u64 * 250;
            match step {
                Step::One(op) => {
                    let want = model_apply(&mut model, op, now);
                    let got = t.apply(&to_flow_mod(op), now).map(|_| ());
                    prop_assert_eq!(got, want, "step {} {:?}", i, op);
                }
                Step::Bundle(ops) => {
                    let mut m2 = model.clone();
                    let mut want = Ok(());
                    for (index, op) in ops.iter().enumerate() {
                        if let Err(error) = model_apply(&mut m2, op, now) {
                            want = Err(BatchError { index, error });
                            break;
                        }
                    }
                    if want.is_ok() {
                        model = m2;
                    }
                    let fms: Vec<_> = ops.iter().map(to_flow_mod).collect();
                    let got = t.apply_batch(&fms, now).map(|_| ());
                    prop_assert_eq!(got, want, "step {} {:?}", i, ops);
                }
                Step::Credit(k) => {
                    let snap = snapshot(&t);
                    if !snap.is_empty() {
                        let (row, id) = snap[k % snap.len()];
                        prop_assert!(t.credit_stats(id, 1, 100, now));
                        if let Some(r) = model.iter_mut().find(|r| {
                            r.table == row.table && r.in_port == row.in_port && r.ip == row.ip && r.prio == row.prio
                        }) {
                            r.packets += 1;
                            r.used = r.used.max(now);
                        }
                    }
                }
                Step::Expire => {
                    let expired = |r: &MRule| {
                        (r.hard > 0 && now > r.modified + u64::from(r.hard) * 1000)
                            || (r.idle > 0 && now > r.used + u64::from(r.idle) * 1000)
                    };
                    let n = model.iter().filter(|r| expired(r)).count();
                    model.retain(|r| !expired(r));
                    prop_assert_eq!(t.expire(now).removed.len(), n);
                }
            }
            let mut want = model.clone();
            want.sort();
            let got: Vec<MRule> = snapshot(&t).into_iter().map(|(r, _)| r).collect();
            prop_assert_eq!(&got, &want, "after step {} {:?}", i, step);
            prop_assert_eq!(t.total_rules(), model.len());
            let agg = t.aggregate(&FlowFilter::all()).unwrap();
            prop_assert_eq!(agg.flow_count as usize, model.len());
            prop_assert_eq!(agg.packet_count, model.iter().map(|r| r.packets).sum::<u64>());
        }
    }
}
