//! Port descriptions, `OFPT_PORT_STATUS` and `OFPT_PORT_MOD`.
//!
//! Three wire layouts describe a port: OF1.0's 48-byte `ofp_phy_port`
//! (16-bit port number, 12-bit feature words), OF1.1-1.3's 64-byte
//! `ofp_port` (32-bit number, 16 feature bits, current/max speed), and
//! OF1.4/1.5's variable-length `ofp_port` whose Ethernet features live in an
//! `OFPPDPT_ETHERNET` property.  [`Port`] holds the union; features use the
//! OF1.1+ bit layout ([`feat`]).  OF1.0 feature bits 7..11 (copper, fibre,
//! autoneg, pause, pause-asym) move to 11..15 and OF1.0's unused high bits
//! are parked at 16+ so that they survive a round trip.
//!
//! `config` keeps its wire bits (OF1.0 and OF1.1+ agree on the positions
//! of the bits they share) and `state` keeps the wire version's bits
//! (OF1.0's STP state field vs OF1.1+'s blocked/live flags); printing
//! interprets them per version.

use super::{raw_props, read_port, write_port, BodyError, Ctx, RawProp};
use crate::header::Version;
use octets::{Reader, Writer};

/// Port feature bits, OF1.1+ layout.
pub mod feat {
    /// 10 Mb half-duplex.
    pub const F_10MB_HD: u32 = 1 << 0;
    /// 10 Mb full-duplex.
    pub const F_10MB_FD: u32 = 1 << 1;
    /// 100 Mb half-duplex.
    pub const F_100MB_HD: u32 = 1 << 2;
    /// 100 Mb full-duplex.
    pub const F_100MB_FD: u32 = 1 << 3;
    /// 1 Gb half-duplex.
    pub const F_1GB_HD: u32 = 1 << 4;
    /// 1 Gb full-duplex.
    pub const F_1GB_FD: u32 = 1 << 5;
    /// 10 Gb full-duplex.
    pub const F_10GB_FD: u32 = 1 << 6;
    /// 40 Gb full-duplex.
    pub const F_40GB_FD: u32 = 1 << 7;
    /// 100 Gb full-duplex.
    pub const F_100GB_FD: u32 = 1 << 8;
    /// 1 Tb full-duplex.
    pub const F_1TB_FD: u32 = 1 << 9;
    /// Other rate.
    pub const F_OTHER: u32 = 1 << 10;
    /// Copper medium.
    pub const F_COPPER: u32 = 1 << 11;
    /// Fibre medium.
    pub const F_FIBER: u32 = 1 << 12;
    /// Auto-negotiation.
    pub const F_AUTONEG: u32 = 1 << 13;
    /// Pause.
    pub const F_PAUSE: u32 = 1 << 14;
    /// Asymmetric pause.
    pub const F_PAUSE_ASYM: u32 = 1 << 15;
}

/// OF1.0 feature word -> OF1.1+ layout.
pub fn features_from_of10(f: u32) -> u32 {
    (f & 0x7f) | ((f & 0xf80) << 4) | ((f & !0xfff) << 4)
}

/// OF1.1+ layout -> OF1.0 feature word (40G/100G/1T/other are dropped).
pub fn features_to_of10(f: u32) -> u32 {
    (f & 0x7f) | ((f >> 4) & 0xf80) | ((f >> 4) & !0xfff)
}

/// A port description.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Port {
    /// Port number (32-bit numbering).
    pub port_no: u32,
    /// Ethernet address.
    pub hw_addr: [u8; 6],
    /// Interface name.
    pub name: String,
    /// `OFPPC_*` bits.
    pub config: u32,
    /// `OFPPS_*` bits, in the wire version's meaning.
    pub state: u32,
    /// Current features (OF1.1+ layout).
    pub curr: u32,
    /// Advertised features.
    pub advertised: u32,
    /// Supported features.
    pub supported: u32,
    /// Peer's advertised features.
    pub peer: u32,
    /// Current speed in kbps (OF1.1+).
    pub curr_speed: u32,
    /// Maximum speed in kbps (OF1.1+).
    pub max_speed: u32,
    /// OF1.4+: whether the Ethernet property was present.
    pub has_ethernet: bool,
    /// OF1.4+: other properties (optical, experimenter), verbatim.
    pub props: Vec<RawProp>,
}

const OFPPDPT_ETHERNET: u16 = 0;

