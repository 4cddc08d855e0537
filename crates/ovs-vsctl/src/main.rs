//! ferroswitch's `ovs-vsctl`: configures the switch through its database.
//!
//! The program parses the global options (GNU `getopt_long` rules, stopping
//! at the first command), then the `--`-separated commands ([`cmd`]),
//! connects to the database and replicates the tables and columns the
//! commands read ([`prereq`], [`ovsdb_idl::Client`]),
//! and runs every command against one transaction ([`ovsdb_idl::Txn`]):
//! Open vSwitch commands in [`vswitch`] and [`show`], generic database
//! commands in [`dbctl`].  The transaction is committed once; if the
//! server reports that something the commands read changed meanwhile, the
//! commands are re-run on the fresh data.  Unless `--no-wait` is given, a
//! transaction that changed something also increments `next_cfg` and the
//! program waits until ovs-vswitchd reports it in `cur_cfg`.  Outputs are
//! printed after the commit, in command order, tables through [`format`].
//!
//! `--timeout` behaves like Open vSwitch's `alarm()`: when it expires the
//! program logs "terminating with signal 14 (Alarm clock)" and dies of
//! SIGALRM.

mod cmd;
mod dbctl;
mod format;
mod help;
mod prereq;
mod show;
mod vswitch;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use getopt::{HasArg, Opt};
use ovsdb_idl::{Client, CommitStatus, Txn};

use cmd::{Command, Ctx, Error, Logger, Mode, Symtab};
use format::{CellFormat, Format, Style};

static CONSOLE: AtomicBool = AtomicBool::new(true);

const VERSION: &str = "ovs-vsctl (Open vSwitch) 3.1.0\nDB Schema 8.3.1\n";

/// Global options.
#[derive(Debug)]
struct Opts {
    db: String,
    wait: bool,
    retry: bool,
    timeout: u64,
    dry_run: bool,
    oneline: bool,
    style: Style,
    syslog_info: bool,
    tls: TlsOpts,
    commands: Vec<Command>,
    args_text: String,
}

/// `-p`, `-c`, `-C`, `--bootstrap-ca-cert`, `--peer-ca-cert`.
#[derive(Debug, Default)]
struct TlsOpts {
    private_key: Option<String>,
    certificate: Option<String>,
    ca_cert: Option<String>,
    bootstrap: bool,
    peer_ca_cert: Option<String>,
}

impl TlsOpts {
    fn files(&self) -> Option<stream::TlsFiles> {
        Some(stream::TlsFiles {
            private_key: self.private_key.clone()?.into(),
            certificate: self.certificate.clone()?.into(),
            ca_cert: self.ca_cert.clone()?.into(),
            bootstrap_ca_cert: self.bootstrap,
            peer_ca_cert: self.peer_ca_cert.clone().map(Into::into),
        })
    }
}

enum Exit {
    Code(i32),
}

fn die(msg: &str) -> Exit {
    eprintln!("ovs-vsctl: {msg}");
    Exit::Code(1)
}

fn options() -> Vec<Opt> {
    let mut v = vec![
        Opt::new("db", None, HasArg::Required),
        Opt::new("no-wait", None, HasArg::No),
        Opt::new("wait", None, HasArg::No),
        Opt::new("retry", None, HasArg::No),
        Opt::new("timeout", Some('t'), HasArg::Required),
        Opt::new("dry-run", None, HasArg::No),
        Opt::new("oneline", None, HasArg::No),
        Opt::new("format", Some('f'), HasArg::Required),
        Opt::new("data", Some('d'), HasArg::Required),
        Opt::new("no-headings", None, HasArg::No),
        Opt::new("pretty", None, HasArg::No),
        Opt::new("bare", None, HasArg::No),
        Opt::new("verbose", Some('v'), HasArg::Optional),
        Opt::new("log-file", None, HasArg::Optional),
        Opt::new("syslog-method", None, HasArg::Required),
        Opt::new("syslog-target", None, HasArg::Required),
        Opt::new("no-syslog", None, HasArg::No),
        Opt::new("private-key", Some('p'), HasArg::Required),
        Opt::new("certificate", Some('c'), HasArg::Required),
        Opt::new("ca-cert", Some('C'), HasArg::Required),
        Opt::new("bootstrap-ca-cert", None, HasArg::Required),
        Opt::new("peer-ca-cert", None, HasArg::Required),
        Opt::new("ssl-protocols", None, HasArg::Required),
        Opt::new("ssl-ciphers", None, HasArg::Required),
        Opt::new("help", Some('h'), HasArg::No),
        Opt::new("version", Some('V'), HasArg::No),
    ];
    for (name, arg) in cmd::COMMAND_OPTIONS {
        v.push(Opt::new(
            name,
            None,
            if *arg { HasArg::Required } else { HasArg::No },
        ));
    }
    v
}

