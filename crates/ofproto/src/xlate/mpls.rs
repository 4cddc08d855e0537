//! MPLS and PBB actions, their commit to datapath actions, and freezing for
//! recirculation.
//!
//! * **MPLS.** The flow holds the top three label stack entries (`mpls_label`/`mpls_tc`/
//!   `mpls_bos`/`mpls_ttl` and [`Flow::mpls_lse`] 1-2). `push_mpls` first commits pending
//!   L3/L4 rewrites when the packet has no label yet (the label would hide them), then
//!   puts a new entry on top: a copy of the current top (bottom-of-stack clear) or, on a
//!   bare packet, label 0, TC from the low bits of the DSCP, TTL from the IP TTL (0
//!   without IP), bottom-of-stack set. (Open vSwitch uses label 2 for IPv6 and TTL 64
//!   without IP; OpenFlow 1.3 and the os-ken tests want 0 for both.) `pop_mpls` shifts
//!   the stack up; popping the bottom label sets `dl_type`, and as the inner headers were
//!   never extracted, the next action that needs them freezes (below). `set_mpls_*`,
//!   `dec_mpls_ttl` (TTL 0 or 1: packet-in with reason `invalid_ttl`, end of pipeline) and
//!   `set_field` on `mpls_label`/`mpls_tc`/`mpls_bos`/`mpls_ttl` change the top entry. The
//!   commit compares the stacks of the two flows: extra labels in the datapath's are popped
//!   (before the L3 commit when the packet leaves MPLS, as in Open vSwitch), new ones pushed
//!   bottom first, and a changed top entry is written with `set(mpls(...))`.
//!   `copy_ttl_out`/`copy_ttl_in` (which Open vSwitch rejects) need the header inside the
//!   stack, so they become the datapath actions of the same name right away.
//! * **PBB** (802.1ah, EtherType 0x88e7; an extension, Open vSwitch has none):
//!   `push_pbb`/`pop_pbb` become the datapath actions `push_pbb`/`pop_pbb` right after a
//!   commit; `pbb_isid` rewrites become `set_pbb_isid(N)`. After `pop_pbb` the customer
//!   frame is unknown, so it freezes like `pop_mpls` does.
//! * **Freezing.** [`Ctx::freeze`] commits, records the remaining actions with the
//!   pipeline state in the snapshot's [`crate::recirc::RecircTable`] and emits
//!   `recirc(id)` (after `hash(sym_l4(0))` for a select group); [`Ctx::resume`] picks the
//!   translation up when the packet returns with that id. Only the rest of the current
//!   action list is kept: actions of an outer rule after a `resubmit` that froze are lost
//!   (Open vSwitch keeps its whole stack).

use super::*;
use crate::recirc::FrozenState;

const ETH_TYPE_PBB: u128 = 0x88e7;
const MPLS_BOS: u32 = 0x100;
/// Hash slots a select group's buckets share after recirculation.
const HASH_SLOTS: u128 = 64;

/// Whether `dl_type` is MPLS unicast or multicast.
pub(super) fn is_mpls(dl_type: u128) -> bool {
    dl_type == 0x8847 || dl_type == 0x8848
}

/// How many label stack entries the flow knows (0 for a non-MPLS packet, at most 3).
pub(super) fn mpls_depth(f: &Flow) -> usize {
    if !is_mpls(f.get(FieldId::EthType)) {
        return 0;
    }
    (0..3)
        .find(|&i| f.mpls_lse(i) & MPLS_BOS != 0)
        .map_or(3, |i| i + 1)
}

/// Whether `a`, run after the inner headers became unknown (`pop_mpls` to a non-MPLS
/// type, `pop_pbb`), needs a fresh look at the packet first.
pub(super) fn needs_reextract(a: &Action) -> bool {
    !matches!(
        a,
        Action::Output { .. }
            | Action::Controller(_)
            | Action::OutputTrunc { .. }
            | Action::Enqueue { .. }
            | Action::Note(_)
            | Action::Meter(_)
            | Action::SetQueue(_)
            | Action::PopQueue
            | Action::Exit
            | Action::WriteActions(_)
            | Action::ClearActions
            | Action::WriteMetadata { .. }
    )
}

