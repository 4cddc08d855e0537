//! Meter commands: `add-meter`, `mod-meter`, `del-meter(s)`, `dump-meter(s)`, `meter-stats`,
//! `meter-features` (OpenFlow 1.3 and later only, so `-O` must allow one of those).
//!
//! The meter syntax is OVS's: comma- or space-separated `meter=ID` (a number, `all`,
//! `controller` or `slowpath`), the flags `kbps`, `pktps`, `burst`, `stats`, and `bands=` (in fact
//! anything after the first `=` following the word `band`) followed by the rest of the text, a list of bands each starting with `type=drop` or
//! `type=dscp_remark` and giving `rate=`, optionally `burst_size=` and `prec_level=`. The
//! checks and their messages follow OVS (a missing `meter`, missing bands, neither `kbps` nor
//! `pktps`, a band without `rate`, `burst` without `burst_size`, ...).

use crate::flows::open_for_flow_mod;
use crate::online::arg;
use crate::session::Session;
use crate::Fatal;
use flow::KeyValues;
use openflow::flow_text::parse_c_u64;
use openflow::msgs::meter::{BandKind, MeterBand, MeterMod};
use openflow::protocol::ProtocolSet;
use openflow::Message;

/// `OFPM13_ALL`.
const ALL: u32 = 0xffff_ffff;

/// What a command accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fields {
    /// Only `meter=` (deletions, dumps, statistics).
    Meter,
    /// Everything (additions, modifications).
    Full,
}

fn num(s: &str) -> Result<u64, Fatal> {
    parse_c_u64(s).ok_or_else(|| Fatal(format!("invalid numeric format {s}")))
}

fn num32(s: &str) -> Result<u32, Fatal> {
    u32::try_from(num(s)?).map_err(|_| Fatal(format!("invalid numeric format {s}")))
}

/// Parses a meter_mod (or a meter selection for `Fields::Meter`).
fn parse_meter(text: &str, fields: Fields) -> Result<MeterMod, Fatal> {
    let mut mm = MeterMod {
        command: 0,
        flags: 0,
        meter_id: if fields == Fields::Meter { ALL } else { 0 },
        bands: Vec::new(),
    };
    // As in OVS, the bands start after the first `=` that follows the word `band`.
    let (text, bands_text) = match (fields, text.find("band")) {
        (Fields::Full, Some(i)) => {
            let rest = text.get(i + 1..).unwrap_or_default();
            (
                text.get(..i).unwrap_or_default(),
                Some(
                    rest.find('=')
                        .map_or("", |e| rest.get(e + 1..).unwrap_or_default()),
                ),
            )
        }
        _ => (text, None),
    };
    for (name, value) in KeyValues::new(text) {
        if fields == Fields::Full {
            let flag = match name {
                "kbps" => Some(1),
                "pktps" => Some(2),
                "burst" => Some(4),
                "stats" => Some(8),
                _ => None,
            };
            if let Some(f) = flag {
                mm.flags |= f;
                continue;
            }
        }
        if value.is_empty() {
            return Err(Fatal(format!("field {name} missing value")));
        }
        match name {
            "meter" => {
                mm.meter_id = match value {
                    "all" => ALL,
                    "controller" => 0xffff_fffe,
                    "slowpath" => 0xffff_fffd,
                    _ => {
                        let v = num(value)?;
                        match u32::try_from(v) {
                            Ok(id) if id != 0 => id,
                            _ => return Err(Fatal("invalid value for meter".into())),
                        }
                    }
                };
            }
            _ => return Err(Fatal(format!("unknown keyword {name}"))),
        }
    }
    if fields == Fields::Meter {
        return Ok(mm);
    }
    if mm.meter_id == 0 {
        return Err(Fatal("must specify 'meter'".into()));
    }
    let Some(bands_text) = bands_text else {
        return Err(Fatal("must specify bands".into()));
    };
    if mm.flags & 3 == 0 {
        return Err(Fatal("meter must specify either 'kbps' or 'pktps'".into()));
    }
    mm.bands = parse_bands(bands_text, mm.flags & 4 != 0)?;
    Ok(mm)
}

