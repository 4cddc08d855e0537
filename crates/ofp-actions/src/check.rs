//! Checking actions against the flow they belong to.
//!
//! Open vSwitch validates a flow's actions against its match before accepting it, and so
//! does this module ([`check_actions`]). Two kinds of problems exist, as in OVS:
//!
//! * hard errors, reported as [`ActionError::Inconsistent`] with the OpenFlow error code OVS
//!   uses: a `set_field`/`load`/`move` whose field's prerequisites the match does not
//!   establish (`set_field:1.2.3.4->ip_src` without `ip`), `ct` on non-IP traffic, an output
//!   port out of range, `meter:0`, `goto_table` to a table that is not later than the flow's;
//! * "inconsistencies" that OpenFlow 1.0 tolerates but 1.1+ forbids (`strip_vlan` without a
//!   VLAN in the match, `mod_nw_src` without `ip`, `mod_tp_dst` without TCP/UDP/SCTP,
//!   `set_mpls_*` without MPLS, `fin_timeout` without TCP), reported for 1.1+ as
//!   [`ActionError::NoUsableProtocol`], the error `ovs-ofctl` gives.
//!
//! While walking the list the checker updates a copy of the match the way the actions change
//! the packet (`push_vlan` adds a VLAN, `push_mpls`/`pop_mpls` change the Ethertype), so later
//! actions are checked against the packet they will see. `set_field`/`load` to `ct_mark` or
//! `ct_label` are only allowed inside `ct(exec(...))`.

use crate::action::*;
use crate::error::ActionError;
use crate::subfield::Subfield;
use crate::wire::Version;
use flow::{FieldId, Match, Prereq};

/// What the checker needs to know about the flow.
#[derive(Clone, Copy, Debug)]
pub struct CheckContext<'a> {
    /// The flow's match.
    pub flow_match: &'a Match,
    /// OpenFlow version the flow will be sent with.
    pub version: Version,
    /// The flow's table, if known (`None`, e.g. an OpenFlow 1.0 flow_mod without a table,
    /// skips the `goto_table` ordering check).
    pub table_id: Option<u8>,
}

type R = Result<(), ActionError>;

/// The 802.1ah (PBB) backbone EtherType.
pub const PBB_ETH_TYPE: u16 = 0x88e7;

const MATCH_INCONSISTENT: ActionError = ActionError::Inconsistent("OFPBAC_MATCH_INCONSISTENT");

/// Checks `acts` for a flow with the given context.
pub fn check_actions(acts: &[Action], cx: &CheckContext<'_>) -> R {
    let mut m = *cx.flow_match;
    check_list(acts, cx, &mut m, false, false)?;
    if cx.version == Version::Of10
        && acts
            .iter()
            .any(|a| matches!(a, Action::WriteMetadata { .. }))
        && acts.iter().any(|a| matches!(a, Action::GotoTable(_)))
    {
        return Err(ActionError::Inconsistent("OFPBAC_UNSUPPORTED_ORDER"));
    }
    Ok(())
}

fn inconsistent(cx: &CheckContext<'_>, lenient: bool) -> R {
    if cx.version == Version::Of10 || lenient {
        Ok(())
    } else {
        Err(ActionError::NoUsableProtocol)
    }
}

fn has_vlan(m: &Match) -> bool {
    Prereq::Vlan.is_satisfied(m)
}

fn field_ok(m: &Match, f: FieldId) -> bool {
    f.info().prereq.is_satisfied(m)
}

fn sub_ok(m: &Match, sf: &Subfield) -> R {
    if field_ok(m, sf.field) {
        Ok(())
    } else {
        Err(MATCH_INCONSISTENT)
    }
}

/// `lenient`: inside `write_actions`, where OVS does not hold the action set to the match
/// (it cannot know the packet at the end of the pipeline), so only hard errors count.
fn check_list(
    acts: &[Action],
    cx: &CheckContext<'_>,
    m: &mut Match,
    in_ct: bool,
    lenient: bool,
) -> R {
    for a in acts {
        check_one(a, cx, m, in_ct, lenient)?;
    }
    Ok(())
}

fn valid_out_port(p: u16) -> bool {
    p < OFPP_MAX || (OFPP_IN_PORT..=OFPP_LOCAL).contains(&p)
}

