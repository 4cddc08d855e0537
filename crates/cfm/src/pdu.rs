//! 802.1ag Continuity Check Message (CCM) frames as Open vSwitch sends and accepts them.
//!
//! A CCM frame is an Ethernet frame to the CFM multicast address (01:80:c2:00:00:30, or
//! 01:23:20:00:00:30 in Open vSwitch's non-standard *extended* mode), optionally carrying one
//! 802.1Q tag (`cfm_ccm_vlan` / `cfm_ccm_pcp`), with EtherType 0x8902 and a 75-byte body:
//!
//! | offset | size | field |
//! |-------:|-----:|-------|
//! | 0  | 1  | MD level (top 3 bits) and version (low 5 bits); Open vSwitch sends 0 |
//! | 1  | 1  | opcode (1 = CCM) |
//! | 2  | 1  | flags: RDI (0x80) and the transmission interval code (low 3 bits) |
//! | 3  | 1  | first TLV offset (70) |
//! | 4  | 4  | sequence number |
//! | 8  | 2  | MPID (extended mode: a 16-bit hash of the 64-bit MPID) |
//! | 10 | 48 | MAID (Open vSwitch: MD name "ovs", MA name "ovs", both character strings) |
//! | 58 | 2  | extended mode: interval in ms when the interval code is 0 |
//! | 60 | 8  | extended mode: the 64-bit MPID |
//! | 68 | 1  | extended mode: operationally down (non-zero) |
//! | 69 | 5  | zero |
//! | 74 | 1  | end TLV (0) |
//!
//! The bytes 58..74 are the ITU-T Y.1731 area that 802.1ag requires to be zero; Open vSwitch
//! reuses them in extended mode, which is why extended mode also changes the destination
//! address. The interval codes are the standard ones: 1 = 3 ms, 2 = 10 ms, 3 = 100 ms,
//! 4 = 1 s, 5 = 10 s, 6 = 1 min, 7 = 10 min (0 is invalid in 802.1ag).
//!
//! [`CcmFrame::decode`] accepts what Open vSwitch accepts (at least the first 74 body bytes
//! after the Ethernet and VLAN headers -- the end TLV may be missing -- and opcode CCM; the MD
//! level is not checked); reserved flag bits and the trailing zero bytes are
//! not kept, so only frames whose reserved bits are zero (all that Open vSwitch sends)
//! re-encode byte for byte. Nothing here panics on bad input: errors are [`PduError`].

use thiserror::Error;

/// Destination address of standard-mode CCMs (802.1ag, MD level 0).
pub const CCM_DST_STANDARD: [u8; 6] = [0x01, 0x80, 0xc2, 0x00, 0x00, 0x30];
/// Destination address of Open vSwitch's extended-mode CCMs.
pub const CCM_DST_EXTENDED: [u8; 6] = [0x01, 0x23, 0x20, 0x00, 0x00, 0x30];
/// The CFM EtherType.
pub const ETH_TYPE_CFM: u16 = 0x8902;
/// The 802.1Q VLAN TPID used for tagged CCMs.
pub const ETH_TYPE_VLAN: u16 = 0x8100;
/// 802.1ad service VLAN TPID (accepted on input).
pub const ETH_TYPE_VLAN_8021AD: u16 = 0x88a8;
/// The CCM opcode.
pub const CCM_OPCODE: u8 = 1;
/// Length of the CCM body Open vSwitch sends, end TLV included.
pub const CCM_LEN: usize = 75;
/// Shortest CCM body Open vSwitch accepts (the end TLV may be missing).
pub const CCM_ACCEPT_LEN: usize = 74;
/// Length of the MAID field.
pub const MAID_LEN: usize = 48;
/// The first-TLV offset Open vSwitch sends.
pub const CCM_TLV_OFFSET: u8 = 70;
/// The RDI bit of the flags byte.
pub const CCM_RDI: u8 = 0x80;

