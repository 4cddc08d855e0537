//! Any byte string through the packet crate's layer walker and header views: no panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let layers = packet::layers::Layers::parse(data);
    let _ = format!("{layers:?}");
    let mut buf = packet::PacketBuf::from_slice(data);
    let _ = buf.pop_vlan();
    let _ = buf.push_vlan(
        packet::EtherType::from(0x8100u16),
        packet::vlan::Tci::new(0, false, 5),
    );
});
