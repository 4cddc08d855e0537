//! A pure executor of datapath actions over a [`PacketBuf`].
//!
//! [`execute_actions`] runs an action list on one packet and reports everything that leaves
//! the packet's path to an [`ExecSink`]: outputs, userspace upcalls, recirculation requests,
//! conntrack and meter decisions, and it asks the sink for random numbers (for `sample`).
//! It does no I/O and keeps no state, so the datapath's poll threads, `Dpif::execute` and
//! tests can all use it. [`execute_to_batch`] is the variant that collects the effects in a
//! vector.
//!
//! # Semantics (those of Open vSwitch's datapath)
//!
//! * Actions run in order on one packet. `output` hands the sink a reference to the packet as
//!   it is at that point; later actions keep modifying the same packet.
//! * `clone(...)` and `sample(...)` run their nested actions on a copy, so nothing they do is
//!   seen by the actions after them. `sample` runs when the probability is nonzero and the
//!   sink's random number is at most the probability. `check_pkt_len` runs one branch on the packet itself.
//! * `trunc(n)` applies to the next output (or userspace action) only: that output gets a
//!   truncated copy; the packet itself keeps its length.
//! * `recirc(id)` hands the sink a copy with `recirc_id` set; the datapath looks it up again.
//! * `meter(id)` asks the sink; a packet the meter drops is not processed further. `drop`
//!   ends processing.
//! * `set(...)` writes the fields whose mask is nonzero, keeping the other bits (the new
//!   value is `value | (old & !mask)`, OVS's formula). Header
//!   checksums are updated incrementally (RFC 1624): the IPv4 header checksum for address,
//!   ToS and TTL changes; the TCP, UDP (unless its checksum is 0, "none") and ICMPv6
//!   checksums for changes to the addresses in their pseudo-header; TCP/UDP checksums for
//!   port changes, ICMP/ICMPv6 checksums for type/code and neighbour-discovery changes;
//!   SCTP's CRC32c is adjusted by the change in the correct CRC (so a wrong checksum stays
//!   wrong, as in OVS). Layer-4 fields of later IP fragments are never touched,
//!   and neither are their checksums.
//! * A set on a header the packet does not have (an `ipv4` set on an ARP packet, a `tcp` set
//!   on a truncated segment) is skipped. An IP set needs only the fixed IP header to be
//!   present, as in OVS (which rewrites an IPv4 header whose total length is wrong, but leaves
//!   layer 4 alone). Where OVS would write IPv6 fields into an IPv4 packet, or abort on a
//!   frame too short for the header, this executor skips the set instead. Push/pop on a packet too short for it
//!   is skipped too. Nothing here panics on any packet: every access is bounds-checked.
//! * Metadata sets (`skb_mark`, `skb_priority`, `ct_*`, `recirc_id`, `dp_hash`, `tunnel`)
//!   update the [`PacketMetadata`] that travels with the packet.

use crate::action::{CtAction, HashAlg, OdpAction, UserspaceAction};
use crate::attr::{AttrKind, KeyAttr, Masked};
use crate::provider::OdpPort;
use packet::checksum::{udp_update, update_bytes, update_u16, update_u32};
use packet::{EtherType, IpProtocol, Layers, PacketBuf, Tci};

/// Per-packet metadata that actions read and write.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PacketMetadata {
    /// Datapath port the packet arrived on.
    pub in_port: OdpPort,
    /// Recirculation id (0 on first pass).
    pub recirc_id: u32,
    /// Hash computed by a `hash` action.
    pub dp_hash: u32,
    /// `skb_priority` (QoS queue selection).
    pub skb_priority: u32,
    /// `skb_mark` (OpenFlow `pkt_mark`).
    pub pkt_mark: u32,
    /// Conntrack state bits.
    pub ct_state: u32,
    /// Conntrack zone.
    pub ct_zone: u16,
    /// Conntrack mark.
    pub ct_mark: u32,
    /// Conntrack label.
    pub ct_label: u128,
    /// Tunnel metadata set by `set(tunnel(...))`, for a tunnel port's output.
    pub tunnel: Option<Box<KeyAttr>>,
}

/// Where the effects of running actions go.
pub trait ExecSink {
    /// The packet (possibly truncated by `trunc`) is sent to `port`.
    fn output(&mut self, port: OdpPort, packet: &PacketBuf, md: &PacketMetadata);

