//! Forwarding micro-benchmark: two namespaces joined by veth pairs whose root-side ends are
//! `system` ports, and a one-thread forwarder moving batches between them with
//! `recv_batch`/`send_batch`.
//!
//! Two measurements:
//! 1. small packets: a generator in namespace A blasts 64-byte frames (through its own
//!    AF_PACKET port on A's veth end); we report how many per second the forwarder moved;
//! 2. TCP: a bulk transfer from A to B through the forwarder (GSO super-packets pass through
//!    unsegmented), reported in Gbit/s.
//!
//! Needs root. `cargo run --release -p netdev --example forward -- [seconds] [batch] [--ovs]`.
//!
//! With `--ovs` the same measurements are made with the reference Open vSwitch (its userspace
//! `netdev` datapath, two `in_port=X,actions=output:Y` flows) forwarding instead of our loop,
//! run in a private sandbox and namespace, killed afterwards: the baseline to beat. Plain
//! `--ovs` turns checksum offload off on the senders (OVS forwards partial checksums
//! unfixed otherwise); `--ovs-tso` keeps offloads and sets `userspace-tso-enable=true`.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use netdev::system::{SystemNetdev, SystemOptions};
use netdev::{wait_readable, Netdev, RxBatch, TxPacket};
use testkit::netns::{Netns, Veth};
use testkit::sandbox::Sandbox;

fn in_netns<T: Send + 'static>(
    ns: &Netns,
    f: impl FnOnce() -> T + Send + 'static,
) -> JoinHandle<T> {
    let path = format!("/var/run/netns/{}", ns.name());
    std::thread::spawn(move || {
        let fd = File::open(&path).expect("open netns");
        nix::sched::setns(&fd, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
        f()
    })
}

struct Counters {
    a_to_b: AtomicU64,
    b_to_a: AtomicU64,
    bytes: AtomicU64,
}

fn forwarder(
    a: Arc<dyn Netdev>,
    b: Arc<dyn Netdev>,
    batch: usize,
    stop: Arc<AtomicBool>,
    c: Arc<Counters>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut ba = RxBatch::for_netdev(&*a, batch);
        let mut bb = RxBatch::for_netdev(&*b, batch);
        let mut idle_rounds = 0u32;
        while !stop.load(Ordering::Relaxed) {
            let mut moved = 0;
            for (from, to, rx, ctr) in [(&a, &b, &mut ba, &c.a_to_b), (&b, &a, &mut bb, &c.b_to_a)]
            {
                let n = from.recv_batch(rx).unwrap_or(0);
                if n > 0 {
                    let mut t = [TxPacket::default(); 64];
                    let k = rx.fill_tx(&mut t[..batch.min(64)]);
                    let bytes: usize = t[..k].iter().map(|p| p.data.len()).sum();
                    let sent = to.send_batch(&t[..k]).unwrap_or(0);
                    ctr.fetch_add(sent as u64, Ordering::Relaxed);
                    c.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
                    moved += n;
                }
            }
            if moved == 0 {
                idle_rounds += 1;
                if idle_rounds > 1000 {
                    let _ = wait_readable(&[a.rx_fd(), b.rx_fd()], Some(Duration::from_millis(10)));
                }
            } else {
                idle_rounds = 0;
            }
        }
    })
}

