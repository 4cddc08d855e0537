//! Fields and bit ranges of fields ("subfields") as actions name them, and their NXM/OXM
//! headers.
//!
//! `move`, `load`, `output:reg`, `multipath`, `bundle_load`, `learn` and friends address a
//! contiguous run of bits of a field: `NXM_NX_REG0[0..15]`, `reg0[5]`, `eth_src[]` or just
//! `reg0`. The field may be named by its `ovs-fields(7)` name or by its NXM/OXM name; the
//! canonical printed form uses the NXM/OXM name (`NXM_NX_REG0`, `OXM_OF_METADATA`), as OVS
//! does. On the wire a field is identified by a 32-bit NXM/OXM header (class, field number,
//! has-mask bit, payload length), followed by a 32-bit experimenter ID for class 0xffff.

use crate::error::{ActionError, DecodeError};
use flow::field::{MatchCode, NXM_NX, NXM_OF, OXM_EXPERIMENTER, OXM_OF_BASIC, OXM_PACKET_REGS};
use flow::FieldId;
use octets::{Reader, Writer};
use std::fmt;

/// A run of `n_bits` bits of `field` starting at bit `ofs` (bit 0 is the least significant).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Subfield {
    /// The field.
    pub field: FieldId,
    /// First bit.
    pub ofs: u16,
    /// Number of bits (at least 1).
    pub n_bits: u16,
}

impl Subfield {
    /// The whole field.
    pub fn whole(field: FieldId) -> Self {
        Subfield {
            field,
            ofs: 0,
            n_bits: field_bits(field),
        }
    }

    /// True if this covers the whole field.
    pub fn is_whole(&self) -> bool {
        self.ofs == 0 && self.n_bits == field_bits(self.field)
    }

    /// The mask of the covered bits within the field.
    pub fn mask(&self) -> u128 {
        bit_mask(self.n_bits) << self.ofs
    }
}

/// `n` low bits set.
pub(crate) fn bit_mask(n: u16) -> u128 {
    if n >= 128 {
        u128::MAX
    } else {
        (1u128 << n) - 1
    }
}

/// Width in bits of a field as actions see it (OVS's `n_bits`).
pub fn field_bits(field: FieldId) -> u16 {
    use FieldId as F;
    match field {
        F::MplsLabel | F::Ipv6Label => 20,
        F::MplsTc | F::VlanPcp | F::DlVlanPcp => 3,
        F::MplsBos | F::TunFlags => 1,
        F::IpDscp => 6,
        F::NwEcn | F::NwFrag => 2,
        F::VlanVid => 13,
        F::DlVlan => 12,
        F::TcpFlags => 12,
        _ => field.info().bits,
    }
}

/// Payload width in bytes of a field's NXM/OXM TLV.
pub fn field_bytes(field: FieldId) -> usize {
    usize::from(field.info().bits).div_ceil(8)
}

/// The canonical upper-case name (`NXM_OF_ETH_SRC`, `OXM_OF_METADATA`, ...), if the field has
/// an NXM or OXM code.
pub fn nxm_name(field: FieldId) -> Option<&'static str> {
    let info = field.info();
    if let Some(c) = info.nxm {
        return code_name(c);
    }
    info.oxm.and_then(code_name)
}