    /// A `userspace()` action ran.
    fn userspace(&mut self, action: &UserspaceAction, packet: &PacketBuf, md: &PacketMetadata) {
        let _ = (action, packet, md);
    }

    /// `recirc(id)`: the copy should be looked up again (its `md.recirc_id` is set).
    fn recirc(&mut self, packet: PacketBuf, md: PacketMetadata) {
        let _ = (packet, md);
    }

    /// `lb_output(bond)`.
    fn lb_output(&mut self, bond: u32, packet: &PacketBuf, md: &PacketMetadata) {
        let _ = (bond, packet, md);
    }

    /// `ct(...)`: conntrack may update the metadata (and NAT the packet).
    fn ct(&mut self, ct: &CtAction, packet: &mut PacketBuf, md: &mut PacketMetadata) {
        let _ = (ct, packet, md);
    }

    /// `meter(id)`: return false to drop the packet. A meter may also rewrite it (a DSCP
    /// remark band: see [`remark_dscp`]).
    fn meter(&mut self, id: u32, packet: &mut PacketBuf) -> bool {
        let _ = (id, packet);
        true
    }

    /// A uniformly distributed random number for `sample`.
    fn random(&mut self) -> u32;
}

/// One effect collected by [`execute_to_batch`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecEvent {
    /// A packet sent to a port.
    Output {
        /// The port.
        port: OdpPort,
        /// The packet as sent.
        packet: Vec<u8>,
    },
    /// A `userspace()` action.
    Userspace {
        /// The action.
        action: UserspaceAction,
        /// The packet as sent.
        packet: Vec<u8>,
    },
    /// A recirculation request.
    Recirc {
        /// The packet.
        packet: Vec<u8>,
        /// Its metadata (with the new recirc id).
        md: PacketMetadata,
    },
    /// An `lb_output` request.
    LbOutput {
        /// The bond id.
        bond: u32,
        /// The packet.
        packet: Vec<u8>,
    },
}

struct BatchSink<'a> {
    events: Vec<ExecEvent>,
    random: &'a mut dyn FnMut() -> u32,
}

impl ExecSink for BatchSink<'_> {
    fn output(&mut self, port: OdpPort, packet: &PacketBuf, _md: &PacketMetadata) {
        self.events.push(ExecEvent::Output {
            port,
            packet: packet.to_vec(),
        });
    }
    fn userspace(&mut self, action: &UserspaceAction, packet: &PacketBuf, _md: &PacketMetadata) {
        self.events.push(ExecEvent::Userspace {
            action: action.clone(),
            packet: packet.to_vec(),
        });
    }
    fn recirc(&mut self, packet: PacketBuf, md: PacketMetadata) {
        self.events.push(ExecEvent::Recirc {
            packet: packet.to_vec(),
            md,
        });
    }
    fn lb_output(&mut self, bond: u32, packet: &PacketBuf, _md: &PacketMetadata) {
        self.events.push(ExecEvent::LbOutput {
            bond,
            packet: packet.to_vec(),
        });
    }
    fn random(&mut self) -> u32 {
        (self.random)()
    }
}

/// Runs `actions` and returns the collected effects; `random` feeds `sample`.
pub fn execute_to_batch(
    packet: &mut PacketBuf,
    md: &mut PacketMetadata,
    actions: &[OdpAction],
    random: &mut dyn FnMut() -> u32,
) -> Vec<ExecEvent> {
    let mut sink = BatchSink {
        events: Vec::new(),
        random,
    };
    execute_actions(packet, md, actions, &mut sink);
    sink.events
}

/// A sink made of one closure for outputs and one random source; other effects are ignored.
pub struct FnSink<O: FnMut(OdpPort, &PacketBuf), R: FnMut() -> u32> {
    /// Called for every output.
    pub output: O,
    /// Random source for `sample`.
    pub random: R,
}

impl<O: FnMut(OdpPort, &PacketBuf), R: FnMut() -> u32> ExecSink for FnSink<O, R> {
    fn output(&mut self, port: OdpPort, packet: &PacketBuf, _md: &PacketMetadata) {
        (self.output)(port, packet)
    }
    fn random(&mut self) -> u32 {
        (self.random)()
    }
}

/// Nesting limit for `clone`/`sample`/`check_pkt_len` (deeper lists are not run).
pub const MAX_NESTING: usize = 32;

