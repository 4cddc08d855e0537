//! OpenFlow meters of a bridge kept in step with the datapath's meters.
//!
//! A bridge's OpenFlow meter table (in its [`Switch`]) is the configuration; the datapath
//! holds the token buckets ([`datapath::meter`]). After a meter_mod, [`sync`] adds, changes
//! and removes datapath meters so that every OpenFlow meter has one, and records the
//! mapping in the bridge's snapshot (`dp_meters`), from which translation turns a `meter`
//! instruction into the datapath's `meter(id)` action. Before meter statistics are read,
//! [`fold_stats`] credits what the datapath counted since the last fold. Meter ids are
//! per bridge in OpenFlow and per datapath below, so two bridges' meter 1 are two datapath
//! meters.

use datapath::meter::{BandAction, MeterBandConfig, MeterConfig};
use datapath::Datapath;
use ofproto_tables::{Meter, MeterBand};
use ofswitch::Switch;

/// The datapath configuration of an OpenFlow meter.
pub fn dp_config(m: &Meter) -> MeterConfig {
    MeterConfig {
        pktps: m.flags.pktps,
        bands: m
            .bands
            .iter()
            .map(|b| match *b {
                MeterBand::Drop { rate, burst_size } => MeterBandConfig {
                    action: BandAction::Drop,
                    rate,
                    burst_size,
                },
                MeterBand::DscpRemark {
                    rate,
                    burst_size,
                    prec_level,
                } => MeterBandConfig {
                    action: BandAction::DscpRemark(prec_level),
                    rate,
                    burst_size,
                },
            })
            .collect(),
    }
}

/// Brings the datapath's meters in line with the bridge's OpenFlow meters.
pub fn sync(dp: &Datapath, sw: &mut Switch) {
    let Switch { meters, snap, .. } = sw;
    // Meters gone from OpenFlow: fold nothing more, free the datapath meter.
    snap.dp_meters.retain(|of_id, dp_id| {
        let keep = meters.get(*of_id).is_some();
        if !keep {
            dp.meter_del(*dp_id);
        }
        keep
    });
    for m in meters.iter() {
        let want = dp_config(m);
        match snap.dp_meters.get(&m.meter_id) {
            Some(&dp_id) => {
                if dp.meter_config(dp_id).as_ref() != Some(&want) {
                    // Counters not yet folded belong to the old bands, which OpenFlow
                    // reset: drop them.
                    let _ = dp.meter_take_stats(dp_id);
                    dp.meter_set(dp_id, want);
                }
            }
            None => {
                let dp_id = dp.meter_add(want);
                snap.dp_meters.insert(m.meter_id, dp_id);
            }
        }
    }
}

/// Credits the datapath's meter counters since the last fold to the OpenFlow meters.
pub fn fold_stats(dp: &Datapath, sw: &mut Switch) {
    let Switch { meters, snap, .. } = sw;
    for (&of_id, &dp_id) in &snap.dp_meters {
        if let Some(c) = dp.meter_take_stats(dp_id) {
            meters.credit_stats(of_id, c.packets, c.bytes, &c.bands);
        }
    }
}

/// Frees every datapath meter of a bridge that is going away.
pub fn purge(dp: &Datapath, sw: &mut Switch) {
    for (_, dp_id) in sw.snap.dp_meters.drain() {
        dp.meter_del(dp_id);
    }
}
