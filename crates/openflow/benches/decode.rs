//! OpenFlow decode per message: flow_mods as a controller sends them (OpenFlow 1.0 with NXM,
//! 1.3 and 1.5 with OXM, with matches and actions), and the small messages every session
//! exchanges (echo, barrier). Encoded once with our own encoder, decoded in the loop.
//!
//! `cargo bench -p openflow --bench decode`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use openflow::flow_text::{parse_flow_mod, Command};
use openflow::protocol::Protocol;
use openflow::OfpMsg;

fn flow_mod(text: &str, p: Protocol) -> Vec<u8> {
    parse_flow_mod(text, Command::Add, None)
        .expect("valid flow")
        .to_message(p, 1)
        .expect("expressible")
        .encode()
        .expect("encodes")
}

fn bench(c: &mut Criterion) {
    let flow = "priority=100,tcp,in_port=1,dl_src=50:54:00:00:00:01,nw_dst=10.1.2.0/24,tp_dst=80,\
                actions=mod_dl_dst:50:54:00:00:00:02,dec_ttl,output:2";
    let vlan = "priority=200,dl_vlan=10,dl_dst=ff:ff:ff:ff:ff:ff,actions=strip_vlan,NORMAL";
    let cases = [
        (
            "flow_mod tcp OF1.0+NXM",
            flow_mod(flow, Protocol::Of10NxmTid),
        ),
        ("flow_mod tcp OF1.3", flow_mod(flow, Protocol::Of13Oxm)),
        ("flow_mod tcp OF1.5", flow_mod(flow, Protocol::Of15Oxm)),
        ("flow_mod vlan OF1.3", flow_mod(vlan, Protocol::Of13Oxm)),
        (
            "echo_request OF1.3",
            vec![0x04, 0x02, 0x00, 0x08, 0x00, 0x00, 0x00, 0x07],
        ),
        (
            "barrier_request OF1.3",
            vec![0x04, 0x14, 0x00, 0x08, 0x00, 0x00, 0x00, 0x08],
        ),
    ];
    let mut g = c.benchmark_group("openflow_decode");
    g.sample_size(30)
        .measurement_time(std::time::Duration::from_secs(2))
        .warm_up_time(std::time::Duration::from_millis(500));
    for (name, bytes) in &cases {
        assert!(OfpMsg::decode(bytes).is_ok(), "{name} decodes");
        g.throughput(Throughput::Elements(1));
        g.bench_function(*name, |b| b.iter(|| OfpMsg::decode(black_box(bytes))));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
