//! Open vSwitch's `ofp-print` text format (what `ovs-ofctl ofp-print HEX`
//! prints).
//!
//! [`ofp_to_string`] reproduces OVS's outer logic: messages shorter than a
//! header, truncated, or followed by extra bytes get a notice plus a hex
//! dump; a message that cannot be identified (or whose length is wrong)
//! prints `***decode error: NAME***` and a hex dump; otherwise a header line
//! `NAME (OF1.x) (xid=0x..):` is followed by the body's own text, which is
//! produced by `body` from the decoded [`OfpMsg`].  Body printers that
//! find something OVS would reject (e.g. a bundled message whose xid
//! differs) return the OpenFlow error, which is printed after the header
//! line, again with a hex dump.
//!
//! Messages whose bodies are still opaque print a hex dump of the body;
//! their OVS-format printers arrive with their codecs.  The flow-carrying
//! messages are printed by [`flow`], with their actions decoded by the
//! `ofp-actions` crate and packet data dissected with the `flow` crate's `extract`.

mod body;
mod extras;
pub mod flow;
mod names;

pub use names::{format_duration, port_to_string};

use crate::header::{Header, HEADER_LEN};
use crate::message::OfpMsg;
use crate::raw::{identify, RawCode, RawId};
use crate::{OfpErr, Version};

/// Formats `buf` like `ovs-ofctl ofp-print` (verbosity 2).  Every line
/// ends in `\n`.
pub fn ofp_to_string(buf: &[u8]) -> String {
    ofp_to_string_verbosity(buf, 2)
}

/// Formats `buf` like `ovs-ofctl ofp-print HEX VERBOSITY`: as
/// [`ofp_to_string`], except that packet data in packet_in/packet_out is
/// not dissected at verbosity 0 (or less) and is also hex-dumped from
/// verbosity 3, and that from verbosity 5 a decoded message is followed by
/// a hex dump of the whole message.
pub fn ofp_to_string_verbosity(buf: &[u8], verbosity: i32) -> String {
    let mut s = String::new();
    if buf.is_empty() {
        s.push_str("OpenFlow message is empty\n");
        return s;
    }
    let Ok(h) = Header::parse(buf) else {
        s.push_str(&format!(
            "OpenFlow packet too short (only {} bytes):\n",
            buf.len()
        ));
        s.push_str(&hex_dump(buf, 0));
        return s;
    };
    let len = usize::from(h.length);
    if len > buf.len() {
        if let Ok((v, id)) = identify(buf) {
            s.push_str(&header_line(id, v, h.xid, stats_flags(buf, id)));
            s.push('\n');
        }
        s.push_str(&format!(
            "(***truncated to {} bytes from {}***)\n",
            buf.len(),
            h.length
        ));
        s.push_str(&hex_dump(buf, 0));
        return s;
    }
    if len < buf.len() {
        s.push_str(&format!(
            "(***only uses {} bytes out of {}***)\n",
            h.length,
            buf.len()
        ));
        s.push_str(&hex_dump(buf, 0));
        return s;
    }
    if len < HEADER_LEN {
        s.push_str("***decode error: OFPBRC_BAD_LEN***\n");
        s.push_str(&hex_dump(buf, 0));
        return s;
    }
    match OfpMsg::decode(buf) {
        Err(e) => {
            // Identification and length errors are found before OVS prints
            // the header line; body errors after.
            if let (Ok((v, id)), crate::DecodeError::Body { .. }) = (identify(buf), &e) {
                s.push_str(&header_line(id, v, h.xid, stats_flags(buf, id)));
                s.push(' ');
            }
            s.push_str(&format!("***decode error: {}***\n", e.ofperr().name()));
            s.push_str(&hex_dump(buf, 0));
        }
        Ok(m) if matches!(m.body, crate::Message::Experimenter { .. }) => {
            // OVS has no decoder for vendors it does not know.
            s.push_str("***decode error: OFPBRC_BAD_VENDOR***\n");
            s.push_str(&hex_dump(buf, 0));
        }
        Ok(m) => {
            let id = m.raw.or_else(|| m.raw_id().ok());
            if let Some(id) = id {
                s.push_str(&header_line(id, m.version, m.xid, m.stats_flags));
            }
            let mut b = String::new();
            match body::print(&m, buf, verbosity, &mut b) {
                Ok(()) => {
                    s.push_str(&b);
                    s.push('\n');
                    if verbosity >= 5 {
                        while s.ends_with("\n\n") {
                            s.pop();
                        }
                        s.push_str(&hex_dump(buf, 0));
                    }
                }
                Err(err) => {
                    s.push(' ');
                    s.push_str(&format!("***decode error: {}***\n", err.name()));
                    s.push_str(&hex_dump(buf, 0));
                }
            }
        }
    }
    // Collapse a trailing "\n\n" that a body ending in a newline produced.
    while s.ends_with("\n\n") {
        s.pop();
    }
    s
}