/// Decodes one port description.
pub fn decode_port(v: Version, r: &mut Reader<'_>) -> Result<Port, BodyError> {
    const W: &str = "port description";
    let mut p = Port::default();
    match v {
        Version::Of10 => {
            p.port_no = read_port(v, r).ctx(W)?;
            p.hw_addr = r.array().ctx(W)?;
            p.name = r.fixed_str(16).ctx(W)?;
            p.config = r.u32().ctx(W)?;
            p.state = r.u32().ctx(W)?;
            p.curr = features_from_of10(r.u32().ctx(W)?);
            p.advertised = features_from_of10(r.u32().ctx(W)?);
            p.supported = features_from_of10(r.u32().ctx(W)?);
            p.peer = features_from_of10(r.u32().ctx(W)?);
        }
        Version::Of11 | Version::Of12 | Version::Of13 => {
            p.port_no = r.u32().ctx(W)?;
            r.skip(4).ctx(W)?;
            p.hw_addr = r.array().ctx(W)?;
            r.skip(2).ctx(W)?;
            p.name = r.fixed_str(16).ctx(W)?;
            p.config = r.u32().ctx(W)?;
            p.state = r.u32().ctx(W)?;
            p.curr = r.u32().ctx(W)?;
            p.advertised = r.u32().ctx(W)?;
            p.supported = r.u32().ctx(W)?;
            p.peer = r.u32().ctx(W)?;
            p.curr_speed = r.u32().ctx(W)?;
            p.max_speed = r.u32().ctx(W)?;
        }
        Version::Of14 | Version::Of15 => {
            p.port_no = r.u32().ctx(W)?;
            let len = r.u16().ctx(W)?;
            if len < 40 {
                return Err(BodyError::invalid(
                    crate::OfpErr::OFPBRC_BAD_LEN,
                    format!("port description length {len} < 40"),
                ));
            }
            let mut pr = r.sub(usize::from(len) - 6).ctx(W)?;
            pr.skip(2).ctx(W)?;
            p.hw_addr = pr.array().ctx(W)?;
            pr.skip(2).ctx(W)?;
            p.name = pr.fixed_str(16).ctx(W)?;
            p.config = pr.u32().ctx(W)?;
            p.state = pr.u32().ctx(W)?;
            for prop in raw_props(&mut pr, W)? {
                if prop.ty == OFPPDPT_ETHERNET && prop.value.len() == 28 && !p.has_ethernet {
                    let mut er = Reader::new(&prop.value);
                    er.skip(4).ctx(W)?;
                    p.curr = er.u32().ctx(W)?;
                    p.advertised = er.u32().ctx(W)?;
                    p.supported = er.u32().ctx(W)?;
                    p.peer = er.u32().ctx(W)?;
                    p.curr_speed = er.u32().ctx(W)?;
                    p.max_speed = er.u32().ctx(W)?;
                    p.has_ethernet = true;
                } else {
                    p.props.push(prop);
                }
            }
        }
    }
    Ok(p)
}

/// Encodes one port description.
pub fn encode_port(v: Version, p: &Port, w: &mut Writer) {
    match v {
        Version::Of10 => {
            write_port(v, w, p.port_no);
            w.bytes(&p.hw_addr)
                .fixed_str(&p.name, 16)
                .u32(p.config)
                .u32(p.state)
                .u32(features_to_of10(p.curr))
                .u32(features_to_of10(p.advertised))
                .u32(features_to_of10(p.supported))
                .u32(features_to_of10(p.peer));
        }
        Version::Of11 | Version::Of12 | Version::Of13 => {
            w.u32(p.port_no)
                .zeros(4)
                .bytes(&p.hw_addr)
                .zeros(2)
                .fixed_str(&p.name, 16)
                .u32(p.config)
                .u32(p.state)
                .u32(p.curr)
                .u32(p.advertised)
                .u32(p.supported)
                .u32(p.peer)
                .u32(p.curr_speed)
                .u32(p.max_speed);
        }
        Version::Of14 | Version::Of15 => {
            let start = w.len();
            w.u32(p.port_no);
            let at = w.placeholder_u16();
            w.zeros(2)
                .bytes(&p.hw_addr)
                .zeros(2)
                .fixed_str(&p.name, 16)
                .u32(p.config)
                .u32(p.state);
            if p.has_ethernet {
                w.tlv(OFPPDPT_ETHERNET, 8, |w| {
                    w.zeros(4)
                        .u32(p.curr)
                        .u32(p.advertised)
                        .u32(p.supported)
                        .u32(p.peer)
                        .u32(p.curr_speed)
                        .u32(p.max_speed);
                });
            }
            for prop in &p.props {
                prop.encode(w);
            }
            let len = u16::try_from(w.len() - start).unwrap_or(u16::MAX);
            w.patch_u16(at, len);
        }
    }
}

