//! Prerequisite checking on whole matches.
//!
//! A field is only meaningful when the match pins down the protocol it belongs to: `tp_dst`
//! needs TCP, UDP or SCTP, `nd_sll` needs an ICMPv6 neighbour solicitation, and so on (see
//! [`crate::field::Prereq`]). Open vSwitch 3.1 *silently drops* such fields when it
//! normalises a match, so `ovs-ofctl add-flow br0 tp_dst=80,actions=drop` installs a rule that
//! matches every packet. ferroswitch refuses them instead ([`Match::check_prerequisites`]),
//! because a rule that matches far more than was written is a dangerous surprise. For code
//! that must reproduce OVS's lenient behaviour (e.g. decoding a peer's flow table),
//! [`Match::drop_unmet_prerequisites`] performs the OVS-style normalisation explicitly.
//!
//! TCP/UDP/SCTP fields additionally require that the match does not select later fragments
//! (`nw_frag=later`), which carry no layer-4 header; OVS enforces this when it decodes a flow.
//!
//! The check works on storage: it walks the primary fields that are matched. The shared
//! layer-4 port storage is accepted for TCP, UDP, SCTP, ICMP and ICMPv6 alike, since the
//! same bits carry ports or ICMP type/code.

use crate::error::FlowError;
use crate::field::{all_fields, FieldId, Prereq};
use crate::flow::Match;

/// True if the match selects only later fragments (no layer-4 header present).
pub(crate) fn is_later_fragment(m: &Match) -> bool {
    let (v, mask) = m.get(FieldId::NwFrag);
    v & mask & 0x2 != 0
}

/// Checks `field`'s prerequisite as used under the name `shown`.
pub(crate) fn check_field(m: &Match, field: FieldId, shown: &str) -> Result<(), FlowError> {
    let p = field.info().prereq;
    if !p.is_satisfied(m) {
        return Err(FlowError::Prerequisite {
            field: shown.to_string(),
            requires: p.describe(),
        });
    }
    if p.needs_l4_header() && is_later_fragment(m) {
        return Err(FlowError::LaterFragment {
            field: shown.to_string(),
        });
    }
    Ok(())
}

fn storage_prereq_ok(m: &Match, field: FieldId) -> bool {
    match field {
        FieldId::TpSrc | FieldId::TpDst => {
            Prereq::Icmp.is_satisfied(m)
                || (Prereq::L4Port.is_satisfied(m) && !is_later_fragment(m))
        }
        _ => {
            let p = field.info().prereq;
            p.is_satisfied(m) && !(p.needs_l4_header() && is_later_fragment(m))
        }
    }
}

impl Match {
    /// Fails with [`FlowError::Prerequisite`] naming the first matched field whose
    /// prerequisite this match does not pin down.
    pub fn check_prerequisites(&self) -> Result<(), FlowError> {
        for f in all_fields().iter().filter(|f| f.primary) {
            if self.is_matched(f.id) && !storage_prereq_ok(self, f.id) {
                let (field, requires) = (f.name, f.prereq.describe());
                if f.prereq.needs_l4_header() && f.prereq.is_satisfied(self) {
                    return Err(FlowError::LaterFragment {
                        field: field.to_string(),
                    });
                }
                return Err(FlowError::Prerequisite {
                    field: field.to_string(),
                    requires,
                });
            }
        }
        Ok(())
    }

    /// Wildcards every field whose prerequisite is not met (repeating until stable), which is
    /// what Open vSwitch 3.1 does silently. Returns the fields that were dropped.
    pub fn drop_unmet_prerequisites(&mut self) -> Vec<FieldId> {
        let mut dropped = Vec::new();
        loop {
            let bad = all_fields()
                .iter()
                .filter(|f| f.primary)
                .find(|f| self.is_matched(f.id) && !storage_prereq_ok(self, f.id));
            match bad {
                Some(f) => {
                    self.clear(f.id);
                    dropped.push(f.id);
                }
                None => return dropped,
            }
        }
    }
}