fn stats_flags(buf: &[u8], id: RawId) -> u16 {
    match id.entry().code {
        RawCode::Stats { .. } | RawCode::VendorStats { .. } => buf
            .get(10..12)
            .map_or(0, |b| u16::from_be_bytes([b[0], b[1]])),
        _ => 0,
    }
}

/// `NAME (OF1.x) (xid=0x..):` plus multipart flags.
pub fn header_line(id: RawId, v: Version, xid: u32, flags: u16) -> String {
    let mut s = id.display_name();
    if v != Version::Of10 {
        s.push_str(&format!(" ({v})"));
    }
    s.push_str(&format!(" (xid=0x{xid:x}):"));
    if matches!(
        id.entry().code,
        RawCode::Stats { .. } | RawCode::VendorStats { .. }
    ) && flags != 0
    {
        s.push_str(" flags=");
        if flags & 1 != 0 {
            s.push_str("[more]");
        }
        let rest = flags & !1;
        if rest != 0 {
            s.push_str(&format!("***unknown flags 0x{rest:04x}***"));
        }
    }
    s
}

/// OVS's hex dump: 16 bytes per line, offset, hex with a `-` in the
/// middle, and printable ASCII between bars.
pub fn hex_dump(buf: &[u8], start_offset: usize) -> String {
    let mut s = String::new();
    for (n, chunk) in buf.chunks(16).enumerate() {
        s.push_str(&format!("{:08x}  ", start_offset + n * 16));
        for i in 0..16 {
            match chunk.get(i) {
                Some(b) => s.push_str(&format!("{b:02x}{}", if i == 7 { '-' } else { ' ' })),
                None => s.push_str("   "),
            }
        }
        s.push('|');
        for i in 0..16 {
            match chunk.get(i) {
                Some(&c) if (32..127).contains(&c) => s.push(char::from(c)),
                Some(_) => s.push('.'),
                None => s.push(' '),
            }
        }
        s.push_str("|\n");
    }
    s
}

/// OVS's hex dump without the ASCII column (used for packet data at high
/// verbosity): 16 bytes per line, a `-` after the eighth, no trailing
/// space.
pub fn hex_dump_plain(buf: &[u8]) -> String {
    let mut s = String::new();
    for (n, chunk) in buf.chunks(16).enumerate() {
        s.push_str(&format!("{:08x}  ", n * 16));
        for (i, b) in chunk.iter().enumerate() {
            s.push_str(&format!("{b:02x}{}", if i == 7 { '-' } else { ' ' }));
        }
        if s.ends_with(' ') {
            s.pop();
        }
        s.push('\n');
    }
    s
}

/// The OpenFlow error that printing `m` would report, if any (exposed for
/// tests of the bundle and role checks).
pub fn body_error(m: &OfpMsg, buf: &[u8]) -> Option<OfpErr> {
    body::print(m, buf, 2, &mut String::new()).err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_dump_format() {
        assert_eq!(
            hex_dump(&[1, 2, 3, 4], 0),
            "00000000  01 02 03 04                                     |....            |\n"
        );
        let full: Vec<u8> = (0x41..0x51).collect();
        assert_eq!(
            hex_dump(&full, 0),
            "00000000  41 42 43 44 45 46 47 48-49 4a 4b 4c 4d 4e 4f 50 |ABCDEFGHIJKLMNOP|\n"
        );
    }

    #[test]
    fn framing_notices() {
        assert_eq!(ofp_to_string(&[]), "OpenFlow message is empty\n");
        assert!(ofp_to_string(&[1, 2]).starts_with("OpenFlow packet too short (only 2 bytes):\n"));
        assert!(ofp_to_string(&[1, 0, 0, 8, 0, 0, 0, 1, 0])
            .starts_with("(***only uses 8 bytes out of 9***)\n"));
    }
}