fn check_one(a: &Action, cx: &CheckContext<'_>, m: &mut Match, in_ct: bool, lenient: bool) -> R {
    let ip = Prereq::Ip.is_satisfied(m);
    let mpls = Prereq::Mpls.is_satisfied(m);
    match a {
        Action::Output { port, .. } | Action::OutputTrunc { port, .. } => {
            if !valid_out_port(*port) {
                return Err(ActionError::Inconsistent("OFPBAC_BAD_OUT_PORT"));
            }
        }
        Action::Enqueue { port, .. } => {
            if *port >= OFPP_MAX && *port != OFPP_IN_PORT && *port != OFPP_LOCAL {
                return Err(ActionError::Inconsistent("OFPBAC_BAD_OUT_PORT"));
            }
        }
        Action::OutputReg { src, .. } => sub_ok(m, src)?,
        Action::Bundle(b) => {
            if let Some(d) = b.dst {
                sub_ok(m, &d)?;
                if d.n_bits < 16 {
                    return Err(ActionError::Inconsistent("OFPBAC_BAD_ARGUMENT"));
                }
            }
            if b.members.iter().any(|p| !valid_out_port(*p)) {
                return Err(ActionError::Inconsistent("OFPBAC_BAD_OUT_PORT"));
            }
        }
        Action::SetVlanVid { push, .. } | Action::SetVlanPcp { push, .. } => {
            if !has_vlan(m) && !push {
                inconsistent(cx, lenient)?;
            }
            if *push && !has_vlan(m) {
                set_vlan(m);
            }
        }
        Action::StripVlan { .. } => {
            if !has_vlan(m) {
                inconsistent(cx, lenient)?;
            }
            m.set_raw(FieldId::VlanTci, 0, 0xffff);
        }
        Action::PushVlan(_) => {
            if cx.version == Version::Of10 {
                return Err(ActionError::NoUsableProtocol);
            }
            set_vlan(m);
        }
        Action::SetIpv4Src(_) | Action::SetIpv4Dst(_) => {
            if !Prereq::Ipv4.is_satisfied(m) {
                inconsistent(cx, lenient)?;
            }
        }
        Action::SetIpDscp(_) | Action::SetIpEcn(_) | Action::SetIpTtl(_) | Action::DecTtl(_) => {
            if !ip {
                inconsistent(cx, lenient)?;
            }
        }
        Action::SetL4Src(_) | Action::SetL4Dst(_) => {
            if !Prereq::L4Port.is_satisfied(m) {
                inconsistent(cx, lenient)?;
            }
        }
        Action::SetMplsLabel(_)
        | Action::SetMplsTc(_)
        | Action::SetMplsTtl(_)
        | Action::DecMplsTtl => {
            if !mpls {
                inconsistent(cx, lenient)?;
            }
        }
        Action::PushMpls(t) => {
            if *t != 0x8847 && *t != 0x8848 {
                return Err(ActionError::Inconsistent("OFPBAC_BAD_ARGUMENT"));
            }
            m.set_raw(FieldId::EthType, u128::from(*t), 0xffff);
            m.set_raw(FieldId::NwProto, 0, 0);
        }
        Action::CopyTtlOut | Action::CopyTtlIn => {
            if !mpls {
                inconsistent(cx, lenient)?;
            }
        }
        Action::PushPbb(_) => {
            if cx.version == Version::Of10 {
                return Err(ActionError::NoUsableProtocol);
            }
            m.set_raw(FieldId::EthType, u128::from(PBB_ETH_TYPE), 0xffff);
            m.set_raw(FieldId::NwProto, 0, 0);
        }
        Action::PopPbb => {
            // The customer frame's type is unknown until the datapath looks again.
            m.set_raw(FieldId::EthType, 0, 0);
        }
        Action::PopMpls(t) => {
            if !mpls {
                inconsistent(cx, lenient)?;
            }
            m.set_raw(FieldId::EthType, u128::from(*t), 0xffff);
        }
        Action::SetField(sf) => {
            if matches!(sf.field, FieldId::CtMark | FieldId::CtLabel) && !in_ct {
                return Err(ActionError::syntax(
                    "cannot set CT fields outside of ct action",
                ));
            }
            // A zero mask writes nothing; only OpenFlow 1.5 would put it on the wire, where
            // it is invalid.
            if !sf.field.info().writable
                || (sf.field == FieldId::InPortOxm && cx.version >= Version::Of12)
                || (sf.mask == 0 && cx.version >= Version::Of15)
            {
                return Err(ActionError::Inconsistent("OFPBAC_BAD_SET_ARGUMENT"));
            }
            let vlan_field = matches!(
                sf.field,
                FieldId::VlanVid | FieldId::VlanPcp | FieldId::DlVlan | FieldId::DlVlanPcp
            );
            if !field_ok(m, sf.field) || (vlan_field && !has_vlan(m)) {
                return Err(MATCH_INCONSISTENT);
            }
            // OpenFlow 1.1 has no NXM: a set_field must name a field its match knows.
            if cx.version == Version::Of11
                && sf.style == SetFieldStyle::SetField
                && sf.field.info().of11 == flow::Of1xSupport::No
            {
                return Err(ActionError::NoUsableProtocol);
            }
        }
        Action::Move { src, dst } => {
            sub_ok(m, src)?;
            sub_ok(m, dst)?;
            if !dst.field.info().writable {
                return Err(ActionError::Inconsistent("OFPBAC_BAD_SET_ARGUMENT"));
            }
            if matches!(dst.field, FieldId::CtMark | FieldId::CtLabel) && !in_ct {
                return Err(ActionError::syntax(
                    "cannot set CT fields outside of ct action",
                ));
            }
        }
        Action::Resubmit { ct, .. } => {
            if *ct && !(Prereq::Ct.is_satisfied(m) && ip) {
                return Err(MATCH_INCONSISTENT);
            }
        }
        Action::FinTimeout { .. } => {
            if !Prereq::Tcp.is_satisfied(m) {
                inconsistent(cx, lenient)?;
            }
        }
        Action::Learn(l) => {
            for s in &l.specs {
                match s {
                    LearnSpec::MatchField { src, .. } | LearnSpec::LoadField { src, .. } => {
                        sub_ok(m, src)?
                    }
                    LearnSpec::Output { src } => sub_ok(m, src)?,
                    _ => {}
                }
            }
            if l.table == 255 {
                return Err(ActionError::Inconsistent("OFPBAC_BAD_ARGUMENT"));
            }
        }
        Action::Ct(ct) => {
            if !ip {
                return Err(MATCH_INCONSISTENT);
            }
            let proto = m.exact_value(FieldId::NwProto);
            match ct.alg {
                21 if proto != Some(6) => return Err(MATCH_INCONSISTENT),
                69 if proto != Some(17) => return Err(MATCH_INCONSISTENT),
                _ => {}
            }
            if let CtZone::Field(sf) = ct.zone {
                sub_ok(m, &sf)?;
            }
            let mut inner = *m;
            check_list(&ct.actions, cx, &mut inner, true, lenient)?;
        }
        Action::Nat(n) => {
            if !in_ct {
                return Err(ActionError::syntax(
                    "Cannot have NAT action outside of \"ct\" action",
                ));
            }
            let v4 = Prereq::Ipv4.is_satisfied(m);
            match n.addr {
                Some((NatAddr::V4(_), _)) if !v4 => return Err(MATCH_INCONSISTENT),
                Some((NatAddr::V6(_), _)) if v4 => return Err(MATCH_INCONSISTENT),
                _ => {}
            }
        }
        Action::Multipath(mp) => sub_ok(m, &mp.dst)?,
        Action::CheckPktLarger { dst, .. } => sub_ok(m, dst)?,
        Action::Clone(inner) => {
            let mut c = *m;
            check_list(inner, cx, &mut c, in_ct, lenient)?;
        }
        Action::WriteActions(inner) => {
            let mut c = *m;
            check_list(inner, cx, &mut c, in_ct, true)?;
        }
        Action::Meter(id) => {
            if *id == 0 || *id > 0xffff_0000 {
                return Err(ActionError::Inconsistent("OFPMMFC_INVALID_METER"));
            }
            if cx.version < Version::Of13 {
                return Err(ActionError::NoUsableProtocol);
            }
        }
        Action::GotoTable(t) => {
            if cx.table_id.is_some_and(|cur| *t <= cur) {
                return Err(ActionError::Inconsistent("OFPBIC_BAD_TABLE_ID"));
            }
        }
        Action::Controller(_)
        | Action::SetEthSrc(_)
        | Action::SetEthDst(_)
        | Action::SetTunnel { .. }
        | Action::SetQueue(_)
        | Action::PopQueue
        | Action::Note(_)
        | Action::Exit
        | Action::Sample(_)
        | Action::Conjunction { .. }
        | Action::CtClear
        | Action::Group(_)
        | Action::ClearActions
        | Action::WriteMetadata { .. } => {}
    }
    Ok(())
}

fn set_vlan(m: &mut Match) {
    let (v, mask) = m.get(FieldId::VlanTci);
    m.set_raw(FieldId::VlanTci, v | 0x1000, mask | 0x1000);
}