/// Parses the text after `bands=`.
fn parse_bands(text: &str, burst: bool) -> Result<Vec<MeterBand>, Fatal> {
    // (kind, rate, burst_size)
    let mut bands: Vec<(BandKind, Option<u32>, Option<u32>)> = Vec::new();
    for (name, value) in KeyValues::new(text) {
        if value.is_empty() {
            return Err(Fatal(format!("field {name} missing value")));
        }
        if name == "type" {
            let kind = match value {
                "drop" => BandKind::Drop,
                "dscp_remark" => BandKind::DscpRemark { prec_level: 0 },
                _ => return Err(Fatal(format!("field type unknown value {value}"))),
            };
            bands.push((kind, None, None));
            continue;
        }
        let Some(band) = bands.last_mut() else {
            return Err(Fatal("band must start with the 'type' keyword".into()));
        };
        match name {
            "rate" => band.1 = Some(num32(value)?),
            "burst_size" => band.2 = Some(num32(value)?),
            "prec_level" => {
                let p = u8::try_from(num(value)?)
                    .map_err(|_| Fatal(format!("invalid numeric format {value}")))?;
                if let BandKind::DscpRemark { prec_level } = &mut band.0 {
                    *prec_level = p;
                }
            }
            _ => return Err(Fatal(format!("unknown keyword {name}"))),
        }
    }
    if bands.is_empty() {
        return Err(Fatal("meter must have bands".into()));
    }
    let mut out = Vec::new();
    for (kind, rate, burst_size) in bands {
        let Some(rate) = rate else {
            return Err(Fatal("band must have 'rate'".into()));
        };
        if burst && burst_size.is_none() {
            return Err(Fatal(
                "band must have 'burst_size' when 'burst' flag is set".into(),
            ));
        }
        out.push(MeterBand {
            rate,
            burst_size: burst_size.unwrap_or(0),
            kind,
        });
    }
    Ok(out)
}

/// Sends a meter_mod with `command`.
fn meter_mod(s: &mut Session, a: &[String], command: u16, fields: Fields) -> Result<(), Fatal> {
    let target = arg(a, 0);
    let mut mm = parse_meter(arg(a, 1), fields)?;
    mm.command = command;
    let (mut vc, _) = open_for_flow_mod(s, target, ProtocolSet::OF13_UP)?;
    let m = s.msg(vc.version, Message::MeterMod(mm));
    s.transact_noreply_all(&mut vc, &[m])
}

/// `add-meter SWITCH METER`.
pub fn add_meter(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    meter_mod(s, a, 0, Fields::Full)
}

/// `mod-meter SWITCH METER`.
pub fn mod_meter(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    meter_mod(s, a, 1, Fields::Full)
}

/// `del-meters SWITCH [METER]`.
pub fn del_meters(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    meter_mod(s, a, 2, Fields::Meter)
}

/// A meter request (`dump-meters`, `meter-stats`, `meter-features`).
fn meter_request(s: &mut Session, a: &[String], kind: u8) -> Result<(), Fatal> {
    let target = arg(a, 0);
    let mm = parse_meter(arg(a, 1), Fields::Meter)?;
    let (mut vc, _) = open_for_flow_mod(s, target, ProtocolSet::OF13_UP)?;
    let body = match kind {
        0 => Message::MeterConfigRequest {
            meter_id: mm.meter_id,
        },
        1 => Message::MeterStatsRequest {
            meter_id: mm.meter_id,
        },
        _ => Message::MeterFeaturesRequest,
    };
    let m = s.msg(vc.version, body);
    s.dump_transaction(&mut vc, &m)
}

/// `dump-meters SWITCH [METER]`.
pub fn dump_meters(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    meter_request(s, a, 0)
}

/// `meter-stats SWITCH [METER]`.
pub fn meter_stats(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    meter_request(s, a, 1)
}

/// `meter-features SWITCH`.
pub fn meter_features(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    meter_request(s, a, 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(t: &str) -> String {
        parse_meter(t, Fields::Full).map(|_| ()).unwrap_err().0
    }

    #[test]
    fn meter_syntax() {
        let m = parse_meter(
            "meter=2,pktps,burst,bands=type=drop,rate=100,burst_size=10",
            Fields::Full,
        )
        .unwrap();
        assert_eq!((m.meter_id, m.flags, m.bands.len()), (2, 6, 1));
        assert_eq!(err("meter=4"), "must specify bands");
        assert_eq!(err("kbps,bands=type=drop,rate=1"), "must specify 'meter'");
        assert_eq!(
            err("meter=5,bands=type=drop,rate=1"),
            "meter must specify either 'kbps' or 'pktps'"
        );
        assert_eq!(
            err("meter=5,kbps,bands=rate=1"),
            "band must start with the 'type' keyword"
        );
        assert_eq!(err("meter=5,kbps,bands=type=drop"), "band must have 'rate'");
        assert_eq!(
            err("meter=0,kbps,bands=type=drop,rate=1"),
            "invalid value for meter"
        );
        assert_eq!(parse_meter("", Fields::Meter).unwrap().meter_id, ALL);
    }
}
