//! Differential test against Debian's `ovs-vswitchd` (a reference peer): random flow_mods
//! and bundles go to a private `ovs-vswitchd --enable-dummy=override` through `ovs-ofctl`
//! and to [`OfprotoTables`]; errors and `ovs-ofctl dump-flows` output must agree, before
//! and after a clock warp that expires some rules.
//!
//! The switch's clock is stopped (`time/stop`) so every rule is created at the same instant
//! and durations are exact; timeouts are 0, 5 or 10 s and the final warp is 6.5 s, so
//! which rules expire does not depend on when the switch runs its once-a-second expiry.
//! Skipped (with a notice) when the reference binaries are not installed.

use std::path::PathBuf;
use std::time::Duration;

use flow::{parse_match, PortMap};
use ofproto_tables::*;
use testkit::{reference, wait_until, Sandbox};

#[derive(Debug, Clone, PartialEq, Eq)]
struct Out(Option<u32>);

impl RuleActions for Out {
    fn outputs_to_port(&self, port: PortNo) -> bool {
        self.0 == Some(port)
    }
    fn outputs_to_group(&self, _group_id: u32) -> bool {
        false
    }
    fn format_actions(&self, out: &mut String, _ports: Option<&PortMap>) {
        match self.0 {
            Some(CONTROLLER) => out.push_str("controller(reason=)"),
            Some(p) => out.push_str(&format!("output:{p}")),
            None => out.push_str("drop"),
        }
    }
}

/// Stands for the `controller(reason=)` action of Open vSwitch's internal rules.
const CONTROLLER: u32 = u32::MAX;

/// Open vSwitch's internal rules in table 254, as `ovs-ofctl dump-flows br0 table=254`
/// shows them on a new bridge.
fn install_internal_rules(t: &mut OfprotoTables<Out>) {
    for (m, prio, act) in [
        ("recirc_id=0", 2, None),
        ("reg0=0x1", 0, Some(CONTROLLER)),
        ("reg0=0x2", 0, None),
        ("reg0=0x3", 0, None),
    ] {
        let mut fm = FlowMod::new(
            FlowModCommand::Add,
            TABLE_INTERNAL,
            parse_match(m, None).unwrap(),
            Out(act),
        )
        .with_priority(prio);
        fm.no_readonly = true;
        t.apply(&fm, 0).unwrap();
    }
}

/// A small deterministic generator (xorshift64*), so failures reproduce from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
}

#[derive(Debug, Clone)]
struct Op {
    command: FlowModCommand,
    table: Option<u8>,
    match_: String,
    priority: u16,
    cookie: u64,
    cookie_filter: bool,
    idle: u16,
    hard: u16,
    send_flow_rem: bool,
    check_overlap: bool,
    reset_counts: bool,
    out_port: Option<u32>,
    act: Option<u32>,
}

fn random_op(r: &mut Rng) -> Op {
    use FlowModCommand::*;
    let command = r.pick(&[Add, Add, Add, Modify, ModifyStrict, Delete, DeleteStrict]);
    let mut parts = Vec::new();
    let ip = r.chance(50);
    if ip {
        parts.push("ip".to_string());
    }
    if let Some(p) = r.pick(&[None, Some(1), Some(2)]) {
        parts.push(format!("in_port={p}"));
    }
    if ip && r.chance(40) {
        parts.push("nw_src=10.0.0.1".to_string());
    }
    let table = if command == Add {
        Some(r.pick(&[0, 0, 1]))
    } else {
        r.pick(&[None, Some(0), Some(1)])
    };
    Op {
        command,
        table,
        match_: parts.join(","),
        priority: r.pick(&[1, 2, DEFAULT_PRIORITY]),
        cookie: r.below(3),
        cookie_filter: command != Add && r.chance(30),
        idle: r.pick(&[0, 0, 5, 10]),
        hard: r.pick(&[0, 0, 5, 10]),
        send_flow_rem: r.chance(30),
        check_overlap: r.chance(30),
        reset_counts: r.chance(20),
        out_port: if matches!(command, Delete | DeleteStrict) && r.chance(30) {
            Some(r.pick(&[1, 2, 3]))
        } else {
            None
        },
        act: r.pick(&[None, Some(1), Some(2), Some(3)]),
    }
}