fn code_name(c: MatchCode) -> Option<&'static str> {
    const OF: [&str; 18] = [
        "NXM_OF_IN_PORT",
        "NXM_OF_ETH_DST",
        "NXM_OF_ETH_SRC",
        "NXM_OF_ETH_TYPE",
        "NXM_OF_VLAN_TCI",
        "NXM_OF_IP_TOS",
        "NXM_OF_IP_PROTO",
        "NXM_OF_IP_SRC",
        "NXM_OF_IP_DST",
        "NXM_OF_TCP_SRC",
        "NXM_OF_TCP_DST",
        "NXM_OF_UDP_SRC",
        "NXM_OF_UDP_DST",
        "NXM_OF_ICMP_TYPE",
        "NXM_OF_ICMP_CODE",
        "NXM_OF_ARP_OP",
        "NXM_OF_ARP_SPA",
        "NXM_OF_ARP_TPA",
    ];
    const REGS: [&str; 16] = [
        "NXM_NX_REG0",
        "NXM_NX_REG1",
        "NXM_NX_REG2",
        "NXM_NX_REG3",
        "NXM_NX_REG4",
        "NXM_NX_REG5",
        "NXM_NX_REG6",
        "NXM_NX_REG7",
        "NXM_NX_REG8",
        "NXM_NX_REG9",
        "NXM_NX_REG10",
        "NXM_NX_REG11",
        "NXM_NX_REG12",
        "NXM_NX_REG13",
        "NXM_NX_REG14",
        "NXM_NX_REG15",
    ];
    const XREGS: [&str; 8] = [
        "OXM_OF_PKT_REG0",
        "OXM_OF_PKT_REG1",
        "OXM_OF_PKT_REG2",
        "OXM_OF_PKT_REG3",
        "OXM_OF_PKT_REG4",
        "OXM_OF_PKT_REG5",
        "OXM_OF_PKT_REG6",
        "OXM_OF_PKT_REG7",
    ];
    let f = usize::from(c.field);
    match c.class {
        NXM_OF => OF.get(f).copied(),
        NXM_NX => {
            if f < 16 {
                return REGS.get(f).copied();
            }
            Some(match c.field {
                16 => "NXM_NX_TUN_ID",
                17 => "NXM_NX_ARP_SHA",
                18 => "NXM_NX_ARP_THA",
                19 => "NXM_NX_IPV6_SRC",
                20 => "NXM_NX_IPV6_DST",
                21 => "NXM_NX_ICMPV6_TYPE",
                22 => "NXM_NX_ICMPV6_CODE",
                23 => "NXM_NX_ND_TARGET",
                24 => "NXM_NX_ND_SLL",
                25 => "NXM_NX_ND_TLL",
                26 => "NXM_NX_IP_FRAG",
                27 => "NXM_NX_IPV6_LABEL",
                28 => "NXM_NX_IP_ECN",
                29 => "NXM_NX_IP_TTL",
                30 => "NXM_NX_MPLS_TTL",
                31 => "NXM_NX_TUN_IPV4_SRC",
                32 => "NXM_NX_TUN_IPV4_DST",
                33 => "NXM_NX_PKT_MARK",
                34 => "NXM_NX_TCP_FLAGS",
                35 => "NXM_NX_DP_HASH",
                36 => "NXM_NX_RECIRC_ID",
                37 => "NXM_NX_CONJ_ID",
                104 => "NXM_NX_TUN_FLAGS",
                105 => "NXM_NX_CT_STATE",
                106 => "NXM_NX_CT_ZONE",
                107 => "NXM_NX_CT_MARK",
                108 => "NXM_NX_CT_LABEL",
                109 => "NXM_NX_TUN_IPV6_SRC",
                110 => "NXM_NX_TUN_IPV6_DST",
                111 => "NXM_NX_XXREG0",
                112 => "NXM_NX_XXREG1",
                113 => "NXM_NX_XXREG2",
                114 => "NXM_NX_XXREG3",
                119 => "NXM_NX_CT_NW_PROTO",
                120 => "NXM_NX_CT_NW_SRC",
                121 => "NXM_NX_CT_NW_DST",
                122 => "NXM_NX_CT_IPV6_SRC",
                123 => "NXM_NX_CT_IPV6_DST",
                124 => "NXM_NX_CT_TP_SRC",
                125 => "NXM_NX_CT_TP_DST",
                _ => return None,
            })
        }
        OXM_OF_BASIC => Some(match c.field {
            0 => "OXM_OF_IN_PORT",
            2 => "OXM_OF_METADATA",
            6 => "OXM_OF_VLAN_VID",
            7 => "OXM_OF_VLAN_PCP",
            8 => "OXM_OF_IP_DSCP",
            9 => "OXM_OF_IP_ECN",
            17 => "OXM_OF_SCTP_SRC",
            18 => "OXM_OF_SCTP_DST",
            34 => "OXM_OF_MPLS_LABEL",
            35 => "OXM_OF_MPLS_TC",
            36 => "OXM_OF_MPLS_BOS",
            38 => "OXM_OF_TUNNEL_ID",
            _ => return None,
        }),
        OXM_PACKET_REGS => XREGS.get(f).copied(),
        OXM_EXPERIMENTER => Some(match c.field {
            42 => "ONFOXM_ET_TCP_FLAGS",
            43 => "ONFOXM_ET_ACTSET_OUTPUT",
            _ => return None,
        }),
        _ => None,
    }
}

