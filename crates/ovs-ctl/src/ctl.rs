//! The commands of `ovs-ctl` and the steps each takes (see the crate docs).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use daemon::Dirs;
use getopt::{HasArg, Opt, Ordering};

const OPTS: &[Opt] = &[
    Opt::new("system-id", None, HasArg::Required),
    Opt::new("system-type", None, HasArg::Required),
    Opt::new("system-version", None, HasArg::Required),
    Opt::new("external-id", None, HasArg::Required),
    Opt::new("delete-bridges", None, HasArg::No),
    Opt::new("delete-transient-ports", None, HasArg::No),
    Opt::new("ovs-user", None, HasArg::Required),
    Opt::new("no-monitor", None, HasArg::No),
    Opt::new("daemon-cwd", None, HasArg::Required),
    Opt::new("no-force-corefiles", None, HasArg::No),
    Opt::new("no-mlockall", None, HasArg::No),
    Opt::new("no-self-confinement", None, HasArg::No),
    Opt::new("ovsdb-server-priority", None, HasArg::Required),
    Opt::new("ovs-vswitchd-priority", None, HasArg::Required),
    Opt::new("ovsdb-server-wrapper", None, HasArg::Required),
    Opt::new("ovs-vswitchd-wrapper", None, HasArg::Required),
    Opt::new("ovsdb-server-options", None, HasArg::Required),
    Opt::new("ovs-vswitchd-options", None, HasArg::Required),
    Opt::new("db-file", None, HasArg::Required),
    Opt::new("db-sock", None, HasArg::Required),
    Opt::new("db-schema", None, HasArg::Required),
    Opt::new("no-ovsdb-server", None, HasArg::No),
    Opt::new("no-ovs-vswitchd", None, HasArg::No),
    Opt::new("no-record-hostname", None, HasArg::No),
    Opt::new("no-full-hostname", None, HasArg::No),
    Opt::new("protocol", None, HasArg::Required),
    Opt::new("sport", None, HasArg::Required),
    Opt::new("dport", None, HasArg::Required),
    Opt::new("help", Some('h'), HasArg::No),
    Opt::new("version", Some('V'), HasArg::No),
];

/// Settings from the command line and the environment.
struct Ctl {
    dirs: Dirs,
    bindir: PathBuf,
    db_file: PathBuf,
    db_sock: PathBuf,
    db_schema: PathBuf,
    system_id: Option<String>,
    system_type: Option<String>,
    system_version: Option<String>,
    external_ids: Vec<String>,
    delete_bridges: bool,
    delete_transient_ports: bool,
    monitor: bool,
    ovsdb_server: bool,
    ovs_vswitchd: bool,
    record_hostname: bool,
    ovsdb_server_options: Vec<String>,
    ovs_vswitchd_options: Vec<String>,
}

/// Runs `ovs-ctl ARGS`; returns the exit status.
pub fn run(args: Vec<String>) -> Result<u8, String> {
    let parsed = getopt::parse(args, OPTS, Ordering::Permute).map_err(|e| e.to_string())?;
    if parsed.has("help") {
        print!("{}", usage());
        return Ok(0);
    }
    if parsed.has("version") {
        println!(
            "ovs-ctl (Open vSwitch) 3.1.0 (ferroswitch {})",
            env!("CARGO_PKG_VERSION")
        );
        return Ok(0);
    }
    let dirs = Dirs::from_env();
    let bindir = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."));
    let value = |name: &str| parsed.last(name).flatten().map(str::to_string);
    let ctl = Ctl {
        db_file: value("db-file")
            .map(PathBuf::from)
            .unwrap_or_else(|| dirs.default_db()),
        db_sock: value("db-sock")
            .map(PathBuf::from)
            .unwrap_or_else(|| dirs.default_db_socket()),
        db_schema: value("db-schema")
            .map(PathBuf::from)
            .unwrap_or_else(|| default_schema(&dirs, &bindir)),
        system_id: value("system-id"),
        system_type: value("system-type"),
        system_version: value("system-version"),
        external_ids: parsed
            .all("external-id")
            .into_iter()
            .map(str::to_string)
            .collect(),
        delete_bridges: parsed.has("delete-bridges"),
        delete_transient_ports: parsed.has("delete-transient-ports"),
        monitor: !parsed.has("no-monitor"),
        ovsdb_server: !parsed.has("no-ovsdb-server"),
        ovs_vswitchd: !parsed.has("no-ovs-vswitchd"),
        record_hostname: !parsed.has("no-record-hostname"),
        ovsdb_server_options: split_opts(value("ovsdb-server-options")),
        ovs_vswitchd_options: split_opts(value("ovs-vswitchd-options")),
        dirs,
        bindir,
    };
    let command = match parsed.operands.as_slice() {
        [c] => c.as_str(),
        [] => return Err("missing command name (use --help for help)".into()),
        _ => return Err("exactly one non-option argument required (use --help for help)".into()),
    };
    match command {
        "start" => ctl.start(),
        "stop" => ctl.stop(),
        "restart" => {
            ctl.stop()?;
            ctl.start()
        }
        "status" => Ok(ctl.status()),
        "version" => {
            for d in ["ovsdb-server", "ovs-vswitchd"] {
                if let Some(first) = ctl
                    .output(&ctl.program(d), &["--version"])
                    .and_then(|o| o.lines().next().map(str::to_string))
                {
                    println!("{first}");
                }
            }
            Ok(0)
        }
        "load-kmod" => Ok(0),
        "force-reload-kmod" => {
            ctl.stop()?;
            ctl.start()
        }
        "delete-transient-ports" => {
            ctl.delete_transient_ports()?;
            Ok(0)
        }
        "enable-protocol" => Ok(0),
        "help" => {
            print!("{}", usage());
            Ok(0)
        }
        other => Err(format!("unknown command \"{other}\" (use --help for help)")),
    }
}

