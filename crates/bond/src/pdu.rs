//! LACPDU wire format (IEEE 802.1AX, version 1), as Open vSwitch sends and accepts it.
//!
//! A LACPDU is a slow-protocols frame: destination `01:80:c2:00:00:02`, EtherType `0x8809`,
//! subtype 1 (LACP), version 1, followed by three fixed-length TLVs and padding:
//!
//! ```text
//! subtype(1)=1 version(1)=1
//! actor TLV:     type 1, len 20: sys_priority(2) sys_id(6) key(2) port_priority(2) port(2) state(1) reserved(3)
//! partner TLV:   type 2, len 20: (same layout)
//! collector TLV: type 3, len 16: max_delay(2) reserved(12)
//! terminator:    type 0, len 0, then 50 reserved bytes
//! ```
//!
//! That is 110 bytes of payload (124 with the Ethernet header), all integers big-endian.
//! [`LacpPdu::encode`] writes the payload, [`LacpPdu::to_frame`] a whole Ethernet frame;
//! [`parse_slow_protocol`] classifies a received slow-protocols payload (LACP, marker or
//! something else) and [`LacpPdu::decode`] parses a LACP payload. Decoding is lenient the way
//! Open vSwitch is: it checks the subtype, the TLV types and lengths and that the payload is
//! long enough, but not the version, the reserved bytes or the terminator.

use thiserror::Error;

/// Destination MAC of slow-protocols frames (LACP, marker).
pub const SLOW_PROTOCOLS_MAC: [u8; 6] = [0x01, 0x80, 0xc2, 0x00, 0x00, 0x02];
/// EtherType of slow-protocols frames.
pub const ETH_TYPE_SLOW: u16 = 0x8809;
/// Slow-protocols subtype of LACP.
pub const SUBTYPE_LACP: u8 = 1;
/// Slow-protocols subtype of the marker protocol.
pub const SUBTYPE_MARKER: u8 = 2;
/// Length of an encoded LACPDU payload (after the Ethernet header).
pub const LACP_PDU_LEN: usize = 110;

/// Actor/partner state bit: LACP activity (active mode).
pub const STATE_ACTIVITY: u8 = 0x01;
/// Actor/partner state bit: short (fast, 1 s) timeout requested.
pub const STATE_TIMEOUT: u8 = 0x02;
/// Actor/partner state bit: the link is aggregatable.
pub const STATE_AGGREGATION: u8 = 0x04;
/// Actor/partner state bit: the link is in sync (attached to the right aggregator).
pub const STATE_SYNC: u8 = 0x08;
/// Actor/partner state bit: collecting.
pub const STATE_COLLECTING: u8 = 0x10;
/// Actor/partner state bit: distributing.
pub const STATE_DISTRIBUTING: u8 = 0x20;
/// Actor/partner state bit: using defaulted partner information.
pub const STATE_DEFAULTED: u8 = 0x40;
/// Actor/partner state bit: receive machine in the expired state.
pub const STATE_EXPIRED: u8 = 0x80;

/// The state bits with the words `lacp/show` prints for them, in bit order.
pub const STATE_NAMES: [(u8, &str); 8] = [
    (STATE_ACTIVITY, "activity"),
    (STATE_TIMEOUT, "timeout"),
    (STATE_AGGREGATION, "aggregation"),
    (STATE_SYNC, "synchronized"),
    (STATE_COLLECTING, "collecting"),
    (STATE_DISTRIBUTING, "distributing"),
    (STATE_DEFAULTED, "defaulted"),
    (STATE_EXPIRED, "expired"),
];

/// Why a slow-protocols payload is not a usable LACPDU.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PduError {
    /// Shorter than a LACPDU.
    #[error("LACP PDU too short ({0} bytes)")]
    TooShort(usize),
    /// Not a slow-protocols frame (wrong destination or EtherType).
    #[error("not a slow protocols frame")]
    NotSlowProtocols,
    /// A slow-protocols subtype other than LACP.
    #[error("slow protocols subtype {0} is not LACP")]
    NotLacp(u8),
    /// A TLV has the wrong type or length.
    #[error("malformed LACP PDU: bad {0} TLV")]
    BadTlv(&'static str),
}

/// What a slow-protocols payload (the bytes after the EtherType) holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlowProtocol {
    /// A LACPDU.
    Lacp(LacpPdu),
    /// A marker-protocol PDU (counted, not answered).
    Marker,
}

/// One side's information in a LACPDU (the actor or the partner TLV).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct LacpInfo {
    /// System priority (lower is better).
    pub sys_priority: u16,
    /// System ID (a MAC address).
    pub sys_id: [u8; 6],
    /// Aggregation key.
    pub key: u16,
    /// Port priority (lower is better).
    pub port_priority: u16,
    /// Port number.
    pub port_id: u16,
    /// `STATE_*` bits.
    pub state: u8,
}

impl LacpInfo {
    fn write(&self, tlv_type: u8, out: &mut Vec<u8>) {
        out.push(tlv_type);
        out.push(20);
        out.extend_from_slice(&self.sys_priority.to_be_bytes());
        out.extend_from_slice(&self.sys_id);
        out.extend_from_slice(&self.key.to_be_bytes());
        out.extend_from_slice(&self.port_priority.to_be_bytes());
        out.extend_from_slice(&self.port_id.to_be_bytes());
        out.push(self.state);
        out.extend_from_slice(&[0; 3]);
    }

