//! Bundles: `OFPT_BUNDLE_CONTROL` and `OFPT_BUNDLE_ADD_MESSAGE` (OF1.4+,
//! and the ONF extension equivalents in OF1.3).
//!
//! A bundle-add wraps a complete OpenFlow message.  It is kept here as raw
//! bytes (its own header says how long it is); callers decode it with
//! [`crate::OfpMsg::decode`] when they need to.  Properties may follow the
//! inner message, after padding to an 8-byte boundary.

use super::{raw_props, BodyError, Ctx, RawProp};
use crate::header::Header;
use crate::OfpErr;
use octets::{padding, Reader, Writer};

/// Bundle control types (`OFPBCT_*`).
pub mod ctrl_type {
    /// Open request.
    pub const OPEN_REQUEST: u16 = 0;
    /// Open reply.
    pub const OPEN_REPLY: u16 = 1;
    /// Close request.
    pub const CLOSE_REQUEST: u16 = 2;
    /// Close reply.
    pub const CLOSE_REPLY: u16 = 3;
    /// Commit request.
    pub const COMMIT_REQUEST: u16 = 4;
    /// Commit reply.
    pub const COMMIT_REPLY: u16 = 5;
    /// Discard request.
    pub const DISCARD_REQUEST: u16 = 6;
    /// Discard reply.
    pub const DISCARD_REPLY: u16 = 7;
}

/// Bundle flags (`OFPBF_*`).
pub mod flags {
    /// Atomic.
    pub const ATOMIC: u16 = 1;
    /// Ordered.
    pub const ORDERED: u16 = 2;
    /// Scheduled (OF1.5).
    pub const TIME: u16 = 4;
}

/// A bundle control body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct BundleCtrl {
    /// Bundle id.
    pub bundle_id: u32,
    /// `ctrl_type::*`.
    pub ctrl_type: u16,
    /// `flags::*`.
    pub flags: u16,
    /// Properties, verbatim.
    pub props: Vec<RawProp>,
}

/// Decodes a bundle control body.
pub fn decode_ctrl(r: &mut Reader<'_>) -> Result<BundleCtrl, BodyError> {
    const W: &str = "bundle control";
    Ok(BundleCtrl {
        bundle_id: r.u32().ctx(W)?,
        ctrl_type: r.u16().ctx(W)?,
        flags: r.u16().ctx(W)?,
        props: raw_props(r, W)?,
    })
}

/// Encodes a bundle control body.
pub fn encode_ctrl(c: &BundleCtrl, w: &mut Writer) {
    w.u32(c.bundle_id).u16(c.ctrl_type).u16(c.flags);
    for p in &c.props {
        p.encode(w);
    }
}

/// A bundle add body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct BundleAdd {
    /// Bundle id.
    pub bundle_id: u32,
    /// `flags::*`.
    pub flags: u16,
    /// The wrapped message, complete with its header.
    pub message: Vec<u8>,
    /// Properties after the message, verbatim.
    pub props: Vec<RawProp>,
}

/// Decodes a bundle add body.
pub fn decode_add(r: &mut Reader<'_>) -> Result<BundleAdd, BodyError> {
    const W: &str = "bundle add";
    let bundle_id = r.u32().ctx(W)?;
    r.skip(2).ctx(W)?;
    let flags = r.u16().ctx(W)?;
    let h = Header::parse(r.rest()).ctx(W)?;
    if h.length < 8 {
        return Err(BodyError::invalid(
            OfpErr::OFPBFC_MSG_BAD_LEN,
            format!("bundled message length {} < 8", h.length),
        ));
    }
    let message = r.bytes(usize::from(h.length)).ctx(W)?.to_vec();
    let mut props = Vec::new();
    if !r.is_empty() {
        r.skip(padding(message.len(), 8).min(r.remaining()))
            .ctx(W)?;
        props = raw_props(r, W)?;
    }
    Ok(BundleAdd {
        bundle_id,
        flags,
        message,
        props,
    })
}

/// Encodes a bundle add body.
pub fn encode_add(a: &BundleAdd, w: &mut Writer) {
    w.u32(a.bundle_id).zeros(2).u16(a.flags).bytes(&a.message);
    if !a.props.is_empty() {
        w.zeros(padding(a.message.len(), 8));
        for p in &a.props {
            p.encode(w);
        }
    }
}
