//! Test harness: serves a [`Switch`] on a Unix socket (a thread per connection, the switch
//! behind a mutex, a fake environment), so that real OpenFlow clients such as Debian's
//! `ovs-ofctl` can talk to it; and a private reference `ovs-vswitchd` to compare with.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ofp_actions::Action;
use ofproto::{OfActions, Snapshot};
use ofproto_tables::{FlowMod, FlowModCommand};
use ofswitch::{
    ConnId, ConnKind, Outgoing, PortCounters, PortDesc, Switch, SwitchEnv, SwitchInfo, OFPP_LOCAL,
};
use openflow::OfpErr;
use testkit::{reference, wait_until, Sandbox};

/// The fake daemon side.
pub struct FakeEnv {
    pub start: Instant,
    pub packet_outs: Vec<(u16, Vec<Action>, Vec<u8>)>,
    pub port_mods: Vec<(u16, u32, u32)>,
    /// Packets and bytes "sent" by packet-outs, per port.
    pub tx: HashMap<u16, (u64, u64)>,
}

impl FakeEnv {
    pub fn new() -> FakeEnv {
        FakeEnv {
            start: Instant::now(),
            packet_outs: Vec::new(),
            port_mods: Vec::new(),
            tx: HashMap::new(),
        }
    }
}

impl SwitchEnv for FakeEnv {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
    fn port_counters(&self, ofp_port: u16) -> Option<PortCounters> {
        let (tx_packets, tx_bytes) = self.tx.get(&ofp_port).copied().unwrap_or((0, 0));
        Some(PortCounters {
            duration_ms: self.now_ms(),
            tx_packets,
            tx_bytes,
            ..PortCounters::default()
        })
    }
    fn packet_out(
        &mut self,
        _snap: &Snapshot,
        in_port: u16,
        actions: &[Action],
        packet: &[u8],
    ) -> Result<(), OfpErr> {
        // What the datapath would do with outputs to real ports.
        for a in actions {
            if let Action::Output { port, .. } = a {
                if *port < ofp_actions::action::OFPP_MAX {
                    let e = self.tx.entry(*port).or_insert((0, 0));
                    e.0 += 1;
                    e.1 += packet.len() as u64;
                }
            }
        }
        self.packet_outs
            .push((in_port, actions.to_vec(), packet.to_vec()));
        Ok(())
    }
    fn port_mod(&mut self, ofp_port: u16, config: u32, mask: u32) -> Result<(), OfpErr> {
        self.port_mods.push((ofp_port, config, mask));
        Ok(())
    }
    fn tables_changed(&mut self, _snap: &Snapshot) {}
    fn fold_stats(&mut self, _snap: &mut Snapshot) {}
}

pub fn port(ofp_port: u16, name: &str, mac: [u8; 6]) -> PortDesc {
    PortDesc {
        ofp_port,
        odp_port: u32::from(ofp_port),
        name: name.into(),
        hw_addr: mac,
        ..PortDesc::default()
    }
}

/// A switch like a new OVS bridge `br0` with dummy ports p1 and p2 and the default
/// `priority=0 actions=NORMAL` flow.
pub fn bridge() -> Switch {
    let mut sw = Switch::new("br0", SwitchInfo::new(1));
    let _ = sw.set_ports(vec![
        port(1, "p1", [0xaa, 0x55, 0xaa, 0x55, 0, 0x0f]),
        port(2, "p2", [0xaa, 0x55, 0xaa, 0x55, 0, 0x0e]),
        port(OFPP_LOCAL, "br0", [6, 0xf8, 6, 0xcd, 0x83, 0x4f]),
    ]);
    let fm = FlowMod::new(
        FlowModCommand::Add,
        0,
        flow::Match::catchall(),
        OfActions(vec![Action::Output {
            port: ofp_actions::action::OFPP_NORMAL,
            max_len: 0,
        }]),
    )
    .with_priority(0);
    sw.snap.tables.apply(&fm, 0).expect("default flow");
    sw
}

type Writers = Arc<Mutex<HashMap<ConnId, UnixStream>>>;

/// A switch served on a Unix socket.
pub struct Served {
    pub path: PathBuf,
    pub sw: Arc<Mutex<(Switch, FakeEnv)>>,
    _dir: tempdir::Dir,
}