/// Looks a field up by `ovs-fields(7)` name or NXM/OXM name. `tp_src`/`tp_dst` mean the TCP
/// ports here, as in OVS where they are aliases.
pub fn field_from_any_name(name: &str) -> Option<FieldId> {
    if let Some(f) = FieldId::from_name(name) {
        return Some(match f {
            FieldId::TpSrc => FieldId::TcpSrc,
            FieldId::TpDst => FieldId::TcpDst,
            other => other,
        });
    }
    FieldId::ALL.iter().copied().find(|f| {
        f.info().nxm.and_then(code_name) == Some(name)
            || f.info().oxm.and_then(code_name) == Some(name)
    })
}

/// Parses `NAME[]`, `NAME[a..b]`, `NAME[a]` or `NAME` from the start of `s`, returning the
/// subfield and the unparsed rest.
pub fn parse_subfield_prefix(s: &str) -> Result<(Subfield, &str), ActionError> {
    let name_len = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    let name = &s[..name_len];
    let field = field_from_any_name(name)
        .ok_or_else(|| ActionError::syntax(format!("{s}: unknown field `{name}'")))?;
    let width = field_bits(field);
    let rest = &s[name_len..];
    let Some(inner) = rest.strip_prefix('[') else {
        return Ok((Subfield::whole(field), rest));
    };
    let close = inner
        .find(']')
        .ok_or_else(|| ActionError::syntax(format!("{s}: syntax error")))?;
    let body = &inner[..close];
    let after = &inner[close + 1..];
    if body.is_empty() {
        return Ok((Subfield::whole(field), after));
    }
    let num = |t: &str| -> Result<u32, ActionError> {
        t.parse::<u32>()
            .map_err(|_| ActionError::syntax(format!("{s}: syntax error")))
    };
    let (start, end) = match body.split_once("..") {
        Some((a, b)) => (num(a)?, num(b)?),
        None => {
            let a = num(body)?;
            (a, a)
        }
    };
    if start > end {
        return Err(ActionError::syntax(format!(
            "{s}: starting bit {start} is after ending bit {end}"
        )));
    }
    if start >= u32::from(width) {
        return Err(ActionError::syntax(format!(
            "{s}: starting bit {start} is not valid because field is only {width} bits wide"
        )));
    }
    if end >= u32::from(width) {
        return Err(ActionError::syntax(format!(
            "{s}: ending bit {end} is not valid because field is only {width} bits wide"
        )));
    }
    Ok((
        Subfield {
            field,
            ofs: start as u16,
            n_bits: (end - start + 1) as u16,
        },
        after,
    ))
}

/// Parses a whole string as a subfield.
pub fn parse_subfield(s: &str) -> Result<Subfield, ActionError> {
    let (sf, rest) = parse_subfield_prefix(s)?;
    if !rest.is_empty() {
        return Err(ActionError::syntax(format!(
            "{s}: trailing garbage following subfield"
        )));
    }
    Ok(sf)
}

impl fmt::Display for Subfield {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = nxm_name(self.field).unwrap_or(self.field.name());
        f.write_str(name)?;
        if self.is_whole() {
            f.write_str("[]")
        } else if self.n_bits == 1 {
            write!(f, "[{}]", self.ofs)
        } else {
            write!(f, "[{}..{}]", self.ofs, self.ofs + self.n_bits - 1)
        }
    }
}

/// The code used on the wire for `field` (NXM preferred when `prefer_nxm`, else OXM first).
pub(crate) fn wire_code(field: FieldId, prefer_oxm: bool) -> Option<MatchCode> {
    let i = field.info();
    let f = match field {
        FieldId::TpSrc => FieldId::TcpSrc.info(),
        FieldId::TpDst => FieldId::TcpDst.info(),
        _ => i,
    };
    if prefer_oxm {
        f.oxm.or(f.nxm)
    } else {
        f.nxm.or(f.oxm)
    }
}

