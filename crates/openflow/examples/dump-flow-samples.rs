//! Prints `name hex` for every flow-carrying sample message (input for
//! `tests/data/regen-flow-msgs.sh`, which runs the reference `ovs-ofctl
//! ofp-print`).

#[path = "../tests/common/mod.rs"]
mod common;

fn main() {
    for (name, m) in common::flow_samples::flow_samples() {
        match m.encode() {
            Ok(b) => println!("{name} {}", common::hex(&b)),
            Err(e) => eprintln!("{name}: {e}"),
        }
    }
}
