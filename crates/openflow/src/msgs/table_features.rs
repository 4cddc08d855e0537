//! `OFPMP_TABLE_FEATURES` records (OF1.3+).
//!
//! Each record is a fixed 64-byte part (table id, name, metadata masks,
//! capabilities, maximum entries; OF1.5 adds a command and feature bits in
//! what was padding) followed by 8-byte-aligned properties that list
//! supported instructions, next tables, actions, match fields, etc.  The
//! properties are decoded losslessly as [`RawProp`]s with helpers to
//! interpret the common ones; a full model waits for the flow crate's
//! field registry.

use super::{raw_props, BodyError, Ctx, RawProp};
use crate::OfpErr;
use octets::{Reader, Writer};

/// Table-feature property types (`OFPTFPT_*`).
pub mod tfpt {
    /// Instructions.
    pub const INSTRUCTIONS: u16 = 0;
    /// Instructions for table-miss.
    pub const INSTRUCTIONS_MISS: u16 = 1;
    /// Next tables.
    pub const NEXT_TABLES: u16 = 2;
    /// Next tables for table-miss.
    pub const NEXT_TABLES_MISS: u16 = 3;
    /// Write actions.
    pub const WRITE_ACTIONS: u16 = 4;
    /// Write actions for table-miss.
    pub const WRITE_ACTIONS_MISS: u16 = 5;
    /// Apply actions.
    pub const APPLY_ACTIONS: u16 = 6;
    /// Apply actions for table-miss.
    pub const APPLY_ACTIONS_MISS: u16 = 7;
    /// Match fields.
    pub const MATCH: u16 = 8;
    /// Wildcard fields.
    pub const WILDCARDS: u16 = 10;
    /// Write-setfield fields.
    pub const WRITE_SETFIELD: u16 = 12;
    /// Write-setfield fields for table-miss.
    pub const WRITE_SETFIELD_MISS: u16 = 13;
    /// Apply-setfield fields.
    pub const APPLY_SETFIELD: u16 = 14;
    /// Apply-setfield fields for table-miss.
    pub const APPLY_SETFIELD_MISS: u16 = 15;
}

/// One table's features.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TableFeatures {
    /// Table id.
    pub table_id: u8,
    /// OF1.5 command (`OFPTFC_*`); 0 before 1.5.
    pub command: u8,
    /// OF1.5 feature bits; 0 before 1.5.
    pub features: u32,
    /// Table name.
    pub name: String,
    /// Bits of metadata the table can match.
    pub metadata_match: u64,
    /// Bits of metadata the table can write.
    pub metadata_write: u64,
    /// Capabilities / config bits.
    pub capabilities: u32,
    /// Maximum entries.
    pub max_entries: u32,
    /// Properties, verbatim.
    pub props: Vec<RawProp>,
}

impl TableFeatures {
    /// The table ids in a `NEXT_TABLES*` property.
    pub fn next_tables(&self, miss: bool) -> Option<&[u8]> {
        let ty = if miss {
            tfpt::NEXT_TABLES_MISS
        } else {
            tfpt::NEXT_TABLES
        };
        self.props
            .iter()
            .find(|p| p.ty == ty)
            .map(|p| p.value.as_slice())
    }
}

/// Decodes table features records.
pub fn decode(r: &mut Reader<'_>) -> Result<Vec<TableFeatures>, BodyError> {
    const W: &str = "table features";
    let mut out = Vec::new();
    while !r.is_empty() {
        let len = r.u16().ctx(W)?;
        if len < 64 || len % 8 != 0 {
            return Err(BodyError::invalid(
                OfpErr::OFPBPC_BAD_LEN,
                format!("table features length {len} is invalid"),
            ));
        }
        let mut tr = r.sub(usize::from(len) - 2).ctx(W)?;
        let table_id = tr.u8().ctx(W)?;
        let command = tr.u8().ctx(W)?;
        let features = tr.u32().ctx(W)?;
        out.push(TableFeatures {
            table_id,
            command,
            features,
            name: tr.fixed_str(32).ctx(W)?,
            metadata_match: tr.u64().ctx(W)?,
            metadata_write: tr.u64().ctx(W)?,
            capabilities: tr.u32().ctx(W)?,
            max_entries: tr.u32().ctx(W)?,
            props: raw_props(&mut tr, W)?,
        });
    }
    Ok(out)
}

/// Encodes table features records.
pub fn encode(ts: &[TableFeatures], w: &mut Writer) {
    for t in ts {
        let start = w.len();
        let at = w.placeholder_u16();
        w.u8(t.table_id)
            .u8(t.command)
            .u32(t.features)
            .fixed_str(&t.name, 32)
            .u64(t.metadata_match)
            .u64(t.metadata_write)
            .u32(t.capabilities)
            .u32(t.max_entries);
        for p in &t.props {
            p.encode(w);
        }
        w.patch_u16(at, u16::try_from(w.len() - start).unwrap_or(u16::MAX));
    }
}