fn parse_options(argv: &[String], dirs: &daemon::Dirs) -> Result<Opts, Exit> {
    let program = argv.first().cloned().unwrap_or_else(|| "ovs-vsctl".into());
    let opts = options();
    let args = match getopt::parse(
        argv.iter().skip(1).cloned(),
        &opts,
        getopt::Ordering::RequireOrder,
    ) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{}", e.message(&program));
            return Err(Exit::Code(1));
        }
    };
    let mut o = Opts {
        db: dirs.default_db_remote(),
        wait: true,
        retry: false,
        timeout: 0,
        dry_run: false,
        oneline: false,
        style: Style::default(),
        syslog_info: true,
        tls: TlsOpts::default(),
        commands: Vec::new(),
        args_text: argv.iter().skip(1).cloned().collect::<Vec<_>>().join(" "),
    };
    let mut local = Vec::new();
    for p in &args.opts {
        let v = p.value.clone().unwrap_or_default();
        match p.name {
            "db" => o.db = v,
            "no-wait" => o.wait = false,
            "wait" => o.wait = true,
            "retry" => o.retry = true,
            "timeout" => match v.trim().parse::<u64>() {
                Ok(t) => o.timeout = t,
                Err(_) => return Err(die(&format!("value {v} on -t or --timeout is invalid"))),
            },
            "dry-run" => o.dry_run = true,
            "oneline" => o.oneline = true,
            "format" => match Format::parse(&v) {
                Some(f) => o.style.format = f,
                None => return Err(die(&format!("unknown output format \"{v}\""))),
            },
            "data" => match CellFormat::parse(&v) {
                Some(f) => o.style.cell = f,
                None => return Err(die(&format!("unknown data format \"{v}\""))),
            },
            "no-headings" => o.style.headings = false,
            "pretty" => o.style.pretty = true,
            "bare" => {
                o.style.format = Format::List;
                o.style.cell = CellFormat::Bare;
                o.style.headings = false;
            }
            "verbose" => {
                if let Some(spec) = &p.value {
                    let words: Vec<&str> = spec.split([':', ',']).collect();
                    if words.contains(&"off") && (words.contains(&"console") || words.len() == 1) {
                        CONSOLE.store(false, Ordering::SeqCst);
                    }
                    if words.contains(&"syslog")
                        && !words.contains(&"info")
                        && !words.contains(&"dbg")
                    {
                        o.syslog_info = false;
                    }
                }
            }
            "no-syslog" => o.syslog_info = false,
            "private-key" => o.tls.private_key = Some(v),
            "certificate" => o.tls.certificate = Some(v),
            "ca-cert" => o.tls.ca_cert = Some(v),
            "bootstrap-ca-cert" => {
                o.tls.ca_cert = Some(v);
                o.tls.bootstrap = true;
            }
            "peer-ca-cert" => o.tls.peer_ca_cert = Some(v),
            "help" => {
                let text = help::HELP
                    .replace("{RUNDIR}", &dirs.rundir.display().to_string())
                    .replace("{LOGDIR}", &dirs.logdir.display().to_string());
                print!("{text}");
                return Err(Exit::Code(0));
            }
            "version" => {
                print!("{VERSION}");
                return Err(Exit::Code(0));
            }
            name if cmd::COMMAND_OPTIONS.iter().any(|(n, _)| *n == name) => {
                local.push((format!("--{name}"), p.value.clone()));
            }
            _ => {}
        }
    }
    if args.operands.is_empty() {
        return Err(die("missing command name (use --help for help)"));
    }
    o.commands = match cmd::parse_commands(&args.operands, local) {
        Ok(c) => c,
        Err(e) => return Err(report(e)),
    };
    Ok(o)
}

fn report(e: Error) -> Exit {
    match e {
        Error::Fatal(m) => die(&m),
        Error::Exit(n) => Exit::Code(n),
        Error::TryAgain => Exit::Code(1),
    }
}

fn log_line(module: &str, msg: &str) {
    let seq = cmd::LOG_SEQ.fetch_add(1, Ordering::SeqCst);
    if CONSOLE.load(Ordering::SeqCst) {
        eprintln!("{}|{seq:05}|{module}|WARN|{msg}", cmd::utc_now());
    }
}

fn arm_alarm(secs: u64) {
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(secs));
        let _ = std::io::stdout().flush();
        log_line("fatal_signal", "terminating with signal 14 (Alarm clock)");
        let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGALRM);
        std::process::exit(128 + 14);
    });
}

fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s.get(..i).unwrap_or(&s).to_string(),
        None => s,
    }
}

fn conn_error(e: &ovsdb_idl::IdlError) -> String {
    match e {
        ovsdb_idl::IdlError::Connect(stream::StreamError::Io(io)) => strerror(io),
        ovsdb_idl::IdlError::Conn(jsonrpc::ConnError::Io(io)) => strerror(io),
        ovsdb_idl::IdlError::Conn(jsonrpc::ConnError::Eof) => "End of file".into(),
        other => other.to_string(),
    }
}