/// The op in `ovs-ofctl` syntax: (subcommand, --strict?, flow text).
fn ofctl_text(op: &Op) -> (&'static str, bool, String) {
    use FlowModCommand::*;
    let mut parts = Vec::new();
    if let Some(t) = op.table {
        parts.push(format!("table={t}"));
    }
    let strict = matches!(op.command, ModifyStrict | DeleteStrict);
    if op.command == Add || strict {
        parts.push(format!("priority={}", op.priority));
    }
    if op.command == Add {
        parts.push(format!("cookie={:#x}", op.cookie));
        parts.push(format!("idle_timeout={}", op.idle));
        parts.push(format!("hard_timeout={}", op.hard));
        if op.send_flow_rem {
            parts.push("send_flow_rem".into());
        }
        if op.check_overlap {
            parts.push("check_overlap".into());
        }
    } else if op.cookie_filter {
        parts.push(format!("cookie={:#x}/-1", op.cookie));
    }
    if op.reset_counts && matches!(op.command, Add | Modify | ModifyStrict) {
        parts.push("reset_counts".into());
    }
    if let Some(p) = op.out_port {
        parts.push(format!("out_port={p}"));
    }
    if !op.match_.is_empty() {
        parts.push(op.match_.clone());
    }
    if matches!(op.command, Add | Modify | ModifyStrict) {
        parts.push(match op.act {
            Some(p) => format!("actions=output:{p}"),
            None => "actions=drop".into(),
        });
    }
    let sub = match op.command {
        Add => "add-flow",
        Modify | ModifyStrict => "mod-flows",
        Delete | DeleteStrict => "del-flows",
    };
    (sub, strict, parts.join(","))
}

fn flow_mod(op: &Op, version: OfVersion) -> FlowMod<Out> {
    let m = match parse_match(&op.match_, None) {
        Ok(m) => m,
        Err(e) => panic!("{}: {e}", op.match_),
    };
    // ovs-ofctl sends table 0 for an OpenFlow 1.1+ add or modify without `table=`.
    let delete = matches!(
        op.command,
        FlowModCommand::Delete | FlowModCommand::DeleteStrict
    );
    let default_table = if delete || version == OfVersion::Of10 {
        TABLE_ALL
    } else {
        0
    };
    let mut fm = FlowMod::new(
        op.command,
        op.table.unwrap_or(default_table),
        m,
        Out(op.act),
    )
    .with_priority(op.priority);
    // What ovs-ofctl sends: the text has a priority only for adds and strict commands, a
    // cookie only for adds and (as a filter) when `cookie_filter` is set.
    if matches!(op.command, FlowModCommand::Modify | FlowModCommand::Delete) {
        fm.priority = DEFAULT_PRIORITY;
    }
    let mask = if op.cookie_filter { u64::MAX } else { 0 };
    let wire_cookie = if op.command == FlowModCommand::Add || op.cookie_filter {
        op.cookie
    } else {
        0
    };
    fm.set_wire_cookie(version, wire_cookie, mask);
    if op.command == FlowModCommand::Add {
        fm.idle_timeout = op.idle;
        fm.hard_timeout = op.hard;
        fm.flags.send_flow_rem = op.send_flow_rem;
        fm.flags.check_overlap = op.check_overlap;
    }
    fm.flags.reset_counts = op.reset_counts
        && matches!(
            op.command,
            FlowModCommand::Add | FlowModCommand::Modify | FlowModCommand::ModifyStrict
        );
    fm.out_port = op.out_port;
    fm.apply_version_defaults(version);
    assert_eq!(fm.check_version(version), Ok(()));
    fm
}

struct Switch {
    sb: Sandbox,
    mgmt: PathBuf,
    ctl: PathBuf,
}