fn split_opts(v: Option<String>) -> Vec<String> {
    v.map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// The schema shipped with the binaries: `$OVS_PKGDATADIR/vswitch.ovsschema`, else the one in
/// the source tree the binaries were built from.
fn default_schema(dirs: &Dirs, bindir: &Path) -> PathBuf {
    let installed = dirs.pkgdatadir.join("vswitch.ovsschema");
    if std::env::var_os("OVS_PKGDATADIR").is_some() || installed.exists() {
        return installed;
    }
    // target/<profile>/ovs-ctl -> <checkout>/schemas/vswitch.ovsschema
    let in_tree = bindir.join("../../schemas/vswitch.ovsschema");
    if in_tree.exists() {
        return in_tree;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas/vswitch.ovsschema")
}

impl Ctl {
    /// ferroswitch's own program `name`, installed next to ovs-ctl. Never looked up on `PATH`:
    /// that could find another switch's tools.
    fn program(&self, name: &str) -> PathBuf {
        self.bindir.join(name)
    }

    fn exists(&self, name: &str) -> bool {
        self.program(name).exists()
    }

    fn output(&self, program: &Path, args: &[&str]) -> Option<String> {
        let out = Command::new(program).args(args).output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Runs a helper command; its stderr reaches the user; Err on failure.
    fn run(&self, program: &str, args: &[String]) -> Result<String, String> {
        let out = Command::new(self.program(program))
            .args(args)
            .output()
            .map_err(|e| format!("{program}: {e}"))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !stderr.is_empty() {
            eprint!("{stderr}");
        }
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(format!("{program} {} failed", args.join(" ")))
        }
    }

    fn vsctl(&self, args: &[&str]) -> Result<String, String> {
        let mut full = vec![
            format!("--db=unix:{}", self.db_sock.display()),
            "--no-wait".to_string(),
        ];
        full.extend(args.iter().map(|s| s.to_string()));
        self.run("ovs-vsctl", &full)
    }

    fn pidfile(&self, daemon: &str) -> PathBuf {
        self.dirs.pidfile(daemon)
    }

    fn running(&self, daemon: &str) -> Option<u32> {
        daemon::pidfile::read_live_pid(&self.pidfile(daemon)).ok()
    }

    fn status(&self) -> u8 {
        let mut code = 0;
        for d in ["ovsdb-server", "ovs-vswitchd"] {
            match self.running(d) {
                Some(pid) => println!("{d} is running with pid {pid}"),
                None => {
                    println!("{d} is not running");
                    code = 1;
                }
            }
        }
        code
    }

    fn start(&self) -> Result<u8, String> {
        if self.ovsdb_server {
            if self.running("ovsdb-server").is_some() {
                println!("ovsdb-server is already running.");
            } else {
                self.ensure_database()?;
                self.start_ovsdb_server()?;
                self.configure()?;
            }
        }
        if self.ovs_vswitchd {
            if self.running("ovs-vswitchd").is_some() {
                println!("ovs-vswitchd is already running.");
            } else if self.exists("ovs-vswitchd") {
                println!("Starting ovs-vswitchd.");
                let mut args = vec![
                    format!("unix:{}", self.db_sock.display()),
                    "-vconsole:emer".into(),
                    "-vsyslog:err".into(),
                    "-vfile:info".into(),
                    "--no-chdir".into(),
                    format!("--log-file={}", self.dirs.logfile("ovs-vswitchd").display()),
                    format!("--pidfile={}", self.pidfile("ovs-vswitchd").display()),
                    "--detach".into(),
                ];
                if self.monitor {
                    args.push("--monitor".into());
                }
                args.extend(self.ovs_vswitchd_options.iter().cloned());
                self.run("ovs-vswitchd", &args)?;
            } else {
                println!("ovs-vswitchd is not available; not starting it.");
            }
        }
        if self.ovsdb_server {
            println!("Enabling remote OVSDB managers.");
            let ctl = format!(
                "{}",
                self.dirs
                    .unixctl("ovsdb-server", self.running("ovsdb-server").unwrap_or(0))
                    .display()
            );
            self.run(
                "ovs-appctl",
                &[
                    "-t".into(),
                    ctl,
                    "ovsdb-server/add-remote".into(),
                    "db:Open_vSwitch,Open_vSwitch,manager_options".into(),
                ],
            )?;
        }
        Ok(0)
    }

    fn ensure_database(&self) -> Result<(), String> {
        if let Some(dir) = self.db_file.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        for dir in [&self.dirs.rundir, &self.dirs.logdir] {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let db = self.db_file.display().to_string();
        let schema = self.db_schema.display().to_string();
        if !self.db_file.exists() {
            println!("{db} does not exist ... (warning).");
            println!("Creating empty database {db}.");
            self.run("ovsdb-tool", &["create".into(), db, schema])?;
        } else {
            let needs = self.run(
                "ovsdb-tool",
                &["needs-conversion".into(), db.clone(), schema.clone()],
            )?;
            if needs.trim() == "yes" {
                println!("Upgrading database {db} from schema to {schema}.");
                let backup = format!("{db}.backup");
                std::fs::copy(&self.db_file, &backup).map_err(|e| format!("{backup}: {e}"))?;
                self.run("ovsdb-tool", &["convert".into(), db, schema])?;
            }
        }
        Ok(())
    }

    fn start_ovsdb_server(&self) -> Result<(), String> {
        println!("Starting ovsdb-server.");
        let mut args = vec![
            self.db_file.display().to_string(),
            "-vconsole:emer".into(),
            "-vsyslog:err".into(),
            "-vfile:info".into(),
            format!("--remote=punix:{}", self.db_sock.display()),
            "--private-key=db:Open_vSwitch,SSL,private_key".into(),
            "--certificate=db:Open_vSwitch,SSL,certificate".into(),
            "--bootstrap-ca-cert=db:Open_vSwitch,SSL,ca_cert".into(),
            "--no-chdir".into(),
            format!("--log-file={}", self.dirs.logfile("ovsdb-server").display()),
            format!("--pidfile={}", self.pidfile("ovsdb-server").display()),
            "--detach".into(),
        ];
        if self.monitor {
            args.push("--monitor".into());
        }
        args.extend(self.ovsdb_server_options.iter().cloned());
        self.run("ovsdb-server", &args)?;
        Ok(())
    }

    /// Initialises the `Open_vSwitch` row (seed section 2.4's `ovs-vsctl --no-wait init` and
    /// what ovs-ctl records besides).
    fn configure(&self) -> Result<(), String> {
        let version = std::fs::read_to_string(&self.db_schema)
            .ok()
            .and_then(|s| {
                s.split("\"version\"")
                    .nth(1)
                    .and_then(|rest| rest.split('"').nth(1).map(str::to_string))
            })
            .unwrap_or_default();
        self.vsctl(&[
            "init",
            "--",
            "set",
            "Open_vSwitch",
            ".",
            &format!("db-version={version}"),
        ])?;
        self.vsctl(&["set", "Open_vSwitch", ".", "ovs-version=3.1.0"])?;
        let (stype, sversion) = system_type_and_version();
        let stype = self.system_type.clone().unwrap_or(stype);
        let sversion = self.system_version.clone().unwrap_or(sversion);
        self.vsctl(&[
            "set",
            "Open_vSwitch",
            ".",
            &format!("system-type=\"{stype}\""),
            &format!("system-version=\"{sversion}\""),
            &format!("external-ids:rundir=\"{}\"", self.dirs.rundir.display()),
        ])?;
        println!("Configuring Open vSwitch system IDs.");
        if let Some(id) = self.system_id()? {
            self.vsctl(&[
                "set",
                "Open_vSwitch",
                ".",
                &format!("external-ids:system-id=\"{id}\""),
            ])?;
        }
        if self.record_hostname {
            if let Ok(host) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
                self.vsctl(&[
                    "set",
                    "Open_vSwitch",
                    ".",
                    &format!("external-ids:hostname=\"{}\"", host.trim()),
                ])?;
            }
        }
        for kv in &self.external_ids {
            self.vsctl(&["set", "Open_vSwitch", ".", &format!("external-ids:{kv}")])?;
        }
        if self.delete_bridges {
            for br in self.vsctl(&["list-br"])?.lines() {
                self.vsctl(&["--if-exists", "del-br", br])?;
            }
        }
        if self.delete_transient_ports {
            self.delete_transient_ports()?;
        }
        Ok(())
    }

    /// `--system-id`: a literal id, or `random` (one id kept in `system-id.conf`).
    fn system_id(&self) -> Result<Option<String>, String> {
        match self.system_id.as_deref() {
            None => Ok(None),
            Some("random") => {
                let conf = self.dirs.sysconfdir.join("openvswitch/system-id.conf");
                if let Ok(id) = std::fs::read_to_string(&conf) {
                    if !id.trim().is_empty() {
                        return Ok(Some(id.trim().to_string()));
                    }
                }
                let id = uuid::Uuid::new_v4().to_string();
                if let Some(dir) = conf.parent() {
                    let _ = std::fs::create_dir_all(dir);
                }
                std::fs::write(&conf, format!("{id}\n"))
                    .map_err(|e| format!("{}: {e}", conf.display()))?;
                Ok(Some(id))
            }
            Some(id) => Ok(Some(id.to_string())),
        }
    }

    fn delete_transient_ports(&self) -> Result<(), String> {
        let ports = self.vsctl(&[
            "--bare",
            "--columns=name",
            "find",
            "port",
            "other_config:transient=true",
        ])?;
        for p in ports.lines().filter(|l| !l.trim().is_empty()) {
            self.vsctl(&["--if-exists", "del-port", p.trim()])?;
        }
        Ok(())
    }

    fn stop(&self) -> Result<u8, String> {
        for d in ["ovs-vswitchd", "ovsdb-server"] {
            let Some(pid) = self.running(d) else {
                println!("{d} is not running.");
                continue;
            };
            println!("Exiting {d} ({pid}).");
            let ctl = self.dirs.unixctl(d, pid).display().to_string();
            let _ = self.run("ovs-appctl", &["-t".into(), ctl, "exit".into()]);
            let deadline = Instant::now() + Duration::from_secs(20);
            while self.running(d) == Some(pid) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if self.running(d) == Some(pid) {
                return Err(format!("{d} ({pid}) did not exit"));
            }
        }
        Ok(0)
    }
}

/// The system type and version for the `Open_vSwitch` row (from os-release).
fn system_type_and_version() -> (String, String) {
    let text = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    let get = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .map(|v| v.trim_matches('"').to_string())
            .unwrap_or_else(|| "unknown".into())
    };
    (get("ID"), get("VERSION_ID"))
}

fn usage() -> &'static str {
    "ovs-ctl: start, stop and check ferroswitch's daemons (ovsdb-server, ovs-vswitchd)
usage: ovs-ctl [OPTIONS] COMMAND
Commands:
  start              start the daemons that are not running (creating or upgrading the database)
  stop               stop the daemons
  restart            stop, then start
  status             report whether the daemons are running
  version            print the daemons' versions
  load-kmod          no-op: the datapath runs in user space
  force-reload-kmod  restart the daemons
  delete-transient-ports  delete ports with other_config:transient=true
  help               display this help
Options:
  --system-id=random|UUID   set external-ids:system-id (random: kept in system-id.conf)
  --system-type=TYPE --system-version=VERSION --external-id=KEY=VALUE
  --delete-bridges --delete-transient-ports --no-monitor
  --no-ovsdb-server --no-ovs-vswitchd --no-record-hostname
  --db-file=FILE --db-sock=SOCKET --db-schema=FILE
  --ovsdb-server-options=OPTS --ovs-vswitchd-options=OPTS
Directories come from OVS_RUNDIR, OVS_DBDIR, OVS_LOGDIR, OVS_SYSCONFDIR, OVS_PKGDATADIR.
"
}
