//! The datapath between two network namespaces over veth pairs (`system` ports), with a
//! trivial learning switch as the upcall handler: ping, a TCP transfer, and an idle-CPU check.
//! Needs root: prints "SKIPPED:" otherwise (fails instead when FERRO_REQUIRE_NETNS=1).

mod common;

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::*;
use datapath::{Datapath, DatapathConfig, UpcallHandler, UpcallResult};
use dpif::{Dpif, OdpAction, OdpPort};
use flow::{FieldId, Flow, FlowWildcards};
use packet::PacketBuf;
use testkit::netns::{Netns, Veth};
use testkit::sandbox::run_with_timeout;

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

/// Learns source MACs; forwards to a learned port (installing a megaflow on in_port, dl_src,
/// dl_dst) or floods to every other port (not installed, so that learning keeps happening).
struct Learning {
    ports: Vec<OdpPort>,
    macs: Mutex<HashMap<u64, OdpPort>>,
}

impl UpcallHandler for Learning {
    fn upcall(&self, _p: &PacketBuf, flow: &Flow, in_port: OdpPort) -> UpcallResult {
        let mut macs = self.macs.lock().unwrap();
        macs.insert(flow.dl_src(), in_port);
        let mut wc = FlowWildcards::catchall();
        for f in [FieldId::InPort, FieldId::EthSrc, FieldId::EthDst] {
            wc.set(f, u128::MAX);
        }
        match macs.get(&flow.dl_dst()) {
            Some(&out) if out != in_port => UpcallResult {
                actions: vec![OdpAction::Output(out)],
                wildcards: wc,
                install: true,
            },
            Some(_) => UpcallResult {
                actions: vec![],
                wildcards: wc,
                install: true,
            },
            None => UpcallResult {
                actions: self
                    .ports
                    .iter()
                    .filter(|p| **p != in_port)
                    .map(|p| OdpAction::Output(*p))
                    .collect(),
                wildcards: wc,
                install: false,
            },
        }
    }
}

#[test]
fn ping_and_tcp_between_namespaces() {
    if !testkit::netns::available("datapath ping_and_tcp_between_namespaces") {
        return;
    }
    let a_ns = Netns::new("da").unwrap();
    let b_ns = Netns::new("db").unwrap();
    let mut va = Veth::new("da").unwrap();
    let mut vb = Veth::new("db").unwrap();
    va.plug_into(&a_ns, "eth0", "10.89.0.1/24").unwrap();
    vb.plug_into(&b_ns, "eth0", "10.89.0.2/24").unwrap();

    let dp = Datapath::new("ovs-netdev", DatapathConfig::default()).unwrap();
    let pa = dp.port_add(&va.outer, "system", None).unwrap();
    let pb = dp.port_add(&vb.outer, "system", None).unwrap();
    assert_eq!(dp.port_query_by_number(pa).unwrap().port_type, "system");
    dp.set_upcall_handler(Some(Arc::new(Learning {
        ports: vec![pa, pb],
        macs: Mutex::new(HashMap::new()),
    })));

    let out = run_with_timeout(
        a_ns.command("ping")
            .args(["-c", "3", "-i", "0.2", "-W", "2", "10.89.0.2"]),
        Duration::from_secs(20),
    )
    .unwrap();
    assert!(
        out.status.success(),
        "ping failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // A short TCP transfer (GSO super-packets pass between the veth ports unsegmented).
    let total: usize = 8 << 20;
    let server = in_netns(&b_ns, move || {
        let l = TcpListener::bind("10.89.0.2:5202").expect("bind");
        let (mut s, _) = l.accept().expect("accept");
        s.set_read_timeout(Some(Duration::from_secs(10))).ok();
        let mut buf = vec![0u8; 1 << 16];
        let mut got = 0usize;
        let mut sum = 0u64;
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 {
                break;
            }
            sum += buf[..n].iter().map(|b| u64::from(*b)).sum::<u64>();
            got += n;
        }
        (got, sum)
    });
    let client = in_netns(&a_ns, move || {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut s = loop {
            match TcpStream::connect("10.89.0.2:5202") {
                Ok(s) => break s,
                Err(e) if Instant::now() > deadline => panic!("connect: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        };
        s.set_write_timeout(Some(Duration::from_secs(10))).ok();
        let chunk: Vec<u8> = (0..1 << 16).map(|i| (i % 251) as u8).collect();
        let mut sent = 0;
        while sent < total {
            s.write_all(&chunk).expect("write");
            sent += chunk.len();
        }
        s.shutdown(Shutdown::Write).ok();
        let chunk_sum: u64 = chunk.iter().map(|b| u64::from(*b)).sum();
        (sent, chunk_sum * (sent / chunk.len()) as u64)
    });
    let (sent, want_sum) = client.join().unwrap();
    let (got, sum) = server.join().unwrap();
    assert_eq!((got, sum), (sent, want_sum));

    let flows = dp.flow_dump();
    assert!(flows.len() >= 2, "{flows:?}");
    let s = dp.datapath_stats();
    assert!(s.dpif.hit > 100, "{s:?}");

    // Idle: the PMD sleeps on the ports' descriptors.
    let tid = dp.pmd_thread_ids()[0];
    assert!(wait_until(|| thread_cpu_ticks(tid).is_some()));
    let t0 = thread_cpu_ticks(tid).unwrap();
    std::thread::sleep(Duration::from_secs(1)); // the measured idle period
    let t1 = thread_cpu_ticks(tid).unwrap();
    assert!(t1 - t0 <= 3, "idle PMD used {} ticks in 1 s", t1 - t0);

    // The bridge's local port: an internal (tap) port, number 0, gone with port_del.
    let br = testkit::netns::unique_name("br");
    assert_eq!(
        dp.port_add(&br, "internal", None).unwrap(),
        dpif::ODPP_LOCAL
    );
    assert!(testkit::netns::ip(&["link", "show", &br]).is_ok());
    dp.port_del(dpif::ODPP_LOCAL).unwrap();
    assert!(wait_until(
        || testkit::netns::ip(&["link", "show", &br]).is_err()
    ));

    drop(dp);
    drop((va, vb, a_ns, b_ns));
}
