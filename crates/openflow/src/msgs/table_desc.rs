//! Table descriptions (OpenFlow 1.4+): the `OFPMP_TABLE_DESC` reply
//! records and `OFPT_TABLE_STATUS`, which carries one of them.
//!
//! A description is `length:16 table_id:8 pad:8 config:32` followed by
//! properties: eviction (type 2, a 32-bit flags word) and vacancy (type 3,
//! `vacancy_down vacancy_up vacancy pad`).  Other properties are kept
//! verbatim (OVS ignores them), in order, so decode -> encode is lossless.
//! Property lengths are checked as OVS checks them (see [`super::props`]).

use super::props;
use super::{BodyError, Ctx, RawProp};
use crate::OfpErr;
use octets::{Reader, Writer};

/// Table config bit: eviction enabled (`OFPTC14_EVICTION`).
pub const CONFIG_EVICTION: u32 = 1 << 2;
/// Table config bit: vacancy events enabled (`OFPTC14_VACANCY_EVENTS`).
pub const CONFIG_VACANCY_EVENTS: u32 = 1 << 3;

/// Table status reason: vacancy fell below `vacancy_down`.
pub const REASON_VACANCY_DOWN: u8 = 3;
/// Table status reason: vacancy rose above `vacancy_up`.
pub const REASON_VACANCY_UP: u8 = 4;

/// Property type of eviction flags.
pub const PROP_EVICTION: u16 = 2;
/// Property type of vacancy thresholds.
pub const PROP_VACANCY: u16 = 3;

/// Vacancy thresholds and current vacancy, in percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Vacancy {
    /// Threshold for `VACANCY_DOWN` events.
    pub down: u8,
    /// Threshold for `VACANCY_UP` events.
    pub up: u8,
    /// Current vacancy.
    pub vacancy: u8,
}

/// One table-description property.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TableDescProp {
    /// Eviction flags (`OFPTMPEF14_OTHER` = 1, `IMPORTANCE` = 2,
    /// `LIFETIME` = 4).
    Eviction(u32),
    /// Vacancy thresholds.
    Vacancy(Vacancy),
    /// Anything else, verbatim.
    Other(RawProp),
}

/// One table's description.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableDesc {
    /// Table id.
    pub table_id: u8,
    /// `OFPTC14_*` config bits.
    pub config: u32,
    /// Properties, in wire order.
    pub props: Vec<TableDescProp>,
}

impl TableDesc {
    /// The eviction flags, if an eviction property is present (the last
    /// one wins, as in OVS).
    pub fn eviction_flags(&self) -> Option<u32> {
        self.props.iter().rev().find_map(|p| match p {
            TableDescProp::Eviction(f) => Some(*f),
            _ => None,
        })
    }

    /// The vacancy property, if present.
    pub fn vacancy(&self) -> Option<Vacancy> {
        self.props.iter().rev().find_map(|p| match p {
            TableDescProp::Vacancy(v) => Some(*v),
            _ => None,
        })
    }
}

/// `OFPT_TABLE_STATUS`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableStatus {
    /// [`REASON_VACANCY_DOWN`] or [`REASON_VACANCY_UP`].
    pub reason: u8,
    /// The table.
    pub desc: TableDesc,
    /// Bytes after the description (OVS ignores them; kept for lossless
    /// re-encoding).
    pub trailing: Vec<u8>,
}

/// Decodes one description.
pub fn decode_desc(r: &mut Reader<'_>) -> Result<TableDesc, BodyError> {
    const W: &str = "table desc";
    let len = usize::from(r.peek_u16(0).ctx(W)?);
    if len < 8 || len > r.remaining() {
        return Err(BodyError::invalid(
            OfpErr::OFPBRC_BAD_LEN,
            format!("table desc claims invalid length {len}"),
        ));
    }
    let mut d = r.sub(len).ctx(W)?;
    d.skip(2).ctx(W)?;
    let table_id = d.u8().ctx(W)?;
    d.skip(1).ctx(W)?;
    let config = d.u32().ctx(W)?;
    let mut out = Vec::new();
    while !d.is_empty() {
        let (ty, v) = props::pull(&mut d, W)?;
        out.push(match ty {
            PROP_EVICTION => TableDescProp::Eviction(props::u32_of(v, W)?),
            PROP_VACANCY => {
                let b = props::exact(v, 4, W)?;
                TableDescProp::Vacancy(Vacancy {
                    down: b.first().copied().unwrap_or(0),
                    up: b.get(1).copied().unwrap_or(0),
                    vacancy: b.get(2).copied().unwrap_or(0),
                })
            }
            _ => TableDescProp::Other(RawProp {
                ty,
                value: v.to_vec(),
            }),
        });
    }
    Ok(TableDesc {
        table_id,
        config,
        props: out,
    })
}