fn main() {
    let mut args: Vec<String> = std::env::args().collect();
    let ovs_tso = args.iter().any(|a| a == "--ovs-tso");
    let ovs = ovs_tso || args.iter().any(|a| a == "--ovs");
    args.retain(|a| !a.starts_with("--ovs"));
    let secs: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(3);
    let batch: usize = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(32)
        .clamp(1, 64);
    if !nix::unistd::geteuid().is_root() {
        eprintln!("forward: needs root (network namespaces)");
        std::process::exit(77);
    }
    let a_ns = Netns::new("fa").expect("netns");
    let b_ns = Netns::new("fb").expect("netns");
    let mut va = Veth::new("fa").expect("veth");
    let mut vb = Veth::new("fb").expect("veth");
    va.plug_into(&a_ns, "eth0", "10.88.0.1/24").expect("plug");
    vb.plug_into(&b_ns, "eth0", "10.88.0.2/24").expect("plug");
    let stop = Arc::new(AtomicBool::new(false));
    let c = Arc::new(Counters {
        a_to_b: AtomicU64::new(0),
        b_to_a: AtomicU64::new(0),
        bytes: AtomicU64::new(0),
    });
    let mut sandbox = None;
    let mut fwd = None;
    let mut sw_ns = None;
    if ovs {
        // OVS runs in its own namespace holding both outer ends, so the taps it creates
        // (br0, ovs-netdev) vanish with the namespace whatever happens.
        let ns = Netns::new("fs").expect("netns");
        for v in [&va.outer, &vb.outer] {
            testkit::netns::ip(&["link", "set", v, "netns", ns.name()]).expect("move veth");
            ns.ip(&["link", "set", v, "up"]).expect("up");
        }
        if !ovs_tso {
            // Without userspace TSO, OVS forwards partially checksummed frames unfixed, so
            // (as its documentation advises) checksum offload must be off on the senders.
            for h in [&a_ns, &b_ns] {
                let out = testkit::sandbox::run_with_timeout(
                    h.command("ethtool").args(["-K", "eth0", "tx", "off"]),
                    Duration::from_secs(10),
                )
                .expect("ethtool");
                assert!(out.status.success(), "ethtool -K eth0 tx off failed");
            }
        }
        sandbox = Some(start_ovs(&ns, &va.outer, &vb.outer, ovs_tso));
        sw_ns = Some(ns);
    } else {
        let a: Arc<dyn Netdev> = Arc::new(SystemNetdev::open(&va.outer).expect("open a"));
        let b: Arc<dyn Netdev> = Arc::new(SystemNetdev::open(&vb.outer).expect("open b"));
        fwd = Some(forwarder(a, b, batch, Arc::clone(&stop), Arc::clone(&c)));
    }
    // For OVS, count what it forwarded from the kernel's counters of B's outer end (its tx).
    let forwarded = || match &sw_ns {
        Some(ns) => {
            let name = vb.outer.clone();
            in_netns(ns, move || netdev::ifctl::link_info(&name))
                .join()
                .ok()
                .and_then(|r| r.ok())
                .and_then(|i| i.stats)
                .map_or(0, |s| s.tx_packets)
        }
        None => c.a_to_b.load(Ordering::Relaxed),
    };
    let who = if ovs_tso {
        "reference OVS (netdev datapath, userspace TSO)"
    } else if ovs {
        "reference OVS (netdev datapath, tx offload off)"
    } else {
        "netdev crate"
    };

    // 1. Small packets.
    let gen_stop = Arc::new(AtomicBool::new(false));
    let gs = Arc::clone(&gen_stop);
    let generated = in_netns(&a_ns, move || {
        let opts = SystemOptions {
            vnet_hdr: false,
            promisc: false,
            qdisc_bypass: true,
            rx_ring: false,
        };
        let port = SystemNetdev::open_with("eth0", opts).expect("generator port");
        // To a MAC nobody has: B's kernel drops it as "other host" at once.
        let mut frame = vec![0u8; 60];
        frame[0..6].copy_from_slice(&[0x02, 0xee, 0, 0, 0, 1]);
        frame[6..12].copy_from_slice(&[0x02, 0xee, 0, 0, 0, 2]);
        frame[12..14].copy_from_slice(&[0x08, 0x00]);
        let pkts = [TxPacket::new(&frame); 64];
        let mut n = 0u64;
        while !gs.load(Ordering::Relaxed) {
            n += port.send_batch(&pkts).unwrap_or(0) as u64;
        }
        n
    });
    std::thread::sleep(Duration::from_millis(300)); // warm-up, excluded from the figure
    let start = Instant::now();
    let f0 = forwarded();
    std::thread::sleep(Duration::from_secs(secs));
    let f1 = forwarded();
    let el = start.elapsed().as_secs_f64();
    gen_stop.store(true, Ordering::Relaxed);
    let gen = generated.join().expect("generator");
    println!(
        "{who}: small packets: forwarded {:.0} packets/s (batch {batch}, {secs} s; generator sent {gen} in total)",
        (f1 - f0) as f64 / el
    );

    // 2. TCP bulk transfer.
    let total: usize = 1 << 30;
    let server = in_netns(&b_ns, move || {
        let l = TcpListener::bind("10.88.0.2:5201").expect("bind");
        let (mut s, _) = l.accept().expect("accept");
        s.set_read_timeout(Some(Duration::from_secs(10))).ok();
        let mut buf = vec![0u8; 1 << 18];
        let mut got = 0usize;
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 {
                break;
            }
            got += n;
        }
        got
    });
    let client = in_netns(&a_ns, move || {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut s = loop {
            match TcpStream::connect("10.88.0.2:5201") {
                Ok(s) => break s,
                Err(e) if Instant::now() > deadline => panic!("connect: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        };
        s.set_write_timeout(Some(Duration::from_secs(10))).ok();
        let chunk = vec![0x5au8; 1 << 18];
        let t = Instant::now();
        let mut sent = 0;
        while sent < total {
            if let Err(e) = s.write_all(&chunk) {
                eprintln!("tcp transfer stalled after {sent} bytes: {e}");
                break;
            }
            sent += chunk.len();
        }
        s.shutdown(Shutdown::Write).ok();
        (sent, t)
    });
    let (sent, t0) = client.join().expect("client");
    let got = server.join().expect("server");
    let el = t0.elapsed().as_secs_f64();
    println!(
        "{who}: tcp: {} MiB in {:.2} s = {:.2} Gbit/s through the forwarder ({} of {} bytes arrived)",
        sent >> 20,
        el,
        got as f64 * 8.0 / el / 1e9,
        got,
        sent
    );
    stop.store(true, Ordering::Relaxed);
    if let Some(f) = fwd {
        let _ = f.join();
    }
    drop(sandbox);
    drop(sw_ns);
}

/// Starts the reference ovsdb-server and ovs-vswitchd in a private sandbox with a userspace
/// bridge forwarding between `a` and `b`. Everything is killed when the sandbox is dropped.
fn start_ovs(ns: &Netns, a: &str, b: &str, tso: bool) -> Sandbox {
    let mut sb = Sandbox::new("fwdovs");
    let db = sb.dbdir().join("conf.db");
    let sock = sb.rundir().join("db.sock");
    let remote = format!("unix:{}", sock.display());
    let run = |sb: &Sandbox, prog: &str, args: &[&str]| {
        let out = sb
            .run(sb.command(prog).args(args), Duration::from_secs(30))
            .expect("run");
        assert!(
            out.status.success(),
            "{prog} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let schema = testkit::reference::vswitch_schema();
    run(
        &sb,
        "ovsdb-tool",
        &[
            "create",
            &db.display().to_string(),
            &schema.display().to_string(),
        ],
    );
    let mut cmd = sb.command("/usr/sbin/ovsdb-server");
    cmd.arg(&db)
        .arg(format!("--remote=punix:{}", sock.display()))
        .arg(format!(
            "--unixctl={}",
            sb.rundir().join("ovsdb-server.ctl").display()
        ));
    sb.spawn("ovsdb-server", cmd).expect("spawn ovsdb-server");
    sb.wait_for_path(&sock, Duration::from_secs(10))
        .expect("db socket");
    let dbarg = format!("--db={remote}");
    let tso_arg = format!("other_config:userspace-tso-enable={tso}");
    run(
        &sb,
        "ovs-vsctl",
        &[
            &dbarg,
            "--no-wait",
            "init",
            "--",
            "set",
            "Open_vSwitch",
            ".",
            &tso_arg,
        ],
    );
    let mut cmd = sb.command("ip");
    cmd.args(["netns", "exec", ns.name(), "/usr/sbin/ovs-vswitchd"])
        .arg(&remote)
        .arg("--disable-system")
        .arg(format!(
            "--unixctl={}",
            sb.rundir().join("ovs-vswitchd.ctl").display()
        ))
        .arg(format!(
            "--log-file={}",
            sb.logdir().join("ovs-vswitchd.log").display()
        ));
    sb.spawn("ovs-vswitchd", cmd).expect("spawn ovs-vswitchd");
    run(
        &sb,
        "ovs-vsctl",
        &[
            &dbarg,
            "--timeout=30",
            "add-br",
            "br0",
            "--",
            "set",
            "bridge",
            "br0",
            "datapath_type=netdev",
            "--",
            "add-port",
            "br0",
            a,
            "--",
            "add-port",
            "br0",
            b,
        ],
    );
    run(&sb, "ovs-ofctl", &["del-flows", "br0"]);
    run(
        &sb,
        "ovs-ofctl",
        &[
            "add-flow",
            "br0",
            &format!("in_port={a},actions=output:{b}"),
        ],
    );
    run(
        &sb,
        "ovs-ofctl",
        &[
            "add-flow",
            "br0",
            &format!("in_port={b},actions=output:{a}"),
        ],
    );
    sb
}