/// Runs `actions` on `packet`; see the module documentation.
pub fn execute_actions(
    packet: &mut PacketBuf,
    md: &mut PacketMetadata,
    actions: &[OdpAction],
    sink: &mut dyn ExecSink,
) {
    run(packet, md, actions, sink, 0);
}

fn with_cut<'p>(packet: &'p PacketBuf, cut: &mut Option<u32>) -> std::borrow::Cow<'p, PacketBuf> {
    match cut.take() {
        Some(n) if (n as usize) < packet.len() => {
            let mut c = packet.clone();
            c.truncate(n as usize);
            std::borrow::Cow::Owned(c)
        }
        _ => std::borrow::Cow::Borrowed(packet),
    }
}

/// Returns false when processing must stop (drop, meter).
fn run(
    packet: &mut PacketBuf,
    md: &mut PacketMetadata,
    actions: &[OdpAction],
    sink: &mut dyn ExecSink,
    depth: usize,
) -> bool {
    if depth > MAX_NESTING {
        return false;
    }
    let mut cut: Option<u32> = None;
    for a in actions {
        match a {
            OdpAction::Output(p) => {
                let pk = with_cut(packet, &mut cut);
                sink.output(*p, &pk, md);
            }
            OdpAction::LbOutput(b) => {
                let pk = with_cut(packet, &mut cut);
                sink.lb_output(*b, &pk, md);
            }
            OdpAction::Userspace(u) => {
                let pk = with_cut(packet, &mut cut);
                sink.userspace(u, &pk, md);
            }
            OdpAction::Trunc(n) => cut = Some(*n),
            OdpAction::PushVlan { tpid, tci } => {
                let _ = packet.push_vlan(EtherType::from(*tpid), Tci(tci & !0x1000));
            }
            OdpAction::PopVlan => {
                let _ = packet.pop_vlan();
            }
            OdpAction::PushMpls { lse, ethertype } => {
                packet.parse();
                let _ = packet.push_mpls(EtherType::from(*ethertype), packet::mpls::Lse(*lse));
            }
            OdpAction::PopMpls(t) => {
                packet.parse();
                if packet.pop_mpls(EtherType::from(*t)).is_ok() {
                    pad_to_min_frame(packet);
                }
            }
            OdpAction::PushPbb => {
                let _ = packet.push_pbb(0);
            }
            OdpAction::PopPbb => {
                if packet.pop_pbb().is_ok() {
                    pad_to_min_frame(packet);
                }
            }
            OdpAction::CopyTtlOut | OdpAction::CopyTtlIn => {
                packet.copy_mpls_ttl(matches!(a, OdpAction::CopyTtlOut));
            }
            OdpAction::SetPbbIsid(v) => {
                packet.set_pbb_isid(*v);
            }
            OdpAction::Set(attr) => apply_set(packet, md, attr),
            OdpAction::Sample {
                probability,
                actions,
            } => {
                let r = sink.random();
                if *probability != 0 && r <= *probability {
                    let mut p2 = packet.clone();
                    let mut md2 = md.clone();
                    run(&mut p2, &mut md2, actions, sink, depth + 1);
                }
            }
            OdpAction::Clone(actions) => {
                let mut p2 = packet.clone();
                let mut md2 = md.clone();
                run(&mut p2, &mut md2, actions, sink, depth + 1);
            }
            OdpAction::Recirc(id) => {
                let mut md2 = md.clone();
                md2.recirc_id = *id;
                sink.recirc(packet.clone(), md2);
            }
            OdpAction::Hash { alg, basis } => {
                md.dp_hash = packet_hash(packet.data(), *alg, *basis);
            }
            OdpAction::Ct(ct) => sink.ct(ct, packet, md),
            OdpAction::CtClear => {
                md.ct_state = 0;
                md.ct_zone = 0;
                md.ct_mark = 0;
                md.ct_label = 0;
            }
            OdpAction::Meter(id) => {
                if !sink.meter(*id, packet) {
                    return false;
                }
            }
            OdpAction::CheckPktLen { size, gt, le } => {
                let branch = if packet.len() > usize::from(*size) {
                    gt
                } else {
                    le
                };
                if !run(packet, md, branch, sink, depth + 1) {
                    return false;
                }
            }
            OdpAction::Drop => return false,
        }
    }
    true
}

