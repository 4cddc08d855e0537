//! Forwarding benchmark of the datapath: two namespaces joined by veth pairs whose
//! root-side ends are `system` ports of a [`Datapath`], with a fixed "output to the other
//! port" upcall handler (one megaflow per direction, matching `in_port` only).
//!
//! Two measurements:
//! 1. small packets: a generator in namespace A blasts 64-byte frames through its own
//!    AF_PACKET port on A's veth end; we report how many per second the datapath forwarded
//!    (from its megaflow counters);
//! 2. TCP: a bulk transfer from A to B through the datapath, in Gbit/s.
//!
//! Needs root. `cargo run --release -p datapath --example dp_forward -- [seconds] [pmds]`.
//!
//! On the 2-core development machine, shared with other builds, figures varied with the
//! load: 150,000-440,000 packets/s and 6.5-16 Gbit/s, in line with the bare `netdev`
//! forwarder (`cargo run --release -p netdev --example forward`) measured in the same
//! minutes (the generator, on the same cores, is usually the bottleneck).

use std::fs::File;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use datapath::{Datapath, DatapathConfig, UpcallHandler, UpcallResult};
use dpif::{Dpif, OdpAction, OdpPort};
use flow::{FieldId, Flow, FlowWildcards};
use netdev::system::{SystemNetdev, SystemOptions};
use netdev::{Netdev, TxPacket};
use packet::PacketBuf;
use testkit::netns::{Netns, Veth};

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

/// Sends everything from one port to the other.
struct Cross(OdpPort, OdpPort);

impl UpcallHandler for Cross {
    fn upcall(&self, _p: &PacketBuf, _f: &Flow, in_port: OdpPort) -> UpcallResult {
        let out = if in_port == self.0 { self.1 } else { self.0 };
        let mut wc = FlowWildcards::catchall();
        wc.set(FieldId::InPort, u128::MAX);
        UpcallResult {
            actions: vec![OdpAction::Output(out)],
            wildcards: wc,
            install: true,
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let secs: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(3);
    let pmds: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
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

    let dp = Datapath::new(
        "ovs-netdev",
        DatapathConfig {
            n_pmds: pmds,
            ..DatapathConfig::default()
        },
    )
    .expect("datapath");
    let pa = dp.port_add(&va.outer, "system", None).expect("port a");
    let pb = dp.port_add(&vb.outer, "system", None).expect("port b");
    dp.set_upcall_handler(Some(Arc::new(Cross(pa, pb))));
    let who = format!("datapath ({pmds} PMD)");
    let forwarded = |dp: &Datapath| -> u64 { dp.pmd_stats().iter().map(|p| p.tx_packets).sum() };

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
        // To a MAC nobody has: B's kernel drops it as "other host" at once. Varying source
        // ports exercise the megaflow (they are wildcarded) rather than one EMC entry only.
        let mut frames = Vec::new();
        for i in 0..64u16 {
            let mut f = vec![0u8; 60];
            f[0..6].copy_from_slice(&[0x02, 0xee, 0, 0, 0, 1]);
            f[6..12].copy_from_slice(&[0x02, 0xee, 0, 0, 0, 2]);
            f[12..14].copy_from_slice(&[0x08, 0x00]);
            f[14] = 0x45;
            f[23] = 17;
            f[34..36].copy_from_slice(&(1000 + i).to_be_bytes());
            frames.push(f);
        }
        let pkts: Vec<TxPacket<'_>> = frames.iter().map(|f| TxPacket::new(f)).collect();
        let mut n = 0u64;
        while !gs.load(Ordering::Relaxed) {
            n += port.send_batch(&pkts).unwrap_or(0) as u64;
        }
        n
    });
    std::thread::sleep(Duration::from_millis(300)); // warm-up, excluded from the figure
    let start = Instant::now();
    let f0 = forwarded(&dp);
    std::thread::sleep(Duration::from_secs(secs));
    let f1 = forwarded(&dp);
    let el = start.elapsed().as_secs_f64();
    gen_stop.store(true, Ordering::Relaxed);
    let gen = generated.join().expect("generator");
    let s = dp.datapath_stats();
    println!(
        "{who}: small packets: forwarded {:.0} packets/s ({secs} s; generator sent {gen}; \
         emc hits {}, megaflow hits {}, upcalls {})",
        (f1 - f0) as f64 / el,
        s.emc_hits,
        s.megaflow_hits,
        s.upcalls
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
        "{who}: tcp: {} MiB in {:.2} s = {:.2} Gbit/s through the datapath ({} of {} bytes arrived)",
        sent >> 20,
        el,
        got as f64 * 8.0 / el / 1e9,
        got,
        sent
    );
    for f in dp.flow_dump() {
        println!(
            "  megaflow in_port={} actions={} packets={} bytes={}",
            f.key.in_port(),
            dpif::format_actions(&f.actions),
            f.stats.packets,
            f.stats.bytes
        );
    }
    drop(dp);
}