async fn connect(o: &Opts, dirs: &daemon::Dirs) -> Result<Client, Exit> {
    let addr = match stream::Address::parse(&o.db, Some(stream::OVSDB_PORT)) {
        Ok(a) => a,
        Err(_) => {
            // Open vSwitch reports an unusable name as a failed connection.
            return Err(die(&format!(
                "{}: database connection failed (Address family not supported by protocol)",
                o.db
            )));
        }
    };
    let mut ctx = stream::Context::new(dirs.rundir.clone());
    ctx.tls = o.tls.files();
    let mut delay = std::time::Duration::from_millis(100);
    loop {
        let spec =
            |schema: &ovsdb::DatabaseSchema| prereq::monitor_spec(schema, &o.commands, o.wait);
        match Client::connect_with(&addr, &ctx, "Open_vSwitch", spec).await {
            Ok(c) => return Ok(c),
            Err(e) => {
                if !o.retry {
                    return Err(die(&format!(
                        "{}: database connection failed ({})",
                        o.db,
                        conn_error(&e)
                    )));
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(std::time::Duration::from_secs(8));
            }
        }
    }
}

fn run_commands(ctx: &mut Ctx, commands: &mut [Command]) -> Result<(), Error> {
    for c in commands.iter_mut() {
        c.output.clear();
        c.table = None;
        c.created = None;
        if c.syntax.name == "show" {
            c.output = show::show(ctx);
            continue;
        }
        if !vswitch::run(ctx, c)? && !dbctl::run(ctx, c)? {
            return cmd::fatal(format!("unknown command '{}'", c.syntax.name));
        }
    }
    Ok(())
}

fn finish(ctx: &mut Ctx) -> Result<(), Error> {
    for (name, s) in &ctx.symtab.syms {
        if !s.created {
            return cmd::fatal(format!(
                "row id \"{name}\" is referenced but never created (e.g. with \"-- --id={name} create ...\")"
            ));
        }
    }
    let syms: Vec<(String, bool, bool)> = ctx
        .symtab
        .syms
        .iter()
        .map(|(n, s)| (n.clone(), s.strong, s.weak))
        .collect();
    for (name, strong, weak) in syms {
        if !strong {
            let how = if weak {
                "only a weak reference"
            } else {
                "no reference"
            };
            ctx.log.warn(
                "vsctl",
                &format!(
                    "row id \"{name}\" was created but {how} to it was inserted, so it will not actually appear in the database"
                ),
            );
        }
    }
    Ok(())
}

/// After a reload, reports interfaces this run created that ovs-vswitchd
/// could not set up (no OpenFlow port), as Open vSwitch does.
fn check_new_ifaces(replica: &ovsdb_idl::Replica, ifaces: &[uuid::Uuid], dirs: &daemon::Dirs) {
    let first = |u: &uuid::Uuid, c: &str| {
        replica
            .get("Interface", u, c)
            .and_then(|d| d.first())
            .cloned()
    };
    let mut any = false;
    for u in ifaces {
        let Some(ovsdb::Atom::String(name)) = first(u, "name") else {
            continue;
        };
        let ofport = first(u, "ofport").and_then(|a| a.as_integer());
        if ofport.is_some_and(|p| p != -1) {
            continue;
        }
        any = true;
        match first(u, "error") {
            Some(ovsdb::Atom::String(e)) if !e.is_empty() => eprintln!(
                "ovs-vsctl: Error detected while setting up '{name}': {e}.  See ovs-vswitchd log for details."
            ),
            _ => eprintln!(
                "ovs-vsctl: Error detected while setting up '{name}'.  See ovs-vswitchd log for details."
            ),
        }
    }
    if any {
        eprintln!(
            "ovs-vsctl: The default log directory is \"{}\".",
            dirs.logdir.display()
        );
    }
}

async fn run(o: &mut Opts, client: &mut Client, dirs: &daemon::Dirs) -> Result<String, Exit> {
    loop {
        let mut txn = Txn::new(client.replica());
        let seqno = client.replica().seqno();
        let first = txn.view().rows("Open_vSwitch").next().map(|r| r.uuid());
        let ovs = match first {
            Some(u) => u,
            None => txn.insert("Open_vSwitch", None),
        };
        let mut ctx = Ctx {
            txn,
            symtab: Symtab::default(),
            ovs,
            log: Logger {
                console: CONSOLE.load(Ordering::SeqCst),
            },
            new_ifaces: Vec::new(),
            topo: None,
        };
        match run_commands(&mut ctx, &mut o.commands).and_then(|()| finish(&mut ctx)) {
            Ok(()) => {}
            Err(Error::TryAgain) => {
                if let Err(e) = client.wait_for_change_since(seqno).await {
                    return Err(die(&format!(
                        "{}: database connection failed ({})",
                        o.db,
                        conn_error(&e)
                    )));
                }
                continue;
            }
            Err(e) => return Err(report(e)),
        }
        if o.wait {
            ctx.txn.increment("Open_vSwitch", &ovs, "next_cfg");
        }
        ctx.txn
            .add_comment(format!("ovs-vsctl: ovs-vsctl {}", o.args_text));
        let status = if o.dry_run {
            None
        } else {
            match client.commit(&ctx.txn).await {
                Ok(s) => Some(s),
                Err(e) => {
                    return Err(die(&format!(
                        "{}: database connection failed ({})",
                        o.db,
                        conn_error(&e)
                    )))
                }
            }
        };
        let mut wait_for = None;
        let mut new_ifaces = Vec::new();
        match &status {
            Some(CommitStatus::TryAgain) => {
                if let Err(e) = client.wait_for_change_since(seqno).await {
                    return Err(die(&format!(
                        "{}: database connection failed ({})",
                        o.db,
                        conn_error(&e)
                    )));
                }
                continue;
            }
            Some(CommitStatus::Error(e)) => {
                let text = ovsdb::json::to_string_sorted(e);
                ctx.log
                    .warn("ovsdb_idl", &format!("transaction error: {text}"));
                return Err(die(&format!("transaction error: {text}")));
            }
            Some(CommitStatus::Success {
                inserted,
                increment,
            }) => {
                for c in o.commands.iter_mut() {
                    if let Some(p) = c.created {
                        let real = inserted.get(&p).copied().unwrap_or(p);
                        c.output.push_str(&format!("{real}\n"));
                    }
                }
                if o.wait {
                    wait_for = *increment;
                    new_ifaces = ctx
                        .new_ifaces
                        .iter()
                        .filter_map(|u| inserted.get(u).copied())
                        .collect();
                }
            }
            Some(CommitStatus::Unchanged) => {
                for c in o.commands.iter_mut() {
                    if let Some(p) = c.created {
                        c.output.push_str(&format!("{p}\n"));
                    }
                }
            }
            None => {
                // --dry-run: nothing was sent; report provisional UUIDs.
                for c in o.commands.iter_mut() {
                    if let Some(p) = c.created {
                        c.output.push_str(&format!("{p}\n"));
                    }
                }
            }
        }
        if let Some(next) = wait_for {
            let reached = |r: &ovsdb_idl::Replica| {
                let idx = r
                    .table_schema("Open_vSwitch")
                    .and_then(|t| t.column_index("cur_cfg"));
                r.rows("Open_vSwitch").any(|row| {
                    idx.and_then(|i| row.get(i))
                        .and_then(|d| d.first())
                        .and_then(ovsdb::Atom::as_integer)
                        .is_some_and(|c| c >= next)
                })
            };
            if let Err(e) = client.wait_until(reached).await {
                return Err(die(&format!(
                    "{}: database connection failed ({})",
                    o.db,
                    conn_error(&e)
                )));
            }
            check_new_ifaces(client.replica(), &new_ifaces, dirs);
        }
        let mut out = String::new();
        for c in &o.commands {
            if let Some(t) = &c.table {
                out.push_str(&t.render(&o.style));
            } else if o.oneline {
                let body = c.output.strip_suffix('\n').unwrap_or(&c.output);
                for ch in body.chars() {
                    match ch {
                        '\n' => out.push_str("\\n"),
                        '\\' => out.push_str("\\\\"),
                        other => out.push(other),
                    }
                }
                out.push('\n');
            } else {
                out.push_str(&c.output);
            }
        }
        return Ok(out);
    }
}

fn real_main(argv: Vec<String>) -> i32 {
    let dirs = daemon::Dirs::from_env();
    let mut o = match parse_options(&argv, &dirs) {
        Ok(o) => o,
        Err(Exit::Code(c)) => return c,
    };
    if o.timeout > 0 {
        arm_alarm(o.timeout);
    }
    if o.syslog_info && o.commands.iter().any(|c| c.syntax.mode == Mode::Rw) {
        // "Called as ..." is logged at INFO level, which reaches syslog.
        cmd::LOG_SEQ.fetch_add(1, Ordering::SeqCst);
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ovs-vsctl: {e}");
            return 1;
        }
    };
    let result = rt.block_on(async {
        let mut client = connect(&o, &dirs).await?;
        run(&mut o, &mut client, &dirs).await
    });
    match result {
        Ok(out) => {
            let mut so = std::io::stdout().lock();
            let _ = so.write_all(out.as_bytes());
            let _ = so.flush();
            0
        }
        Err(Exit::Code(c)) => c,
    }
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let code = real_main(argv);
    std::process::exit(code);
}