impl Switch {
    fn start() -> Switch {
        let mut sb = Sandbox::new("ofproto-tables");
        let db = sb.dbdir().join("conf.db");
        let run = sb.rundir();
        let out = sb
            .run(
                sb.command(reference::path("ovsdb-tool"))
                    .arg("create")
                    .arg(&db)
                    .arg(reference::vswitch_schema()),
                Duration::from_secs(120),
            )
            .expect("ovsdb-tool");
        assert!(out.status.success(), "ovsdb-tool create failed");
        let db_sock = run.join("db.sock");
        let mut cmd = sb.command(reference::path("ovsdb-server"));
        cmd.arg(&db)
            .arg(format!("--remote=punix:{}", db_sock.display()))
            .arg(format!("--unixctl={}", run.join("db.ctl").display()))
            .arg("--no-chdir");
        sb.spawn("ovsdb-server", cmd).expect("spawn ovsdb-server");
        sb.wait_for_path(&db_sock, Duration::from_secs(120))
            .expect("ovsdb-server socket");
        let ctl = run.join("vs.ctl");
        let mut cmd = sb.command(reference::path("ovs-vswitchd"));
        cmd.arg(format!("unix:{}", db_sock.display()))
            .args([
                "--enable-dummy=override",
                "--disable-system",
                "--disable-system-route",
            ])
            .arg(format!("--unixctl={}", ctl.display()))
            .arg("--no-chdir");
        sb.spawn("ovs-vswitchd", cmd).expect("spawn ovs-vswitchd");
        sb.wait_for_path(&ctl, Duration::from_secs(120))
            .expect("ovs-vswitchd control socket");
        let out = sb
            .run(
                sb.command(reference::path("ovs-vsctl"))
                    .arg(format!("--db=unix:{}", db_sock.display()))
                    .args([
                        "--timeout=20",
                        "add-br",
                        "br0",
                        "--",
                        "set",
                        "bridge",
                        "br0",
                    ])
                    .arg("datapath_type=dummy")
                    // Table 1 refuses a fourth flow.
                    .args(["--", "--id=@ft", "create", "Flow_Table", "flow_limit=3"])
                    .args(["overflow_policy=refuse", "--", "set", "bridge", "br0"])
                    .arg("flow_tables:1=@ft"),
                Duration::from_secs(120),
            )
            .expect("ovs-vsctl");
        assert!(
            out.status.success(),
            "add-br: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mgmt = run.join("br0.mgmt");
        sb.wait_for_path(&mgmt, Duration::from_secs(120))
            .expect("bridge management socket");
        let sw = Switch { sb, mgmt, ctl };
        wait_until(
            "table 1's flow limit to be in effect",
            Duration::from_secs(120),
            || {
                let (ok, tables, _) = sw.ofctl(&["dump-tables", &sw.mgmt()]);
                ok && tables.contains("max_entries=3")
            },
        )
        .expect("flow limit");
        sw
    }

    fn run(&self, program: &str, args: &[&str]) -> (bool, String, String) {
        let mut cmd = self.sb.command(reference::path(program));
        cmd.args(args);
        let out = self
            .sb
            .run(&mut cmd, Duration::from_secs(120))
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ofctl(&self, args: &[&str]) -> (bool, String, String) {
        self.run("ovs-ofctl", args)
    }

    fn appctl(&self, args: &[&str]) {
        let ctl = self.ctl.display().to_string();
        let mut all = vec!["-t", ctl.as_str()];
        all.extend_from_slice(args);
        let (ok, _, err) = self.run("ovs-appctl", &all);
        assert!(ok, "ovs-appctl {args:?}: {err}");
    }

    fn mgmt(&self) -> String {
        self.mgmt.display().to_string()
    }

    /// `ovs-ofctl dump-flows` lines, sorted.
    fn dump(&self) -> Vec<String> {
        let mut lines = self.dump_with(&[], "");
        lines.sort();
        lines
    }

    /// `ovs-ofctl [opts] dump-flows br0 [filter]` lines, in the switch's order.
    fn dump_with(&self, opts: &[&str], filter: &str) -> Vec<String> {
        let mgmt = self.mgmt();
        let mut args: Vec<&str> = opts.to_vec();
        args.push("dump-flows");
        args.push(&mgmt);
        if !filter.is_empty() {
            args.push(filter);
        }
        let (ok, out, err) = self.ofctl(&args);
        assert!(ok, "dump-flows {filter}: {err}");
        out.lines()
            .filter(|l| l.starts_with(' '))
            .map(str::to_string)
            .collect()
    }

    fn aggregate(&self, filter: &str) -> String {
        let mgmt = self.mgmt();
        let mut args = vec!["dump-aggregate", mgmt.as_str()];
        if !filter.is_empty() {
            args.push(filter);
        }
        let (ok, out, err) = self.ofctl(&args);
        assert!(ok, "dump-aggregate {filter}: {err}");
        out.split_once("): ")
            .map(|(_, rest)| rest.trim().to_string())
            .unwrap_or_default()
    }
}

/// The OpenFlow error name in `ovs-ofctl`'s stderr.
fn error_name(stderr: &str) -> Option<String> {
    let line = stderr.lines().find(|l| l.starts_with("OFPT_ERROR"))?;
    Some(line.rsplit(": ").next()?.trim().to_string())
}

fn our_dump(t: &OfprotoTables<Out>, now: u64) -> Vec<String> {
    let mut lines: Vec<String> = t
        .dump_flows(&FlowFilter::all())
        .unwrap()
        .into_iter()
        .map(|r| format_flow(r, now, FlowStatsStyle::NXM, None))
        .collect();
    lines.sort();
    lines
}

/// A random dump-flows filter, in ovs-ofctl syntax and as a [`FlowFilter`].
fn random_filter(r: &mut Rng) -> (String, FlowFilter) {
    let mut parts = Vec::new();
    let mut f = FlowFilter::all();
    if let Some(t) = r.pick(&[None, Some(0u8), Some(1)]) {
        parts.push(format!("table={t}"));
        f.table_id = t;
    }
    if r.chance(40) {
        let c = r.below(3);
        parts.push(format!("cookie={c:#x}/-1"));
        f.cookie = c;
        f.cookie_mask = u64::MAX;
    }
    if let Some(p) = r.pick(&[None, None, Some(1u32), Some(2), Some(3)]) {
        parts.push(format!("out_port={p}"));
        f.out_port = Some(p);
    }
    let m = r.pick(&["", "", "ip", "in_port=1", "ip,in_port=2"]);
    if !m.is_empty() {
        parts.push(m.to_string());
        f.match_ = parse_match(m, None).unwrap();
    }
    (parts.join(","), f)
}

/// Compares a random filtered dump, aggregate and sorted dump with the switch's.
fn compare_queries(sw: &Switch, t: &OfprotoTables<Out>, r: &mut Rng, ctx: &str) {
    let (text, filter) = random_filter(r);
    let mut ours: Vec<String> = t
        .dump_flows(&filter)
        .unwrap()
        .into_iter()
        .map(|r| format_flow(r, 0, FlowStatsStyle::NXM.no_stats(), None))
        .collect();
    ours.sort();
    let mut theirs = sw.dump_with(&["--no-stats"], &text);
    theirs.sort();
    assert_eq!(ours, theirs, "{ctx}: dump-flows --no-stats {text}");
    let agg = t.aggregate(&filter).unwrap();
    assert_eq!(
        format!(
            "packet_count={} byte_count={} flow_count={}",
            agg.packet_count, agg.byte_count, agg.flow_count
        ),
        sw.aggregate(&text),
        "{ctx}: dump-aggregate {text}"
    );
    // Sorting: ties are in no defined order, so compare only the sort keys.
    let (opt, key): (&str, SortField) = if r.chance(50) {
        ("--rsort=priority", SortField::Priority)
    } else {
        ("--sort=in_port", SortField::Field(flow::FieldId::InPort))
    };
    let order = if opt.starts_with("--rsort") {
        SortOrder::Descending
    } else {
        SortOrder::Ascending
    };
    let mut rules = t.dump_flows(&FlowFilter::all()).unwrap();
    sort_rules(&mut rules, &[(key, order)]);
    let key_of = |line: &str| -> String {
        let want = if key == SortField::Priority {
            "priority="
        } else {
            "in_port="
        };
        line.split([',', ' '])
            .find(|w| w.starts_with(want))
            .unwrap_or("-")
            .to_string()
    };
    let ours: Vec<String> = rules
        .iter()
        .map(|r| key_of(&format_flow(r, 0, FlowStatsStyle::NXM.no_stats(), None)))
        .collect();
    let theirs: Vec<String> = sw
        .dump_with(&["--no-stats", opt], "")
        .iter()
        .map(|l| key_of(l))
        .collect();
    assert_eq!(ours, theirs, "{ctx}: dump-flows {opt}");
}

/// Runs `steps` random steps from `seed`: OpenFlow 1.3 flow_mods and 1.4 bundles, or with
/// `of10` OpenFlow 1.0 (Nicira-extended) flow_mods only.
fn run_seed(sw: &Switch, seed: u64, steps: usize, of10: bool) {
    let mgmt = sw.mgmt();
    let (ok, _, err) = sw.ofctl(&["del-flows", &mgmt]);
    assert!(ok, "{err}");
    // Table 1 refuses a fourth flow.
    let mut t = OfprotoTables::<Out>::new();
    t.set_table_config(
        1,
        TableConfig {
            max_flows: 3,
            ..TableConfig::default()
        },
    )
    .unwrap();
    install_internal_rules(&mut t);
    sw.appctl(&["time/stop"]);
    let mut rng = Rng(seed);
    let mut history = Vec::new();
    for step in 0..steps {
        let before = our_dump(&t, 0);
        if !of10 && rng.chance(15) {
            // A bundle of 1-4 flow_mods (OpenFlow 1.4).
            let mut ops: Vec<Op> = (0..1 + rng.below(4)).map(|_| random_op(&mut rng)).collect();
            // Open vSwitch 3.1 quirk, not reproduced: a non-strict modify or delete in a
            // bundle can miss rules an earlier add of the same bundle put under a new mask
            // that sorts before existing ones (its classifier publishes new subtables only
            // at commit). Such sequences are made strict here.
            let mut added = false;
            for op in &mut ops {
                match op.command {
                    FlowModCommand::Add => added = true,
                    FlowModCommand::Modify if added => op.command = FlowModCommand::ModifyStrict,
                    FlowModCommand::Delete if added => op.command = FlowModCommand::DeleteStrict,
                    _ => {}
                }
            }
            let file = sw.sb.root().join(format!("bundle-{seed}-{step}.txt"));
            let text: String = ops
                .iter()
                .map(|op| {
                    let (sub, strict, flow) = ofctl_text(op);
                    let verb = match (sub, strict) {
                        ("add-flow", _) => "add",
                        ("mod-flows", false) => "modify",
                        ("mod-flows", true) => "modify_strict",
                        (_, false) => "delete",
                        (_, true) => "delete_strict",
                    };
                    format!("{verb} {flow}\n")
                })
                .collect();
            std::fs::write(&file, &text).unwrap();
            let f = file.display().to_string();
            let (ok, _, err) = sw.ofctl(&["-O", "OpenFlow14", "--bundle", "add-flows", &mgmt, &f]);
            let fms: Vec<_> = ops.iter().map(|o| flow_mod(o, OfVersion::Of14)).collect();
            let ours = t.apply_batch(&fms, 0);
            history.push(format!("bundle:\n{text}"));
            assert_eq!(
                ours.is_ok(),
                ok,
                "seed {seed} step {step}: bundle\n{text}ovs: {err}\nours: {ours:?}\nbefore: {before:#?}"
            );
        } else {
            let mut op = random_op(&mut rng);
            let version = if of10 {
                // OpenFlow 1.0 cannot carry reset_counts.
                op.reset_counts = false;
                OfVersion::Of10
            } else {
                OfVersion::Of13
            };
            let (sub, strict, flow) = ofctl_text(&op);
            let mut args = vec!["-O", if of10 { "OpenFlow10" } else { "OpenFlow13" }];
            if strict {
                args.push("--strict");
            }
            args.push(sub);
            args.push(&mgmt);
            args.push(&flow);
            let (ok, _, err) = sw.ofctl(&args);
            let ours = t.apply(&flow_mod(&op, version), 0);
            history.push(format!(
                "{sub}{} {flow}",
                if strict { " --strict" } else { "" }
            ));
            let theirs = if ok { None } else { error_name(&err) };
            assert!(
                ok || theirs.is_some(),
                "seed {seed} step {step}: {flow}: {err}"
            );
            assert_eq!(
                ours.as_ref().err().map(|e| e.to_string()),
                theirs,
                "seed {seed} step {step}: {sub} {flow}\nhistory: {history:#?}"
            );
        }
        assert_eq!(
            our_dump(&t, 0),
            sw.dump(),
            "seed {seed} step {step}\nhistory: {history:#?}\nbefore: {before:#?}"
        );
        if step % 4 == 3 {
            compare_queries(sw, &t, &mut rng, &format!("seed {seed} step {step}"));
        }
    }
    sw.appctl(&["time/warp", "6500", "500"]);
    t.expire(6500);
    assert_eq!(
        our_dump(&t, 6500),
        sw.dump(),
        "seed {seed} after warp\nhistory: {history:#?}"
    );
}

#[test]
fn flow_mods_match_reference_vswitchd() {
    let bins = [
        "ovsdb-tool",
        "ovsdb-server",
        "ovs-vswitchd",
        "ovs-vsctl",
        "ovs-ofctl",
        "ovs-appctl",
    ];
    if !reference::require("flow_mods_match_reference_vswitchd", &bins) {
        return;
    }
    let sw = Switch::start();
    for seed in [
        0x1234_5678_9abc_def1u64,
        0x0fed_cba9_8765_4321,
        0x5555_aaaa_3333_cccc,
        0x0123_4567_0123_4567,
        0x7777_1111_2222_9999,
        0x3141_5926_5358_9793,
    ] {
        run_seed(&sw, seed, 60, false);
        // Time restarts for the next run.
        sw.appctl(&["time/warp", "20000", "1000"]);
        run_seed(&sw, seed ^ 0xffff, 60, true);
        // Time restarts for the next seed.
        sw.appctl(&["time/warp", "20000", "1000"]);
    }
}