/// A CCM body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PduError {
    /// The frame ended before the Ethernet/VLAN header or the CCM body did.
    #[error("Received an unparseable 802.1ag CCM heartbeat ({len} bytes, need {need}).")]
    Truncated {
        /// Bytes available.
        len: usize,
        /// Bytes needed.
        need: usize,
    },
    /// The EtherType (after any VLAN tags) is not CFM's.
    #[error("not an 802.1ag frame (EtherType 0x{0:04x})")]
    NotCfm(u16),
    /// A CFM message other than a CCM (loopback, link trace, ...).
    #[error("Received an unsupported 802.1ag message. (version {version}) (opcode {opcode})")]
    UnsupportedOpcode {
        /// The version field.
        version: u8,
        /// The opcode field.
        opcode: u8,
    },
}

/// The MAID Open vSwitch uses: MD name format 4 (character string) "ovs", MA name format 2
/// (character string) "ovs", zero padded.
pub fn ovs_maid() -> [u8; MAID_LEN] {
    let mut maid = [0u8; MAID_LEN];
    let head = [4u8, 3, b'o', b'v', b's', 2, 3, b'o', b'v', b's'];
    maid[..head.len()].copy_from_slice(&head);
    maid
}

/// Milliseconds of a standard interval code (`None` for 0 and codes above 7).
pub fn interval_code_to_ms(code: u8) -> Option<u32> {
    match code {
        1 => Some(3),
        2 => Some(10),
        3 => Some(100),
        4 => Some(1_000),
        5 => Some(10_000),
        6 => Some(60_000),
        7 => Some(600_000),
        _ => None,
    }
}

/// The largest standard interval code whose interval is at most `ms` (1 if none is).
pub fn ms_to_interval_code(ms: u32) -> u8 {
    (1..=7u8)
        .rev()
        .find(|&c| interval_code_to_ms(c).is_some_and(|v| v <= ms))
        .unwrap_or(1)
}

/// The 16-bit MPID field Open vSwitch sends in extended mode for a 64-bit MPID (its 64-bit
/// murmur-style hash with basis 0, truncated).
pub fn extended_mpid_hash(mpid: u64) -> u16 {
    crate::hmap::hash_uint64(mpid) as u16
}

/// A decoded CCM body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ccm {
    /// Maintenance domain level (0..=7).
    pub md_level: u8,
    /// CFM version (0..=31).
    pub version: u8,
    /// Remote Defect Indication.
    pub rdi: bool,
    /// Transmission interval code (0..=7); 0 only in extended mode.
    pub interval: u8,
    /// First TLV offset.
    pub tlv_offset: u8,
    /// Sequence number.
    pub seq: u32,
    /// 16-bit MPID field.
    pub mpid: u16,
    /// Maintenance association identifier.
    pub maid: [u8; MAID_LEN],
    /// Extended mode: interval in ms (used when `interval` is 0).
    pub interval_ms_x: u16,
    /// Extended mode: 64-bit MPID.
    pub mpid64: u64,
    /// Extended mode: operationally down.
    pub opdown: bool,
}

impl Ccm {
    /// Decodes a CCM body (the bytes after the EtherType).
    pub fn decode(body: &[u8]) -> Result<Ccm, PduError> {
        let b: &[u8; CCM_ACCEPT_LEN] = body
            .get(..CCM_ACCEPT_LEN)
            .and_then(|s| s.try_into().ok())
            .ok_or(PduError::Truncated {
            len: body.len(),
            need: CCM_ACCEPT_LEN,
        })?;
        if b[1] != CCM_OPCODE {
            return Err(PduError::UnsupportedOpcode {
                version: b[0] & 0x1f,
                opcode: b[1],
            });
        }
        let mut maid = [0u8; MAID_LEN];
        maid.copy_from_slice(&b[10..58]);
        let mut m64 = [0u8; 8];
        m64.copy_from_slice(&b[60..68]);
        Ok(Ccm {
            md_level: b[0] >> 5,
            version: b[0] & 0x1f,
            rdi: b[2] & CCM_RDI != 0,
            interval: b[2] & 0x07,
            tlv_offset: b[3],
            seq: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
            mpid: u16::from_be_bytes([b[8], b[9]]),
            maid,
            interval_ms_x: u16::from_be_bytes([b[58], b[59]]),
            mpid64: u64::from_be_bytes(m64),
            opdown: b[68] != 0,
        })
    }

