//! A tiny reader and writer for the classic libpcap file format (what tcpdump and Wireshark
//! read): a 24-byte global header (magic `0xa1b2c3d4`, version 2.4, snap length, link type 1 =
//! Ethernet) followed by records of a 16-byte header (seconds, microseconds, captured length,
//! original length) and the frame bytes. Written in host byte order, as libpcap does; the
//! reader accepts either byte order.

use std::io::{self, Read, Write};
use std::time::{SystemTime, UNIX_EPOCH};

const MAGIC: u32 = 0xa1b2_c3d4;
const LINKTYPE_ETHERNET: u32 = 1;
/// Snap length written in the global header; longer frames are truncated in the file.
pub const SNAPLEN: u32 = 262_144;

/// Writes frames to a pcap stream.
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    out: W,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the global header.
    pub fn new(mut out: W) -> io::Result<PcapWriter<W>> {
        let mut h = Vec::with_capacity(24);
        h.extend_from_slice(&MAGIC.to_ne_bytes());
        h.extend_from_slice(&2u16.to_ne_bytes());
        h.extend_from_slice(&4u16.to_ne_bytes());
        h.extend_from_slice(&0i32.to_ne_bytes());
        h.extend_from_slice(&0u32.to_ne_bytes());
        h.extend_from_slice(&SNAPLEN.to_ne_bytes());
        h.extend_from_slice(&LINKTYPE_ETHERNET.to_ne_bytes());
        out.write_all(&h)?;
        Ok(PcapWriter { out })
    }

    /// Appends one frame captured at `when`.
    pub fn write_packet(&mut self, when: SystemTime, frame: &[u8]) -> io::Result<()> {
        let d = when.duration_since(UNIX_EPOCH).unwrap_or_default();
        let caplen = frame.len().min(SNAPLEN as usize);
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&(d.as_secs() as u32).to_ne_bytes());
        h[4..8].copy_from_slice(&d.subsec_micros().to_ne_bytes());
        h[8..12].copy_from_slice(&(caplen as u32).to_ne_bytes());
        h[12..16].copy_from_slice(&(frame.len() as u32).to_ne_bytes());
        self.out.write_all(&h)?;
        self.out.write_all(&frame[..caplen])?;
        self.out.flush()
    }

    /// The underlying writer.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// Reads every frame from a pcap stream.
pub fn read_all<R: Read>(mut input: R) -> io::Result<Vec<Vec<u8>>> {
    let bad = |m: &str| io::Error::new(io::ErrorKind::InvalidData, format!("pcap: {m}"));
    let mut all = Vec::new();
    input.read_to_end(&mut all)?;
    let magic = all
        .get(0..4)
        .ok_or_else(|| bad("truncated global header"))?;
    let swap = match magic {
        m if m == MAGIC.to_ne_bytes() => false,
        m if m == MAGIC.swap_bytes().to_ne_bytes() => true,
        _ => return Err(bad("bad magic")),
    };
    if all.len() < 24 {
        return Err(bad("truncated global header"));
    }
    let u32_at = |i: usize| -> io::Result<u32> {
        let b: [u8; 4] = all
            .get(i..i + 4)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| bad("truncated record header"))?;
        let v = u32::from_ne_bytes(b);
        Ok(if swap { v.swap_bytes() } else { v })
    };
    let mut frames = Vec::new();
    let mut off = 24usize;
    while off < all.len() {
        let caplen = u32_at(off + 8)? as usize;
        let data = all
            .get(off + 16..off + 16 + caplen)
            .ok_or_else(|| bad("truncated record"))?;
        frames.push(data.to_vec());
        off += 16 + caplen;
    }
    Ok(frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut w = PcapWriter::new(Vec::new()).unwrap();
        w.write_packet(SystemTime::now(), &[1, 2, 3]).unwrap();
        w.write_packet(UNIX_EPOCH, &[]).unwrap();
        let bytes = w.into_inner();
        assert_eq!(bytes.len(), 24 + 16 + 3 + 16);
        let frames = read_all(&bytes[..]).unwrap();
        assert_eq!(frames, vec![vec![1, 2, 3], vec![]]);
        assert!(read_all(&bytes[..30]).is_err());
        assert!(read_all(&[0u8; 24][..]).is_err());
    }
}
