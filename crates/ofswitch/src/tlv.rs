//! The tunnel-metadata TLV map (`NXT_TLV_TABLE_MOD` / `NXT_TLV_TABLE_REQUEST`): which
//! Geneve option (class, type, length) each `tun_metadata<N>` field stands for.
//!
//! The map is kept and reported as Open vSwitch does: at most 64 fields and 256 bytes of
//! option space; an add is all-or-nothing and fails with `NXTTMFC_BAD_FIELD_IDX`,
//! `NXTTMFC_BAD_OPT_LEN`, `NXTTMFC_ALREADY_MAPPED`, `NXTTMFC_DUP_ENTRY` or
//! `NXTTMFC_TABLE_FULL`; deleting an unmapped field does nothing.
//! (Matching on `tun_metadata` fields is not modelled by the `flow` crate yet; the map is
//! there for controllers that configure it and for the datapath to read.)

use openflow::octets::{Reader, Writer};
use openflow::OfpErr;

/// Most fields.
pub const MAX_FIELDS: u16 = 64;
/// Most option bytes over all fields.
pub const MAX_OPTION_SPACE: u32 = 256;

/// One mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TlvMapping {
    /// Geneve option class.
    pub class: u16,
    /// Option type.
    pub ty: u8,
    /// Option length in bytes (a multiple of 4, at most 124).
    pub len: u8,
    /// `tun_metadata<index>`.
    pub index: u16,
}

fn parse_mappings(r: &mut Reader<'_>) -> Result<Vec<TlvMapping>, OfpErr> {
    let mut out = Vec::new();
    while !r.is_empty() {
        let m = (|| {
            let class = r.u16()?;
            let ty = r.u8()?;
            let len = r.u8()?;
            let index = r.u16()?;
            r.skip(2)?;
            Ok::<_, openflow::octets::Truncated>(TlvMapping {
                class,
                ty,
                len,
                index,
            })
        })()
        .map_err(|_| OfpErr::OFPBRC_BAD_LEN)?;
        out.push(m);
    }
    Ok(out)
}

/// Applies an `NXT_TLV_TABLE_MOD` body to `map`.
pub(crate) fn table_mod(map: &mut Vec<TlvMapping>, body: &[u8]) -> Result<(), OfpErr> {
    let mut r = Reader::new(body);
    let command = r.u16().map_err(|_| OfpErr::OFPBRC_BAD_LEN)?;
    r.skip(6).map_err(|_| OfpErr::OFPBRC_BAD_LEN)?;
    let mappings = parse_mappings(&mut r)?;
    match command {
        // NXTTMC_ADD
        0 => {
            let mut new = map.clone();
            for m in mappings {
                if m.index >= MAX_FIELDS {
                    return Err(OfpErr::NXTTMFC_BAD_FIELD_IDX);
                }
                if m.len % 4 != 0 || m.len > 124 {
                    return Err(OfpErr::NXTTMFC_BAD_OPT_LEN);
                }
                if let Some(old) = new.iter().find(|o| o.index == m.index) {
                    if *old == m {
                        continue;
                    }
                    return Err(OfpErr::NXTTMFC_ALREADY_MAPPED);
                }
                if new.iter().any(|o| o.class == m.class && o.ty == m.ty) {
                    return Err(OfpErr::NXTTMFC_DUP_ENTRY);
                }
                let used: u32 = new.iter().map(|o| u32::from(o.len)).sum();
                if used + u32::from(m.len) > MAX_OPTION_SPACE {
                    return Err(OfpErr::NXTTMFC_TABLE_FULL);
                }
                new.push(m);
            }
            new.sort_by_key(|m| m.index);
            *map = new;
            Ok(())
        }
        // NXTTMC_DELETE (deleting an unmapped field is fine, as in OVS)
        1 => {
            for m in mappings {
                map.retain(|o| o.index != m.index);
            }
            Ok(())
        }
        // NXTTMC_CLEAR
        2 => {
            map.clear();
            Ok(())
        }
        _ => Err(OfpErr::NXTTMFC_BAD_COMMAND),
    }
}

/// The `NXT_TLV_TABLE_REPLY` body for `map`.
pub(crate) fn reply_body(map: &[TlvMapping]) -> Vec<u8> {
    let mut w = Writer::new();
    w.u32(MAX_OPTION_SPACE).u16(MAX_FIELDS).zeros(10);
    for m in map {
        w.u16(m.class).u8(m.ty).u8(m.len).u16(m.index).zeros(2);
    }
    w.into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(command: u16, maps: &[(u16, u8, u8, u16)]) -> Vec<u8> {
        let mut w = Writer::new();
        w.u16(command).zeros(6);
        for &(c, t, l, i) in maps {
            w.u16(c).u8(t).u8(l).u16(i).zeros(2);
        }
        w.into_vec()
    }

    #[test]
    fn add_delete_clear() {
        let mut map = Vec::new();
        table_mod(&mut map, &body(0, &[(0xffff, 0, 4, 0)])).unwrap();
        assert_eq!(map.len(), 1);
        assert_eq!(
            table_mod(&mut map, &body(0, &[(0xffff, 1, 4, 0)])),
            Err(OfpErr::NXTTMFC_ALREADY_MAPPED)
        );
        assert_eq!(
            table_mod(&mut map, &body(0, &[(0xffff, 0, 4, 1)])),
            Err(OfpErr::NXTTMFC_DUP_ENTRY)
        );
        assert_eq!(
            table_mod(&mut map, &body(0, &[(1, 0, 5, 1)])),
            Err(OfpErr::NXTTMFC_BAD_OPT_LEN)
        );
        assert_eq!(
            table_mod(&mut map, &body(0, &[(1, 0, 4, 64)])),
            Err(OfpErr::NXTTMFC_BAD_FIELD_IDX)
        );
        table_mod(&mut map, &body(1, &[(1, 0, 4, 9)])).unwrap();
        assert_eq!(map.len(), 1);
        table_mod(&mut map, &body(2, &[])).unwrap();
        assert!(map.is_empty());
        assert_eq!(reply_body(&map).len(), 16);
    }
}
