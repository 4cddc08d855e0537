//! `OFPT_ERROR` bodies.
//!
//! An error message carries an error identity (see [`crate::error`]) and
//! data: for `OFPET_HELLO_FAILED` an ASCII explanation, otherwise (at least
//! the first 64 bytes of) the message that caused the error.

use super::{BodyError, Ctx};
use crate::error::{ErrorWire, NXET_VENDOR, OFPET12_EXPERIMENTER};
use crate::header::Version;
use crate::OfpErr;
use octets::{Reader, Writer};

/// The error identity of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// An error OVS knows, in its canonical encoding for the version.
    Known(OfpErr),
    /// Anything else (unknown numbers, or a non-canonical encoding).
    Wire(ErrorWire),
}

impl ErrorCode {
    /// The named error, if any, for wire version `version`.
    pub fn ofperr(&self, version: Version) -> Option<OfpErr> {
        match *self {
            ErrorCode::Known(e) => Some(e),
            ErrorCode::Wire(w) => OfpErr::decode(version.wire(), w),
        }
    }
}

/// An `OFPT_ERROR` body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ErrorMsg {
    /// Which error.
    pub code: ErrorCode,
    /// Text (hello failures) or a prefix of the offending message.
    pub data: Vec<u8>,
}

impl ErrorMsg {
    /// An error about `offending` (at most its first 64 bytes are kept,
    /// as OpenFlow requires at least that much and OVS sends that much).
    pub fn about(err: OfpErr, offending: &[u8]) -> ErrorMsg {
        let n = offending.len().min(64);
        ErrorMsg {
            code: ErrorCode::Known(err),
            data: offending.get(..n).unwrap_or(&[]).to_vec(),
        }
    }

    /// A hello-failed error with explanatory text.
    pub fn hello_failed(err: OfpErr, text: &str) -> ErrorMsg {
        ErrorMsg {
            code: ErrorCode::Known(err),
            data: text.as_bytes().to_vec(),
        }
    }
}

/// Decodes an error body.
pub fn decode(v: Version, r: &mut Reader<'_>) -> Result<ErrorMsg, BodyError> {
    let ty = r.u16().ctx("error message")?;
    let code = r.u16().ctx("error message")?;
    let wire = if ty == NXET_VENDOR && v <= Version::Of11 {
        ErrorWire::Vendor {
            vendor: r.u32().ctx("vendor error")?,
            ty: r.u16().ctx("vendor error")?,
            code: r.u16().ctx("vendor error")?,
        }
    } else if ty == OFPET12_EXPERIMENTER && v >= Version::Of12 {
        ErrorWire::Experimenter {
            experimenter: r.u32().ctx("experimenter error")?,
            exp_type: code,
        }
    } else {
        ErrorWire::Standard { ty, code }
    };
    let known = OfpErr::decode(v.wire(), wire).filter(|e| e.encode(v.wire()) == Some(wire));
    Ok(ErrorMsg {
        code: known.map_or(ErrorCode::Wire(wire), ErrorCode::Known),
        data: r.take_rest().to_vec(),
    })
}

/// Encodes an error body; fails if the error has no encoding in `v`.
pub fn encode(v: Version, e: &ErrorMsg, w: &mut Writer) -> Result<(), OfpErr> {
    let wire = match e.code {
        ErrorCode::Known(err) => err.encode(v.wire()).ok_or(err)?,
        ErrorCode::Wire(w) => w,
    };
    match wire {
        ErrorWire::Standard { ty, code } => {
            w.u16(ty).u16(code);
        }
        ErrorWire::Vendor { vendor, ty, code } => {
            w.u16(NXET_VENDOR).u16(0).u32(vendor).u16(ty).u16(code);
        }
        ErrorWire::Experimenter {
            experimenter,
            exp_type,
        } => {
            w.u16(OFPET12_EXPERIMENTER).u16(exp_type).u32(experimenter);
        }
    }
    w.bytes(&e.data);
    Ok(())
}