/// Encodes one description.
pub fn encode_desc(d: &TableDesc, w: &mut Writer) {
    let start = w.len();
    let at = w.placeholder_u16();
    w.u8(d.table_id).zeros(1).u32(d.config);
    for p in &d.props {
        match p {
            TableDescProp::Eviction(f) => props::put(w, PROP_EVICTION, &f.to_be_bytes()),
            TableDescProp::Vacancy(v) => props::put(w, PROP_VACANCY, &[v.down, v.up, v.vacancy, 0]),
            TableDescProp::Other(raw) => raw.encode(w),
        }
    }
    let len = w.len() - start;
    w.patch_u16(at, u16::try_from(len).unwrap_or(u16::MAX));
}

/// Decodes an `OFPMP_TABLE_DESC` reply body.
pub fn decode_descs(r: &mut Reader<'_>) -> Result<Vec<TableDesc>, BodyError> {
    let mut out = Vec::new();
    while !r.is_empty() {
        out.push(decode_desc(r)?);
    }
    Ok(out)
}

/// Encodes an `OFPMP_TABLE_DESC` reply body.
pub fn encode_descs(ds: &[TableDesc], w: &mut Writer) {
    for d in ds {
        encode_desc(d, w);
    }
}

/// Decodes an `OFPT_TABLE_STATUS` body.
pub fn decode_status(r: &mut Reader<'_>) -> Result<TableStatus, BodyError> {
    const W: &str = "table status";
    let reason = r.u8().ctx(W)?;
    r.skip(7).ctx(W)?;
    if reason != REASON_VACANCY_DOWN && reason != REASON_VACANCY_UP {
        return Err(BodyError::invalid(
            OfpErr::OFPBPC_BAD_VALUE,
            format!("table status has bad reason {reason}"),
        ));
    }
    let desc = decode_desc(r)?;
    Ok(TableStatus {
        reason,
        desc,
        trailing: r.take_rest().to_vec(),
    })
}

/// Encodes an `OFPT_TABLE_STATUS` body.
pub fn encode_status(s: &TableStatus, w: &mut Writer) {
    w.u8(s.reason).zeros(7);
    encode_desc(&s.desc, w);
    w.bytes(&s.trailing);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn desc_round_trip() {
        let d = TableDesc {
            table_id: 3,
            config: CONFIG_EVICTION | CONFIG_VACANCY_EVENTS,
            props: vec![
                TableDescProp::Eviction(7),
                TableDescProp::Vacancy(Vacancy {
                    down: 5,
                    up: 10,
                    vacancy: 50,
                }),
                TableDescProp::Other(RawProp {
                    ty: 9,
                    value: vec![1, 2, 3],
                }),
            ],
        };
        let mut w = Writer::new();
        encode_desc(&d, &mut w);
        let b = w.into_vec();
        assert_eq!(b.len(), 8 + 8 + 8 + 8);
        let back = decode_descs(&mut Reader::new(&b)).unwrap();
        assert_eq!(back, vec![d.clone()]);
        assert_eq!(back[0].eviction_flags(), Some(7));
        assert_eq!(back[0].vacancy().map(|v| v.vacancy), Some(50));
    }

    #[test]
    fn bad_lengths_and_reasons() {
        // Description longer than the body.
        let b = [0, 16, 1, 0, 0, 0, 0, 0];
        let e = decode_descs(&mut Reader::new(&b)).unwrap_err();
        assert_eq!(e.ofperr(), OfpErr::OFPBRC_BAD_LEN);
        // Eviction property of the wrong size.
        let b = [
            0, 24, 1, 0, 0, 0, 0, 0, 0, 2, 0, 12, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        let e = decode_descs(&mut Reader::new(&b)).unwrap_err();
        assert_eq!(e.ofperr(), OfpErr::OFPBPC_BAD_LEN);
        // Status reason other than a vacancy event.
        let b = [1, 0, 0, 0, 0, 0, 0, 0, 0, 8, 1, 0, 0, 0, 0, 0];
        let e = decode_status(&mut Reader::new(&b)).unwrap_err();
        assert_eq!(e.ofperr(), OfpErr::OFPBPC_BAD_VALUE);
    }
}