    /// Parses a 20-byte actor/partner TLV of type `tlv_type`.
    fn read(tlv: &[u8], tlv_type: u8, what: &'static str) -> Result<LacpInfo, PduError> {
        let b = |i: usize| tlv.get(i).copied().ok_or(PduError::BadTlv(what));
        if b(0)? != tlv_type || b(1)? != 20 {
            return Err(PduError::BadTlv(what));
        }
        let u16_at =
            |i: usize| -> Result<u16, PduError> { Ok(u16::from_be_bytes([b(i)?, b(i + 1)?])) };
        let mut sys_id = [0u8; 6];
        for (k, slot) in sys_id.iter_mut().enumerate() {
            *slot = b(4 + k)?;
        }
        Ok(LacpInfo {
            sys_priority: u16_at(2)?,
            sys_id,
            key: u16_at(10)?,
            port_priority: u16_at(12)?,
            port_id: u16_at(14)?,
            state: b(16)?,
        })
    }
}

/// A LACPDU.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct LacpPdu {
    /// The sender's own information.
    pub actor: LacpInfo,
    /// What the sender knows about its partner (us, when received).
    pub partner: LacpInfo,
    /// Collector max delay (Open vSwitch sends 0).
    pub collector_max_delay: u16,
}

impl LacpPdu {
    /// The 110-byte slow-protocols payload (starting with the subtype).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(LACP_PDU_LEN);
        out.push(SUBTYPE_LACP);
        out.push(1);
        self.actor.write(1, &mut out);
        self.partner.write(2, &mut out);
        out.push(3);
        out.push(16);
        out.extend_from_slice(&self.collector_max_delay.to_be_bytes());
        out.extend_from_slice(&[0; 12]);
        out.push(0);
        out.push(0);
        out.resize(LACP_PDU_LEN, 0);
        out
    }

    /// A whole Ethernet frame carrying this PDU, sent from `src_mac` (the member's MAC).
    pub fn to_frame(&self, src_mac: [u8; 6]) -> Vec<u8> {
        let mut out = Vec::with_capacity(14 + LACP_PDU_LEN);
        out.extend_from_slice(&SLOW_PROTOCOLS_MAC);
        out.extend_from_slice(&src_mac);
        out.extend_from_slice(&ETH_TYPE_SLOW.to_be_bytes());
        out.extend_from_slice(&self.encode());
        out
    }

    /// Parses a LACP slow-protocols payload (starting with the subtype byte).
    pub fn decode(payload: &[u8]) -> Result<LacpPdu, PduError> {
        match payload.first() {
            None => return Err(PduError::TooShort(0)),
            Some(&SUBTYPE_LACP) => {}
            Some(&other) => return Err(PduError::NotLacp(other)),
        }
        if payload.len() < LACP_PDU_LEN {
            return Err(PduError::TooShort(payload.len()));
        }
        let tlv = |from: usize, to: usize| payload.get(from..to).unwrap_or(&[]);
        let actor = LacpInfo::read(tlv(2, 22), 1, "actor")?;
        let partner = LacpInfo::read(tlv(22, 42), 2, "partner")?;
        let collector = tlv(42, 58);
        if collector.first() != Some(&3) || collector.get(1) != Some(&16) {
            return Err(PduError::BadTlv("collector"));
        }
        let collector_max_delay = match (collector.get(2), collector.get(3)) {
            (Some(&hi), Some(&lo)) => u16::from_be_bytes([hi, lo]),
            _ => return Err(PduError::BadTlv("collector")),
        };
        Ok(LacpPdu {
            actor,
            partner,
            collector_max_delay,
        })
    }
}

/// Classifies a slow-protocols payload (the bytes after the EtherType).
pub fn parse_slow_protocol(payload: &[u8]) -> Result<SlowProtocol, PduError> {
    match payload.first() {
        Some(&SUBTYPE_MARKER) => Ok(SlowProtocol::Marker),
        _ => LacpPdu::decode(payload).map(SlowProtocol::Lacp),
    }
}

/// Splits a whole Ethernet frame into its slow-protocols payload, checking the destination
/// MAC and the EtherType (untagged frames only, as LACP is never VLAN-tagged).
pub fn slow_protocol_payload(frame: &[u8]) -> Result<&[u8], PduError> {
    if frame.len() < 14 {
        return Err(PduError::TooShort(frame.len()));
    }
    let dst = frame.get(0..6).unwrap_or(&[]);
    let ethertype = frame.get(12..14).unwrap_or(&[]);
    if dst != SLOW_PROTOCOLS_MAC || ethertype != ETH_TYPE_SLOW.to_be_bytes() {
        return Err(PduError::NotSlowProtocols);
    }
    Ok(frame.get(14..).unwrap_or(&[]))
}

/// The `lacp/show` words for `state`, space-separated, in bit order.
pub fn state_words(state: u8) -> String {
    let words: Vec<&str> = STATE_NAMES
        .iter()
        .filter(|(bit, _)| state & bit != 0)
        .map(|(_, name)| *name)
        .collect();
    words.join(" ")
}

/// Formats a MAC address as `xx:xx:xx:xx:xx:xx`.
pub fn format_mac(mac: [u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]
    )
}