    /// Encodes the body ([`CCM_LEN`] bytes, end TLV included).
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(CCM_LEN);
        v.push((self.md_level & 0x07) << 5 | (self.version & 0x1f));
        v.push(CCM_OPCODE);
        v.push(if self.rdi { CCM_RDI } else { 0 } | (self.interval & 0x07));
        v.push(self.tlv_offset);
        v.extend_from_slice(&self.seq.to_be_bytes());
        v.extend_from_slice(&self.mpid.to_be_bytes());
        v.extend_from_slice(&self.maid);
        v.extend_from_slice(&self.interval_ms_x.to_be_bytes());
        v.extend_from_slice(&self.mpid64.to_be_bytes());
        v.push(u8::from(self.opdown));
        v.extend_from_slice(&[0u8; 5]);
        v.push(0);
        v
    }
}

/// An 802.1Q tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VlanTag {
    /// TPID (0x8100 on output).
    pub tpid: u16,
    /// Tag control information (PCP << 13 | DEI << 12 | VID).
    pub tci: u16,
}

/// A whole CCM Ethernet frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CcmFrame {
    /// Destination MAC.
    pub dst: [u8; 6],
    /// Source MAC.
    pub src: [u8; 6],
    /// The outermost VLAN tag, if any (frames with two tags keep only the outer one).
    pub vlan: Option<VlanTag>,
    /// The CCM.
    pub ccm: Ccm,
}

/// The destination MAC and EtherType of an Ethernet frame, after up to two VLAN tags, and
/// the offset of the payload. Used to decide whether a frame goes to CFM.
pub fn ethernet_header(frame: &[u8]) -> Result<([u8; 6], Option<VlanTag>, u16, usize), PduError> {
    let need = |n: usize| PduError::Truncated {
        len: frame.len(),
        need: n,
    };
    let mut dst = [0u8; 6];
    dst.copy_from_slice(frame.get(0..6).ok_or_else(|| need(14))?);
    let be16 = |off: usize| -> Result<u16, PduError> {
        let s = frame.get(off..off + 2).ok_or_else(|| need(off + 2))?;
        Ok(u16::from_be_bytes([s[0], s[1]]))
    };
    let mut off = 12;
    let mut et = be16(off)?;
    let mut vlan = None;
    for _ in 0..2 {
        if et != ETH_TYPE_VLAN && et != ETH_TYPE_VLAN_8021AD {
            break;
        }
        let tci = be16(off + 2)?;
        if vlan.is_none() {
            vlan = Some(VlanTag { tpid: et, tci });
        }
        off += 4;
        et = be16(off)?;
    }
    Ok((dst, vlan, et, off + 2))
}

impl CcmFrame {
    /// Decodes a frame; errors if it is not a CFM frame or not a CCM Open vSwitch accepts.
    pub fn decode(frame: &[u8]) -> Result<CcmFrame, PduError> {
        let (dst, vlan, et, off) = ethernet_header(frame)?;
        if et != ETH_TYPE_CFM {
            return Err(PduError::NotCfm(et));
        }
        let mut src = [0u8; 6];
        if let Some(s) = frame.get(6..12) {
            src.copy_from_slice(s);
        }
        let body = frame.get(off..).unwrap_or(&[]);
        let ccm = Ccm::decode(body).map_err(|e| match e {
            PduError::Truncated { need, .. } => PduError::Truncated {
                len: frame.len(),
                need: off + need,
            },
            other => other,
        })?;
        Ok(CcmFrame {
            dst,
            src,
            vlan,
            ccm,
        })
    }

    /// Encodes the frame.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(18 + CCM_LEN);
        v.extend_from_slice(&self.dst);
        v.extend_from_slice(&self.src);
        if let Some(tag) = self.vlan {
            v.extend_from_slice(&tag.tpid.to_be_bytes());
            v.extend_from_slice(&tag.tci.to_be_bytes());
        }
        v.extend_from_slice(&ETH_TYPE_CFM.to_be_bytes());
        v.extend_from_slice(&self.ccm.encode());
        v
    }
}