mod tempdir {
    use std::path::{Path, PathBuf};
    /// A directory removed on drop.
    pub struct Dir(pub PathBuf);
    impl Dir {
        pub fn new(label: &str) -> Dir {
            let n = std::process::id();
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let p = std::env::temp_dir().join(format!("ofswitch-{label}-{n}-{t}"));
            std::fs::create_dir_all(&p).expect("mkdir");
            Dir(p)
        }
        pub fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn deliver(writers: &Writers, out: Vec<Outgoing>) {
    let mut w = writers.lock().expect("writers");
    for o in out {
        match o {
            Outgoing::Send(id, bytes) => {
                if let Some(s) = w.get_mut(&id) {
                    let _ = s.write_all(&bytes);
                }
            }
            Outgoing::Close(id) => {
                if let Some(s) = w.remove(&id) {
                    let _ = s.shutdown(std::net::Shutdown::Both);
                }
            }
        }
    }
}

fn serve_conn(mut s: UnixStream, sw: Arc<Mutex<(Switch, FakeEnv)>>, writers: Writers) {
    let (id, hello) = {
        let mut g = sw.lock().expect("switch");
        g.0.open_conn(ConnKind::Service, 0)
    };
    if let Ok(w) = s.try_clone() {
        writers.lock().expect("writers").insert(id, w);
    }
    deliver(&writers, hello);
    loop {
        let mut h = [0u8; 8];
        if s.read_exact(&mut h).is_err() {
            break;
        }
        let len = usize::from(u16::from_be_bytes([h[2], h[3]]));
        if len < 8 {
            break;
        }
        let mut msg = h.to_vec();
        msg.resize(len, 0);
        if s.read_exact(&mut msg[8..]).is_err() {
            break;
        }
        let out = {
            let mut g = sw.lock().expect("switch");
            let (sw, env) = &mut *g;
            let mut out = sw.receive(id, &msg, env);
            // Packet-outs to the controller come back as packet-ins (what the datapath
            // would do).
            for (in_port, acts, pkt) in std::mem::take(&mut env.packet_outs) {
                for a in acts {
                    let max_len = match a {
                        Action::Output { port, max_len }
                            if port == ofp_actions::action::OFPP_CONTROLLER =>
                        {
                            max_len
                        }
                        Action::Controller(c) => c.max_len,
                        _ => continue,
                    };
                    out.extend(sw.packet_in(ofswitch::PacketIn {
                        in_port,
                        reason: 5,
                        table_id: 0,
                        cookie: u64::MAX,
                        packet: pkt.clone(),
                        max_len: Some(max_len),
                        controller_id: 0,
                        metadata: flow::Match::catchall(),
                    }));
                }
            }
            out
        };
        let closing = out.contains(&Outgoing::Close(id));
        deliver(&writers, out);
        if closing {
            break;
        }
    }
    sw.lock().expect("switch").0.close_conn(id);
    writers.lock().expect("writers").remove(&id);
}

impl Served {
    pub fn start(sw: Switch) -> Served {
        let dir = tempdir::Dir::new("harness");
        let path = dir.path().join("br0.mgmt");
        let listener = UnixListener::bind(&path).expect("bind");
        let sw = Arc::new(Mutex::new((sw, FakeEnv::new())));
        let writers: Writers = Arc::new(Mutex::new(HashMap::new()));
        // The daemon's timer: expire flows now and then (the thread ends with the test
        // process, like the listener's).
        let (sw_t, w_t) = (sw.clone(), writers.clone());
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(50));
            let out = {
                let mut g = sw_t.lock().expect("switch");
                let (sw, env) = &mut *g;
                sw.run_timers(env)
            };
            deliver(&w_t, out);
        });
        let sw2 = sw.clone();
        std::thread::spawn(move || {
            for s in listener.incoming() {
                let Ok(s) = s else { break };
                let sw = sw2.clone();
                let w = writers.clone();
                std::thread::spawn(move || serve_conn(s, sw, w));
            }
        });
        Served {
            path,
            sw,
            _dir: dir,
        }
    }

    pub fn target(&self) -> String {
        format!("unix:{}", self.path.display())
    }
}

/// Runs `ovs-ofctl` with `args` (the target is substituted for `{}`), returning
/// (success, stdout, stderr).
pub fn ofctl(target: &str, args: &[&str], dir: &Path) -> (bool, String, String) {
    let mut cmd = std::process::Command::new(reference::path("ovs-ofctl"));
    cmd.current_dir(dir);
    cmd.env("OVS_RUNDIR", dir).env("OVS_LOGDIR", dir);
    for a in args {
        if *a == "{}" {
            cmd.arg(target);
        } else {
            cmd.arg(a);
        }
    }
    let out = testkit::sandbox::run_with_timeout(&mut cmd, Duration::from_secs(60))
        .expect("run ovs-ofctl");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A private reference `ovs-vswitchd` with bridge br0 (datapath id 1) and dummy ports p1, p2.
pub struct Reference {
    pub sb: Sandbox,
    pub mgmt: PathBuf,
}

impl Reference {
    pub fn start() -> Reference {
        let mut sb = Sandbox::new("ofswitch");
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
                    .args([
                        "datapath_type=dummy",
                        "other-config:datapath-id=0000000000000001",
                    ])
                    .args([
                        "--",
                        "add-port",
                        "br0",
                        "p1",
                        "--",
                        "set",
                        "interface",
                        "p1",
                    ])
                    .args(["type=dummy", "ofport_request=1"])
                    .args([
                        "--",
                        "add-port",
                        "br0",
                        "p2",
                        "--",
                        "set",
                        "interface",
                        "p2",
                    ])
                    .args(["type=dummy", "ofport_request=2"]),
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
        let r = Reference { sb, mgmt };
        let target = r.target();
        wait_until("both ports to appear", Duration::from_secs(60), || {
            let (ok, out, _) = ofctl(&target, &["show", "{}"], &r.sb.rundir());
            ok && out.contains("(p1)") && out.contains("(p2)")
        })
        .expect("ports");
        r
    }

    pub fn target(&self) -> String {
        format!("unix:{}", self.mgmt.display())
    }
}