/// Decodes ports until `r` is empty.
pub fn decode_ports(v: Version, r: &mut Reader<'_>) -> Result<Vec<Port>, BodyError> {
    let mut out = Vec::new();
    while !r.is_empty() {
        out.push(decode_port(v, r)?);
    }
    Ok(out)
}

/// Why a port changed (`OFPPR_*`).
pub mod reason {
    /// Port added.
    pub const ADD: u8 = 0;
    /// Port deleted.
    pub const DELETE: u8 = 1;
    /// Some attribute changed.
    pub const MODIFY: u8 = 2;
}

/// An `OFPT_PORT_STATUS` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PortStatus {
    /// `OFPPR_*`.
    pub reason: u8,
    /// The port.
    pub port: Port,
}

/// Decodes a port status body.
pub fn decode_status(v: Version, r: &mut Reader<'_>) -> Result<PortStatus, BodyError> {
    let reason = r.u8().ctx("port status")?;
    r.skip(7).ctx("port status")?;
    let port = decode_port(v, r)?;
    Ok(PortStatus { reason, port })
}

/// Encodes a port status body.
pub fn encode_status(v: Version, s: &PortStatus, w: &mut Writer) {
    w.u8(s.reason).zeros(7);
    encode_port(v, &s.port, w);
}

/// An `OFPT_PORT_MOD` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PortMod {
    /// Port number.
    pub port_no: u32,
    /// The port's Ethernet address (a sanity check).
    pub hw_addr: [u8; 6],
    /// New `OFPPC_*` bits.
    pub config: u32,
    /// Which `config` bits to change.
    pub mask: u32,
    /// Features to advertise (OF1.1+ layout); `None` = leave unchanged
    /// (OF1.4+ without an Ethernet property; encoded as 0 before 1.4).
    pub advertise: Option<u32>,
    /// OF1.4+: other properties, verbatim.
    pub props: Vec<RawProp>,
}

/// Decodes a port mod body.
pub fn decode_mod(v: Version, r: &mut Reader<'_>) -> Result<PortMod, BodyError> {
    const W: &str = "port mod";
    let mut m = PortMod::default();
    if v == Version::Of10 {
        m.port_no = read_port(v, r).ctx(W)?;
        m.hw_addr = r.array().ctx(W)?;
        m.config = r.u32().ctx(W)?;
        m.mask = r.u32().ctx(W)?;
        m.advertise = Some(features_from_of10(r.u32().ctx(W)?));
        r.skip(4).ctx(W)?;
        return Ok(m);
    }
    m.port_no = r.u32().ctx(W)?;
    r.skip(4).ctx(W)?;
    m.hw_addr = r.array().ctx(W)?;
    r.skip(2).ctx(W)?;
    m.config = r.u32().ctx(W)?;
    m.mask = r.u32().ctx(W)?;
    if v <= Version::Of13 {
        m.advertise = Some(r.u32().ctx(W)?);
        r.skip(4).ctx(W)?;
    } else {
        for prop in raw_props(r, W)? {
            if prop.ty == 0 && prop.value.len() == 4 && m.advertise.is_none() {
                let mut pr = Reader::new(&prop.value);
                m.advertise = Some(pr.u32().ctx(W)?);
            } else {
                m.props.push(prop);
            }
        }
    }
    Ok(m)
}

/// Encodes a port mod body.
pub fn encode_mod(v: Version, m: &PortMod, w: &mut Writer) {
    if v == Version::Of10 {
        write_port(v, w, m.port_no);
        w.bytes(&m.hw_addr)
            .u32(m.config)
            .u32(m.mask)
            .u32(features_to_of10(m.advertise.unwrap_or(0)))
            .zeros(4);
        return;
    }
    w.u32(m.port_no)
        .zeros(4)
        .bytes(&m.hw_addr)
        .zeros(2)
        .u32(m.config)
        .u32(m.mask);
    if v <= Version::Of13 {
        w.u32(m.advertise.unwrap_or(0)).zeros(4);
    } else {
        if let Some(a) = m.advertise {
            w.tlv(0, 8, |w| {
                w.u32(a);
            });
        }
        for p in &m.props {
            p.encode(w);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn of10_feature_translation() {
        // 10GB-FD, copper, autoneg, pause-asym in OF1.0 bits.
        let of10 = (1 << 6) | (1 << 7) | (1 << 9) | (1 << 11);
        let new = features_from_of10(of10);
        assert_eq!(
            new,
            feat::F_10GB_FD | feat::F_COPPER | feat::F_AUTONEG | feat::F_PAUSE_ASYM
        );
        assert_eq!(features_to_of10(new), of10);
        assert_eq!(
            features_to_of10(features_from_of10(0x0fff_ffff)),
            0x0fff_ffff
        );
    }
}