/// Writes an NXM/OXM header for `field` (4 bytes, or 8 with an experimenter ID).
pub(crate) fn put_header(
    w: &mut Writer,
    field: FieldId,
    masked: bool,
    prefer_oxm: bool,
) -> Result<(), crate::error::EncodeError> {
    let code = wire_code(field, prefer_oxm).ok_or_else(|| {
        crate::error::EncodeError::Other(format!("{} has no NXM or OXM code", field.name()))
    })?;
    let mut len = field_bytes(field) as u32;
    if code.class == OXM_OF_BASIC && code.field == 0 {
        len = 4;
    }
    if masked {
        len *= 2;
    }
    let mut hdr = (u32::from(code.class) << 16) | (u32::from(code.field) << 9) | len;
    if masked {
        hdr |= 0x100;
    }
    if let Some(exp) = code.experimenter {
        w.u32(hdr + 4);
        w.u32(exp);
    } else {
        w.u32(hdr);
    }
    Ok(())
}

/// A decoded NXM/OXM header.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Header {
    pub field: FieldId,
    pub masked: bool,
    /// Payload length in bytes (both value and mask when masked).
    pub len: usize,
}

/// Reads an NXM/OXM header and resolves its field.
pub(crate) fn get_header(r: &mut Reader<'_>) -> Result<Header, DecodeError> {
    let hdr = r.u32()?;
    let class = (hdr >> 16) as u16;
    let field = ((hdr >> 9) & 0x7f) as u8;
    let masked = hdr & 0x100 != 0;
    let mut len = (hdr & 0xff) as usize;
    let experimenter = if class == OXM_EXPERIMENTER {
        len = len.saturating_sub(4);
        Some(r.u32()?)
    } else {
        None
    };
    let code = MatchCode {
        class,
        field,
        experimenter,
    };
    let fid = FieldId::from_code(code).ok_or(DecodeError::new("OFPBAC_BAD_SET_TYPE"))?;
    Ok(Header {
        field: fid,
        masked,
        len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_subfields() {
        let sf = parse_subfield("reg0[0..3]").unwrap();
        assert_eq!((sf.field, sf.ofs, sf.n_bits), (FieldId::Reg0, 0, 4));
        assert_eq!(sf.to_string(), "NXM_NX_REG0[0..3]");
        assert_eq!(
            parse_subfield("NXM_NX_REG1[5]").unwrap().to_string(),
            "NXM_NX_REG1[5]"
        );
        assert_eq!(
            parse_subfield("eth_src").unwrap().to_string(),
            "NXM_OF_ETH_SRC[]"
        );
        assert_eq!(
            parse_subfield("metadata[]").unwrap().to_string(),
            "OXM_OF_METADATA[]"
        );
        assert_eq!(parse_subfield("tp_src[]").unwrap().field, FieldId::TcpSrc);
        assert_eq!(
            parse_subfield("NXM_NX_REG0[32]").unwrap_err().to_string(),
            "NXM_NX_REG0[32]: starting bit 32 is not valid because field is only 32 bits wide"
        );
        assert_eq!(
            parse_subfield("NXM_NX_REG0[0..32]")
                .unwrap_err()
                .to_string(),
            "NXM_NX_REG0[0..32]: ending bit 32 is not valid because field is only 32 bits wide"
        );
        assert!(parse_subfield("reg0[x]").is_err());
        assert!(parse_subfield("reg0[1").is_err());
        assert!(parse_subfield("").is_err());
    }

    #[test]
    fn headers_round_trip() {
        for f in [
            FieldId::Reg3,
            FieldId::EthDst,
            FieldId::Metadata,
            FieldId::ActsetOutput,
        ] {
            let mut w = Writer::new();
            put_header(&mut w, f, false, true).unwrap();
            let h = get_header(&mut Reader::new(w.as_slice())).unwrap();
            assert_eq!(h.field, f);
            assert!(!h.masked);
        }
        let mut w = Writer::new();
        assert!(put_header(&mut w, FieldId::DlVlan, false, false).is_err());
    }
}