/// Pipeline fields a frozen state carries (the datapath keeps the packet metadata).
fn pipeline_fields() -> impl Iterator<Item = FieldId> {
    [FieldId::Metadata, FieldId::ActsetOutput]
        .into_iter()
        .chain((0..16).filter_map(FieldId::reg))
}

/// Zeroes the L3/L4 fields (a label now hides them).
fn clear_l3(f: &mut Flow) {
    for field in [
        FieldId::IpSrc,
        FieldId::IpDst,
        FieldId::Ipv6Src,
        FieldId::Ipv6Dst,
        FieldId::Ipv6Label,
        FieldId::NwProto,
        FieldId::NwTtl,
        FieldId::NwFrag,
        FieldId::NwTos,
        FieldId::NwEcn,
        FieldId::ArpOp,
        FieldId::ArpSpa,
        FieldId::ArpTpa,
        FieldId::ArpSha,
        FieldId::ArpTha,
        FieldId::TpSrc,
        FieldId::TpDst,
        FieldId::TcpFlags,
        FieldId::NdTarget,
        FieldId::NdSll,
        FieldId::NdTll,
    ] {
        f.set(field, 0);
    }
}

impl Ctx<'_> {
    fn wc_mpls_top(&mut self) {
        for f in [
            FieldId::MplsLabel,
            FieldId::MplsTc,
            FieldId::MplsBos,
            FieldId::MplsTtl,
        ] {
            self.wc.set(f, u128::MAX);
        }
    }

    /// `push_mpls:ethertype`.
    pub(super) fn push_mpls(&mut self, ethertype: u16) {
        let depth = mpls_depth(&self.flow);
        if depth == 0 {
            self.commit();
            let et = self.flow.get(FieldId::EthType);
            // OpenFlow 1.3 (5.12.1): label and TC zero, TTL from IP or zero. Open vSwitch
            // uses label 2 for IPv6 and TTL 64 without IP.
            let label: u32 = 0;
            let (mut tc, mut ttl) = (0u32, 0u32);
            if et == ETH_TYPE_IP || et == ETH_TYPE_IPV6 {
                tc = ((self.flow.get(FieldId::NwTos) as u32 & 0xfc) >> 2) & 7;
                ttl = self.flow.get(FieldId::NwTtl) as u32;
                self.wc
                    .set(FieldId::NwTos, self.wc.get(FieldId::NwTos) | 0xfc);
                self.wc.set(FieldId::NwTtl, u128::MAX);
            }
            clear_l3(&mut self.flow);
            self.flow
                .set_mpls_lse(0, (label << 12) | (tc << 9) | MPLS_BOS | ttl);
            self.flow.set_mpls_lse(1, 0);
            self.flow.set_mpls_lse(2, 0);
        } else if depth >= 3 {
            // The flow cannot describe a deeper stack.
            self.line(0, ">> too many MPLS labels, dropping");
            self.stop = true;
            return;
        } else {
            self.wc_mpls_top();
            let (l0, l1) = (self.flow.mpls_lse(0), self.flow.mpls_lse(1));
            self.flow.set_mpls_lse(2, l1);
            self.flow.set_mpls_lse(1, l0);
            self.flow.set_mpls_lse(0, l0 & !MPLS_BOS);
        }
        self.flow.set(FieldId::EthType, u128::from(ethertype));
    }

    /// `pop_mpls:ethertype`.
    pub(super) fn pop_mpls(&mut self, ethertype: u16) {
        let depth = mpls_depth(&self.flow);
        if depth == 0 {
            return;
        }
        self.wc
            .set(FieldId::MplsBos, self.wc.get(FieldId::MplsBos) | 1);
        let (l1, l2) = (self.flow.mpls_lse(1), self.flow.mpls_lse(2));
        self.flow.set_mpls_lse(0, l1);
        self.flow.set_mpls_lse(1, l2);
        self.flow.set_mpls_lse(2, 0);
        self.flow.set(FieldId::EthType, u128::from(ethertype));
        if depth == 1 && !is_mpls(u128::from(ethertype)) {
            self.reextract = true;
        }
    }

    /// `set_mpls_label`, `set_mpls_tc`, `set_mpls_ttl`: rewrite the top entry.
    pub(super) fn set_mpls(&mut self, field: FieldId, value: u128) {
        if mpls_depth(&self.flow) == 0 {
            return;
        }
        self.set(field, value, u128::MAX);
    }

    /// `dec_mpls_ttl`.
    pub(super) fn dec_mpls_ttl(&mut self, ind: usize) {
        if mpls_depth(&self.flow) == 0 {
            return;
        }
        self.wc.set(FieldId::MplsTtl, u128::MAX);
        let ttl = self.flow.get(FieldId::MplsTtl);
        if ttl > 1 {
            self.flow.set(FieldId::MplsTtl, ttl - 1);
            return;
        }
        self.line(ind + 1, ">> MPLS decrement TTL exception");
        self.packet_in(PacketInReason::InvalidTtl, u16::MAX, 0);
        self.stop = true;
    }

    /// `copy_ttl_out` / `copy_ttl_in`.
    pub(super) fn copy_ttl(&mut self, outward: bool) {
        let depth = mpls_depth(&self.flow);
        if depth == 0 {
            return;
        }
        self.commit();
        self.odp.push(if outward {
            OdpAction::CopyTtlOut
        } else {
            OdpAction::CopyTtlIn
        });
        if depth >= 2 {
            let (l0, l1) = (self.flow.mpls_lse(0), self.flow.mpls_lse(1));
            if outward {
                self.flow.set_mpls_lse(0, (l0 & !0xff) | (l1 & 0xff));
            } else {
                self.flow.set_mpls_lse(1, (l1 & !0xff) | (l0 & 0xff));
            }
            self.wc_mpls_top();
        }
        self.base = self.flow;
    }

    /// `push_pbb:0x88e7`.
    pub(super) fn push_pbb(&mut self) {
        self.commit();
        self.odp.push(OdpAction::PushPbb);
        let f = &mut self.flow;
        clear_l3(f);
        for i in 0..3 {
            f.set_mpls_lse(i, 0);
        }
        f.set_vlan_tci(0);
        f.set_vlan_tci1(0);
        f.set(FieldId::EthType, ETH_TYPE_PBB);
        f.set(FieldId::PbbIsid, 0);
        self.vlan_pushed = 0;
        self.reextract = false;
        self.base = self.flow;
    }

    /// `pop_pbb`.
    pub(super) fn pop_pbb(&mut self) {
        if self.flow.get(FieldId::EthType) != ETH_TYPE_PBB {
            return;
        }
        self.commit();
        self.odp.push(OdpAction::PopPbb);
        self.flow.set(FieldId::PbbIsid, 0);
        self.reextract = true;
        self.base = self.flow;
    }

    /// Part of the commit: MPLS label stack changes.
    pub(super) fn commit_mpls(&mut self) {
        let (f, b) = (self.flow, self.base);
        let (fd, bd) = (mpls_depth(&f), mpls_depth(&b));
        if fd == bd && (fd == 0 || f.mpls_lse(0) == b.mpls_lse(0)) {
            return;
        }
        let set = |lse: u32| dpif::action::set_exact(AttrKind::Mpls, u128::from(lse));
        if fd < bd {
            let n = bd - fd;
            for k in 0..n {
                let et = if k + 1 == n && fd == 0 {
                    f.get(FieldId::EthType)
                } else {
                    b.get(FieldId::EthType)
                };
                self.odp.push(OdpAction::PopMpls(et as u16));
            }
            if fd > 0 && f.mpls_lse(0) != b.mpls_lse(n) {
                self.wc_mpls_top();
                self.odp.push(set(f.mpls_lse(0)));
            }
        } else if fd > bd {
            let n = fd - bd;
            if bd > 0 && f.mpls_lse(n) != b.mpls_lse(0) {
                self.odp.push(set(f.mpls_lse(n)));
            }
            for i in (0..n).rev() {
                self.odp.push(OdpAction::PushMpls {
                    lse: f.mpls_lse(i),
                    ethertype: f.get(FieldId::EthType) as u16,
                });
            }
        } else {
            self.wc_mpls_top();
            self.odp.push(set(f.mpls_lse(0)));
        }
    }

    /// Part of the commit: a rewritten PBB I-SID.
    pub(super) fn commit_pbb(&mut self) {
        let v = self.flow.get(FieldId::PbbIsid);
        if self.flow.get(FieldId::EthType) == ETH_TYPE_PBB && v != self.base.get(FieldId::PbbIsid) {
            self.wc.set(FieldId::PbbIsid, u128::MAX);
            self.odp.push(OdpAction::SetPbbIsid(v as u32));
        }
    }

    /// Commits, records what is left (`rest`, and a select group's bucket choice) under a
    /// recirculation id and emits the recirculation; translation of this pass ends.
    pub(super) fn freeze(&mut self, rest: &[Action], group: Option<u32>) {
        self.commit();
        let fields = pipeline_fields()
            .map(|f| (f, self.flow.get(f)))
            .filter(|(_, v)| *v != 0)
            .collect();
        let state = FrozenState {
            table_id: self.table_id,
            cookie: self.cookie,
            group,
            actions: rest.to_vec(),
            action_set: std::mem::take(&mut self.action_set),
            fields,
        };
        let (id, _) = self.snap.recirc.freeze(state, self.next_recirc);
        self.next_recirc = self.next_recirc.max(id.saturating_add(1));
        if group.is_some() {
            self.odp.push(OdpAction::Hash {
                alg: dpif::HashAlg::SymL4,
                basis: 0,
            });
        }
        self.odp.push(OdpAction::Recirc(id));
        self.stop = true;
    }

    /// Continues a frozen translation (the packet came back from `recirc`).
    pub(super) fn resume(&mut self, st: &FrozenState) {
        for &(f, v) in &st.fields {
            self.flow.set(f, v);
        }
        self.table_id = st.table_id;
        self.cookie = st.cookie;
        self.action_set = st.action_set.clone();
        self.line(0, format!("Resuming from table {}", st.table_id));
        if let Some(g) = st.group {
            self.select_bucket(g, 4);
        }
        if !self.stop {
            self.actions(&st.actions, 4, 0);
        }
    }

    /// After recirculation: a select group's bucket chosen by `dp_hash`, weighted.
    fn select_bucket(&mut self, group_id: u32, ind: usize) {
        let snap = self.snap;
        let Some(g) = snap.groups.get(group_id) else {
            return;
        };
        let total: u32 = g.buckets.iter().map(|b| u32::from(b.weight)).sum();
        if total == 0 {
            self.line(ind, "-> no live bucket");
            return;
        }
        // The low bits of the hash pick one of HASH_SLOTS slots, shared out among the
        // buckets by weight (only those bits enter the megaflow).
        self.wc.set(
            FieldId::DpHash,
            self.wc.get(FieldId::DpHash) | (HASH_SLOTS - 1),
        );
        let slot = (self.flow.get(FieldId::DpHash) as u32) & (HASH_SLOTS as u32 - 1);
        let point = u64::from(slot) * u64::from(total) / HASH_SLOTS as u64;
        let mut acc = 0u64;
        let mut pick = 0;
        for (i, b) in g.buckets.iter().enumerate() {
            acc += u64::from(b.weight);
            if point < acc {
                pick = i;
                break;
            }
        }
        let Some(b) = g.buckets.get(pick) else {
            return;
        };
        self.line(ind, format!("bucket {pick}"));
        self.effects.push(SideEffect::GroupHit {
            group_id,
            bucket: pick,
        });
        let saved = self.flow;
        self.depth += 1;
        self.actions(&b.actions.0, ind + 4, ind);
        self.depth -= 1;
        self.flow = saved;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_to_bottom_of_stack() {
        let mut f = Flow::default();
        assert_eq!(mpls_depth(&f), 0);
        f.set(FieldId::EthType, 0x8847);
        f.set_mpls_lse(0, 0x0006_4040);
        f.set_mpls_lse(1, 0x0006_5140);
        assert_eq!(mpls_depth(&f), 2);
        f.set_mpls_lse(0, 0x0006_4140);
        assert_eq!(mpls_depth(&f), 1);
        f.set_mpls_lse(0, 0x0006_4040);
        f.set_mpls_lse(1, 0x0006_5040);
        assert_eq!(mpls_depth(&f), 3);
    }

    #[test]
    fn reextract_spares_outputs_only() {
        assert!(!needs_reextract(&Action::Output {
            port: 2,
            max_len: 0
        }));
        assert!(needs_reextract(&Action::GotoTable(1)));
        assert!(needs_reextract(&Action::SetIpv4Src(1)));
    }
}