fn mix(h: u32, v: u32) -> u32 {
    let x = (h ^ v).wrapping_mul(0x9e37_79b1);
    x ^ (x >> 15)
}

/// Smallest Ethernet frame (without FCS).
const MIN_FRAME: usize = 60;

/// After a pop shortened a frame below the Ethernet minimum, pads it with zeros as a NIC
/// would on transmit: a frame that came in padded to 60 bytes leaves padded to 60 bytes
/// (the padding after the IP datagram is not part of it). Open vSwitch leaves such frames
/// short, which virtual links deliver as they are.
fn pad_to_min_frame(packet: &mut PacketBuf) {
    let n = packet.len();
    if n < MIN_FRAME {
        packet.extend_from_slice(&[0; MIN_FRAME][..MIN_FRAME - n]);
    }
}

/// The `hash` action's hash: IP (or ARP) addresses, protocol and ports when present, and
/// the Ethernet addresses; symmetric for `sym_l4`.
fn packet_hash(d: &[u8], alg: HashAlg, basis: u32) -> u32 {
    let l = Layers::parse(d);
    let mut src: Vec<u8> = Vec::new();
    let mut dst: Vec<u8> = Vec::new();
    // Ethernet addresses count too (frames that differ only there spread as well).
    let mut macs = (d.get(6..12).unwrap_or(&[]), d.get(0..6).unwrap_or(&[]));
    if alg == HashAlg::SymL4 && macs.0 > macs.1 {
        macs = (macs.1, macs.0);
    }
    if let Some(l3) = l.l3.map(usize::from) {
        match l.ethertype {
            EtherType::Arp | EtherType::Rarp => {
                src.extend_from_slice(d.get(l3 + 14..l3 + 18).unwrap_or(&[]));
                dst.extend_from_slice(d.get(l3 + 24..l3 + 28).unwrap_or(&[]));
            }
            EtherType::Ipv4 => {
                src.extend_from_slice(d.get(l3 + 12..l3 + 16).unwrap_or(&[]));
                dst.extend_from_slice(d.get(l3 + 16..l3 + 20).unwrap_or(&[]));
            }
            EtherType::Ipv6 => {
                src.extend_from_slice(d.get(l3 + 8..l3 + 24).unwrap_or(&[]));
                dst.extend_from_slice(d.get(l3 + 24..l3 + 40).unwrap_or(&[]));
            }
            _ => {}
        }
    }
    if let (Some(l4), Some(_)) = (l.l4.map(usize::from), l.l7) {
        src.extend_from_slice(d.get(l4..l4 + 2).unwrap_or(&[]));
        dst.extend_from_slice(d.get(l4 + 2..l4 + 4).unwrap_or(&[]));
    }
    if alg == HashAlg::SymL4 && src > dst {
        std::mem::swap(&mut src, &mut dst);
    }
    let mut h = mix(basis, l.ip_proto.map_or(0, |p| u32::from(u8::from(p))));
    for b in src.iter().chain(dst.iter()).chain(macs.0).chain(macs.1) {
        h = mix(h, u32::from(*b));
    }
    // Final avalanche: callers use the low bits.
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

// ---- byte helpers (all bounds-checked; out-of-range reads are None, writes are skipped) ----

/// Raises the drop precedence of an IPv4 or IPv6 packet's DSCP by `prec_level` (a meter's
/// DSCP-remark band, OpenFlow 1.3 `OFPMBT_DSCP_REMARK`): the precedence is bits 1-2 of the
/// DSCP (AF*xy* = 8*x* + 2*y*), raised at most to 3; the IPv4 header checksum is updated.
/// Other packets are left alone.
pub fn remark_dscp(packet: &mut PacketBuf, prec_level: u8) {
    let raise = |dscp: u128| -> u128 {
        let prec = ((dscp >> 1) & 3) + u128::from(prec_level);
        (dscp & !0b110) | (prec.min(3) << 1)
    };
    let l = Layers::parse(packet.data());
    let Some(l3) = l.l3.map(usize::from) else {
        return;
    };
    let d = packet.data_mut();
    match l.ethertype {
        EtherType::Ipv4 if d.len() >= l3 + 20 => {
            if let Some(w) = rd(d, l3, 2) {
                let tos = w & 0xff;
                let new_tos = (raise(tos >> 2) << 2) | (tos & 3);
                let nw = (w & 0xff00) | new_tos;
                wr(d, l3, 2, nw);
                fix_csum(d, l3 + 10, w, nw, 2, false);
            }
        }
        EtherType::Ipv6 if d.len() >= l3 + 40 => {
            if let Some(w) = rd(d, l3, 4) {
                let tc = (w >> 20) & 0xff;
                let new_tc = (raise(tc >> 2) << 2) | (tc & 3);
                wr(d, l3, 4, (w & !(0xff << 20)) | (new_tc << 20));
            }
        }
        _ => {}
    }
}

fn rd(d: &[u8], off: usize, n: usize) -> Option<u128> {
    let s = d.get(off..off.checked_add(n)?)?;
    Some(s.iter().fold(0u128, |a, b| (a << 8) | u128::from(*b)))
}

fn wr(d: &mut [u8], off: usize, n: usize, v: u128) {
    if let Some(s) = off.checked_add(n).and_then(|e| d.get_mut(off..e)) {
        for (i, b) in s.iter_mut().enumerate() {
            *b = (v >> (8 * (n - 1 - i))) as u8;
        }
    }
}

/// The new value of a field after a masked set: `value | (old & !mask)`, exactly as Open
/// vSwitch's datapath computes it. Value bits outside the mask are therefore *not*
/// ignored (OVS never generates such values itself, but `dpctl/add-flow` accepts them and
/// the datapath ORs them in); this keeps the executor byte-for-byte compatible.
fn merge(old: u128, m: Masked) -> u128 {
    m.value | (old & !m.mask)
}

/// Writes a masked field of `n` bytes at `off`; returns `(old, new)` if the field exists.
fn set_bytes(d: &mut [u8], off: usize, n: usize, m: Masked) -> Option<(u128, u128)> {
    let old = rd(d, off, n)?;
    let new = merge(old, m);
    wr(d, off, n, new);
    Some((old, new))
}

fn bytes_of(v: u128, n: usize) -> Vec<u8> {
    (0..n).map(|i| (v >> (8 * (n - 1 - i))) as u8).collect()
}

/// Adjusts a 16-bit checksum at `csum_off` after bytes `old` -> `new` (both `n` bytes, at an
/// even offset relative to the checksummed data). `udp` keeps a zero checksum zero.
fn fix_csum(d: &mut [u8], csum_off: usize, old: u128, new: u128, n: usize, udp: bool) {
    if old == new {
        return;
    }
    let Some(c) = rd(d, csum_off, 2) else { return };
    let c = c as u16;
    if udp && c == 0 {
        return;
    }
    let nc = match n {
        2 => update_u16(c, old as u16, new as u16),
        4 => update_u32(c, old as u32, new as u32),
        _ => update_bytes(c, &bytes_of(old, n), &bytes_of(new, n)),
    };
    let nc = if udp { udp_update(c, nc) } else { nc };
    wr(d, csum_off, 2, u128::from(nc));
}

/// Where the layer-4 checksum of a valid, non-later-fragment packet lives.
fn l4_csum(l: &Layers, d: &[u8]) -> Option<(usize, bool)> {
    let l4 = usize::from(l.l4?);
    l.l7?;
    if l.frag.is_later() {
        return None;
    }
    let (off, udp) = match l.ip_proto? {
        IpProtocol::Tcp => (16, false),
        IpProtocol::Udp => (6, true),
        IpProtocol::Icmpv6 => (2, false),
        _ => return None,
    };
    (l4 + off + 2 <= d.len()).then_some((l4 + off, udp))
}

fn apply_set(packet: &mut PacketBuf, md: &mut PacketMetadata, a: &KeyAttr) {
    let g = |i: usize| a.get(i);
    let m32 = |old: u32, m: Masked| merge(u128::from(old), m) as u32;
    match a.kind {
        AttrKind::SkbPriority => md.skb_priority = m32(md.skb_priority, g(0)),
        AttrKind::SkbMark => md.pkt_mark = m32(md.pkt_mark, g(0)),
        AttrKind::CtState => md.ct_state = m32(md.ct_state, g(0)),
        AttrKind::CtZone => md.ct_zone = merge(u128::from(md.ct_zone), g(0)) as u16,
        AttrKind::CtMark => md.ct_mark = m32(md.ct_mark, g(0)),
        AttrKind::CtLabel => md.ct_label = merge(md.ct_label, g(0)),
        AttrKind::RecircId => md.recirc_id = m32(md.recirc_id, g(0)),
        AttrKind::DpHash => md.dp_hash = m32(md.dp_hash, g(0)),
        AttrKind::InPort => md.in_port = m32(md.in_port, g(0)),
        AttrKind::Tunnel => md.tunnel = Some(Box::new(*a)),
        AttrKind::PacketType | AttrKind::EthType | AttrKind::Vlan | AttrKind::TcpFlags => {}
        _ => apply_header_set(packet, a),
    }
}

fn apply_header_set(packet: &mut PacketBuf, a: &KeyAttr) {
    let l = Layers::parse(packet.data());
    let d = packet.data_mut();
    let g = |i: usize| a.get(i);
    match a.kind {
        AttrKind::Eth if d.len() >= 14 => {
            set_bytes(d, 6, 6, g(0));
            set_bytes(d, 0, 6, g(1));
        }
        AttrKind::Ipv4 => {
            // Like OVS, the fixed header only has to be there: a header whose lengths are
            // inconsistent is still rewritten (layer-4 fields are then left alone).
            if l.ethertype != EtherType::Ipv4 {
                return;
            }
            let Some(l3) = l.l3.map(usize::from) else {
                return;
            };
            if d.len() < l3 + 20 {
                return;
            }
            let csum = l4_csum(&l, d);
            for (field, off) in [(0, 12), (1, 16)] {
                if g(field).mask == 0 {
                    continue;
                }
                if let Some((old, new)) = set_bytes(d, l3 + off, 4, g(field)) {
                    fix_csum(d, l3 + 10, old, new, 4, false);
                    if let Some((c, udp)) = csum {
                        fix_csum(d, c, old, new, 4, udp);
                    }
                }
            }
            // ToS (byte 1, low byte of word 0) and TTL (byte 8, high byte of word 4).
            if g(3).mask != 0 {
                if let Some(w) = rd(d, l3, 2) {
                    let new_tos = merge(w & 0xff, g(3));
                    let nw = (w & 0xff00) | new_tos;
                    wr(d, l3, 2, nw);
                    fix_csum(d, l3 + 10, w, nw, 2, false);
                }
            }
            if g(4).mask != 0 {
                if let Some(w) = rd(d, l3 + 8, 2) {
                    let ttl = merge(w >> 8, g(4));
                    let nw = (ttl << 8) | (w & 0xff);
                    wr(d, l3 + 8, 2, nw);
                    fix_csum(d, l3 + 10, w, nw, 2, false);
                }
            }
        }
        AttrKind::Ipv6 => {
            if l.ethertype != EtherType::Ipv6 {
                return;
            }
            let Some(l3) = l.l3.map(usize::from) else {
                return;
            };
            if d.len() < l3 + 40 {
                return;
            }
            let csum = l4_csum(&l, d);
            for (field, off) in [(0, 8), (1, 24)] {
                if g(field).mask == 0 {
                    continue;
                }
                if let Some((old, new)) = set_bytes(d, l3 + off, 16, g(field)) {
                    if let Some((c, udp)) = csum {
                        fix_csum(d, c, old, new, 16, udp);
                    }
                }
            }
            // Version(4) | traffic class(8) | flow label(20) in the first word.
            if let Some(w) = rd(d, l3, 4) {
                let tc = merge((w >> 20) & 0xff, g(4));
                let label = merge(w & 0xfffff, g(2));
                wr(d, l3, 4, (w & 0xf000_0000) | (tc << 20) | label);
            }
            if g(5).mask != 0 {
                set_bytes(d, l3 + 7, 1, g(5));
            }
        }
        AttrKind::Tcp | AttrKind::Udp | AttrKind::Sctp => {
            let want = match a.kind {
                AttrKind::Tcp => IpProtocol::Tcp,
                AttrKind::Udp => IpProtocol::Udp,
                _ => IpProtocol::Sctp,
            };
            if l.ip_proto != Some(want) || l.frag.is_later() || l.l7.is_none() {
                return;
            }
            let Some(l4) = l.l4.map(usize::from) else {
                return;
            };
            let csum = l4_csum(&l, d);
            // SCTP's CRC32c cannot be updated incrementally. As OVS does, the stored value is
            // adjusted by the difference between the correct CRCs before and after, so a
            // packet that arrived with a wrong checksum still has a wrong one.
            let end = l3_end(&l, d.len());
            let sctp_before = (want == IpProtocol::Sctp)
                .then(|| d.get(l4..end))
                .flatten()
                .map(|seg| {
                    let p = packet::sctp::Packet::new_unchecked(seg);
                    (p.checksum(), p.compute_checksum())
                });
            for (field, off) in [(0, 0), (1, 2)] {
                if g(field).mask == 0 {
                    continue;
                }
                if let Some((old, new)) = set_bytes(d, l4 + off, 2, g(field)) {
                    if let Some((c, udp)) = csum {
                        fix_csum(d, c, old, new, 2, udp);
                    }
                }
            }
            if let Some((stored, old_crc)) = sctp_before {
                if let Some(seg) = d.get_mut(l4..end) {
                    let mut p = packet::sctp::Packet::new_unchecked(seg);
                    let new_crc = p.compute_checksum();
                    p.set_checksum(stored ^ old_crc ^ new_crc);
                }
            }
        }
        AttrKind::Icmp | AttrKind::Icmpv6 => {
            let want = if a.kind == AttrKind::Icmp {
                IpProtocol::Icmp
            } else {
                IpProtocol::Icmpv6
            };
            if l.ip_proto != Some(want) || l.frag.is_later() || l.l7.is_none() {
                return;
            }
            let Some(l4) = l.l4.map(usize::from) else {
                return;
            };
            if let Some(w) = rd(d, l4, 2) {
                let t = merge(w >> 8, g(0));
                let c = merge(w & 0xff, g(1));
                let nw = (t << 8) | c;
                wr(d, l4, 2, nw);
                fix_csum(d, l4 + 2, w, nw, 2, false);
            }
        }
        AttrKind::Arp => {
            if !matches!(l.ethertype, EtherType::Arp | EtherType::Rarp) {
                return;
            }
            let Some(l3) = l.l3.map(usize::from) else {
                return;
            };
            // Only the Ethernet/IPv4 layout: htype 1, ptype 0x0800, hlen 6, plen 4.
            if rd(d, l3, 6) != Some(0x0001_0800_0604) || d.len() < l3 + 28 {
                return;
            }
            set_bytes(d, l3 + 14, 4, g(0));
            set_bytes(d, l3 + 24, 4, g(1));
            set_bytes(d, l3 + 6, 2, g(2));
            set_bytes(d, l3 + 8, 6, g(3));
            set_bytes(d, l3 + 18, 6, g(4));
        }
        AttrKind::Nd => {
            if l.ip_proto != Some(IpProtocol::Icmpv6) || l.l7.is_none() || l.frag.is_later() {
                return;
            }
            let Some(l4) = l.l4.map(usize::from) else {
                return;
            };
            let ty = rd(d, l4, 1);
            if !matches!(ty, Some(135) | Some(136)) {
                return;
            }
            let end = l3_end(&l, d.len());
            if g(0).mask != 0 && l4 + 24 <= end {
                if let Some((old, new)) = set_bytes(d, l4 + 8, 16, g(0)) {
                    fix_csum(d, l4 + 2, old, new, 16, false);
                }
            }
            for (field, opt) in [(1, 1u128), (2, 2u128)] {
                if g(field).mask == 0 {
                    continue;
                }
                let mut off = l4 + 24;
                while off + 8 <= end {
                    let Some(len) = rd(d, off + 1, 1).map(|v| v as usize * 8) else {
                        break;
                    };
                    if len == 0 {
                        break;
                    }
                    if rd(d, off, 1) == Some(opt) && len == 8 {
                        // The address sits at an even offset from the ICMPv6 header.
                        if let Some((old, new)) = set_bytes(d, off + 2, 6, g(field)) {
                            fix_csum(d, l4 + 2, old, new, 6, false);
                        }
                        break;
                    }
                    off += len;
                }
            }
        }
        AttrKind::Mpls => {
            if let Some(o) = l.l2_5.map(usize::from) {
                set_bytes(d, o, 4, g(0));
            }
        }
        _ => {}
    }
}

/// End of the IP datagram (excluding layer-2 padding).
fn l3_end(l: &Layers, len: usize) -> usize {
    len.saturating_sub(usize::from(l.l2_pad))
}
