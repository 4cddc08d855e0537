//! The flow key, its wildcard mask and the normalised `Match`.
//!
//! A [`Flow`] holds every header and metadata value a rule can match on. It is deliberately
//! *not* a struct of named fields: it is a fixed array of [`FLOW_WORDS`] `u64` words, and every
//! field lives at a fixed bit position inside it (the position is part of the field registry in
//! [`crate::field`]). That layout buys three things:
//!
//! * a megaflow cache can hash and compare a flow under a mask one machine word at a time
//!   ([`Flow::hash_masked`], [`Flow::eq_masked`]) without knowing anything about fields;
//! * [`FlowWildcards`] is literally the same layout, so "which bits matter" is a second array
//!   of words and masking is a word-wise AND;
//! * generic code (the parser, the formatter, later the NXM/OXM codecs) reads and writes any
//!   field through one pair of functions ([`Flow::get`] / [`Flow::set`]) on `u128` values.
//!
//! Fields wider than 64 bits (IPv6 addresses, `ct_label`, `xxreg`) occupy two consecutive
//! words, high half first. Everything narrower sits inside one word, so a field never
//! straddles a word boundary.
//!
//! A few values that Open vSwitch's flow carries but that no OpenFlow match field names live
//! outside the field registry, in [`ExtraField`] storage: the inner 802.1Q/802.1ad tag
//! (`vlan_tci1` in OVS's output) and which TPID each tag had, the second and third MPLS label
//! stack entries, and the IGMP group address (which holds the ND `reserved` word for
//! neighbour discovery, as in OVS). Packet flow extraction ([`mod@crate::extract`]) fills them so a
//! megaflow cache can tell such packets apart; OpenFlow rules cannot match them.
//!
//! A [`Match`] is a flow plus its wildcards with the invariant that every bit not covered by
//! the mask is zero in the flow ("normalised"), so two matches that select the same packets
//! compare equal with `==`.

use crate::field::FieldId;

/// Number of 64-bit words in a [`Flow`] (and in a [`FlowWildcards`]).
pub const FLOW_WORDS: usize = 47;

/// Where a field lives inside the word array.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Loc {
    /// Index of the (first, most significant) word.
    pub word: u8,
    /// Bit offset of the field's least significant bit inside that word.
    pub shift: u8,
    /// Number of bits (1..=64, or 128 for a two-word field whose `shift` is 0).
    pub bits: u8,
}

impl Loc {
    /// The mask of this field's bits, right-aligned, as a `u128`.
    pub const fn value_mask(self) -> u128 {
        if self.bits >= 128 {
            u128::MAX
        } else {
            (1u128 << self.bits) - 1
        }
    }
}

/// Flow storage that no registry field describes (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExtraField {
    /// TCI of the inner VLAN tag (OVS `vlans[1]`), with the 0x1000 "present" bit set when a
    /// second tag was parsed.
    VlanTci1,
    /// TPID kinds: bit 0 set when the outer tag's TPID was 0x88a8 (802.1ad), bit 1 likewise
    /// for the inner tag; a clear bit means 0x8100. Only meaningful for tags that are present.
    VlanTpids,
    /// Second MPLS label stack entry (raw 32-bit LSE).
    MplsLse1,
    /// Third MPLS label stack entry (raw 32-bit LSE).
    MplsLse2,
    /// IGMP group address; for ICMPv6 neighbour discovery the ND "reserved" word (OVS
    /// `nd_reserved`), which OVS keeps in the same storage.
    IgmpGroup,
}

impl ExtraField {
    /// Every extra field.
    pub const ALL: &'static [ExtraField] = &[
        ExtraField::VlanTci1,
        ExtraField::VlanTpids,
        ExtraField::MplsLse1,
        ExtraField::MplsLse2,
        ExtraField::IgmpGroup,
    ];

    /// Where the field lives (words 45 and 46).
    pub const fn loc(self) -> Loc {
        match self {
            ExtraField::MplsLse1 => Loc {
                word: 45,
                shift: 32,
                bits: 32,
            },
            ExtraField::MplsLse2 => Loc {
                word: 45,
                shift: 0,
                bits: 32,
            },
            ExtraField::IgmpGroup => Loc {
                word: 46,
                shift: 32,
                bits: 32,
            },
            ExtraField::VlanTci1 => Loc {
                word: 46,
                shift: 16,
                bits: 16,
            },
            ExtraField::VlanTpids => Loc {
                word: 46,
                shift: 0,
                bits: 2,
            },
        }
    }
}

/// Raw accessors shared by `Flow` and `FlowWildcards`.
#[inline]
fn get_bits(words: &[u64; FLOW_WORDS], loc: Loc) -> u128 {
    let w = usize::from(loc.word);
    if loc.bits >= 128 {
        let hi = words.get(w).copied().unwrap_or(0);
        let lo = words.get(w + 1).copied().unwrap_or(0);
        (u128::from(hi) << 64) | u128::from(lo)
    } else {
        let word = words.get(w).copied().unwrap_or(0);
        let v = if loc.shift >= 64 {
            0
        } else {
            word >> loc.shift
        };
        u128::from(v) & loc.value_mask()
    }
}

#[inline]
fn set_bits(words: &mut [u64; FLOW_WORDS], loc: Loc, value: u128) {
    let w = usize::from(loc.word);
    if loc.bits >= 128 {
        if let Some(hi) = words.get_mut(w) {
            *hi = (value >> 64) as u64;
        }
        if let Some(lo) = words.get_mut(w + 1) {
            *lo = value as u64;
        }
    } else if let Some(word) = words.get_mut(w) {
        let m = (loc.value_mask() as u64)
            .checked_shl(u32::from(loc.shift))
            .unwrap_or(0);
        let v = ((value & loc.value_mask()) as u64)
            .checked_shl(u32::from(loc.shift))
            .unwrap_or(0);
        *word = (*word & !m) | v;
    }
}

/// One 64-bit mixing step (a multiply-xorshift; good enough for a hash table, not crypto).
fn mix(h: u64, w: u64) -> u64 {
    let x = (h ^ w).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^ (x >> 29)
}

/// The values of every matchable field. See the module documentation for the layout.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Flow {
    words: [u64; FLOW_WORDS],
}

impl Default for Flow {
    fn default() -> Self {
        Flow {
            words: [0; FLOW_WORDS],
        }
    }
}

impl std::fmt::Debug for Flow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_map();
        for id in FieldId::ALL {
            let v = self.get(*id);
            if v != 0 && id.info().primary {
                d.entry(&id.name(), &format_args!("{v:#x}"));
            }
        }
        for x in ExtraField::ALL {
            let v = self.get_extra(*x);
            if v != 0 {
                d.entry(x, &format_args!("{v:#x}"));
            }
        }
        d.finish()
    }
}

impl Flow {
    /// An all-zero flow.
    pub fn new() -> Self {
        Self::default()
    }

    /// The raw words (for hashing, classifier tries, wire codecs).
    pub fn words(&self) -> &[u64; FLOW_WORDS] {
        &self.words
    }

    /// Builds a flow from raw words.
    pub fn from_words(words: [u64; FLOW_WORDS]) -> Self {
        Flow { words }
    }

    /// The value of `field`, right-aligned.
    #[inline]
    pub fn get(&self, field: FieldId) -> u128 {
        let info = field.info();
        get_bits(&self.words, info.loc) & info.valid_mask
    }

    /// The value of an [`ExtraField`], right-aligned.
    #[inline]
    pub fn get_extra(&self, field: ExtraField) -> u64 {
        get_bits(&self.words, field.loc()) as u64
    }

    /// Stores `value` (truncated to the field's width) into an [`ExtraField`].
    #[inline]
    pub fn set_extra(&mut self, field: ExtraField, value: u64) {
        set_bits(&mut self.words, field.loc(), u128::from(value));
    }

    /// Resets every field to zero.
    #[inline]
    pub fn clear(&mut self) {
        self.words = [0; FLOW_WORDS];
    }

    /// Stores `value` into `field`. Only the field's valid bits are written, so views that
    /// share storage (`nw_tos`/`nw_ecn`) do not disturb each other.
    #[inline]
    pub fn set(&mut self, field: FieldId, value: u128) {
        let info = field.info();
        let old = get_bits(&self.words, info.loc);
        set_bits(
            &mut self.words,
            info.loc,
            (old & !info.valid_mask) | (value & info.valid_mask),
        );
    }

    /// `self & mask`, word by word.
    pub fn masked(&self, mask: &FlowWildcards) -> Flow {
        let mut out = *self;
        for (o, m) in out.words.iter_mut().zip(mask.words.iter()) {
            *o &= *m;
        }
        out
    }

    /// Hash of the flow's bits under `mask`; flows equal under the mask hash equally.
    pub fn hash_masked(&self, mask: &FlowWildcards, basis: u64) -> u64 {
        let mut h = basis;
        for (w, m) in self.words.iter().zip(mask.words.iter()) {
            h = mix(h, w & m);
        }
        h
    }

    /// Whether `self` and `other` agree on every bit set in `mask`.
    pub fn eq_masked(&self, other: &Flow, mask: &FlowWildcards) -> bool {
        self.words
            .iter()
            .zip(other.words.iter())
            .zip(mask.words.iter())
            .all(|((a, b), m)| (a ^ b) & m == 0)
    }
}

macro_rules! accessors {
    ($($get:ident / $set:ident : $id:ident as $t:ty;)*) => {
        impl Flow {
            $(
                #[doc = concat!("The `", stringify!($get), "` field.")]
                pub fn $get(&self) -> $t {
                    self.get(FieldId::$id) as $t
                }
                #[doc = concat!("Sets the `", stringify!($get), "` field.")]
                pub fn $set(&mut self, v: $t) {
                    self.set(FieldId::$id, v as u128);
                }
            )*
        }
    };
}

accessors! {
    in_port / set_in_port: InPort as u16;
    dl_type / set_dl_type: EthType as u16;
    dl_src / set_dl_src: EthSrc as u64;
    dl_dst / set_dl_dst: EthDst as u64;
    vlan_tci / set_vlan_tci: VlanTci as u16;
    nw_src / set_nw_src: IpSrc as u32;
    nw_dst / set_nw_dst: IpDst as u32;
    ipv6_src / set_ipv6_src: Ipv6Src as u128;
    ipv6_dst / set_ipv6_dst: Ipv6Dst as u128;
    nw_proto / set_nw_proto: NwProto as u8;
    nw_ttl / set_nw_ttl: NwTtl as u8;
    nw_frag / set_nw_frag: NwFrag as u8;
    tp_src / set_tp_src: TpSrc as u16;
    tp_dst / set_tp_dst: TpDst as u16;
    tcp_flags / set_tcp_flags: TcpFlags as u16;
    metadata / set_metadata: Metadata as u64;
    tun_id / set_tun_id: TunId as u64;
    recirc_id / set_recirc_id: RecircId as u32;
    dp_hash / set_dp_hash: DpHash as u32;
    ct_state / set_ct_state: CtState as u32;
    pkt_mark / set_pkt_mark: PktMark as u32;
}

impl Flow {
    /// TCI of the inner VLAN tag (OVS `vlans[1].tci`; 0 when there is none).
    pub fn vlan_tci1(&self) -> u16 {
        self.get_extra(ExtraField::VlanTci1) as u16
    }

    /// Sets the inner VLAN tag's TCI.
    pub fn set_vlan_tci1(&mut self, tci: u16) {
        self.set_extra(ExtraField::VlanTci1, u64::from(tci));
    }

    /// TPID of VLAN tag `idx` (0 outer, 1 inner): 0x8100 or 0x88a8 for a present tag, 0 for
    /// an absent one (or an index above 1).
    pub fn vlan_tpid(&self, idx: usize) -> u16 {
        let tci = match idx {
            0 => self.vlan_tci(),
            1 => self.vlan_tci1(),
            _ => return 0,
        };
        if tci & 0x1000 == 0 {
            0
        } else if self.get_extra(ExtraField::VlanTpids) >> idx & 1 != 0 {
            0x88a8
        } else {
            0x8100
        }
    }

    /// Records the TPID of VLAN tag `idx` (0 or 1): 0x88a8 is remembered as 802.1ad, anything
    /// else as 802.1Q. Returns false (and does nothing) for an index above 1.
    pub fn set_vlan_tpid(&mut self, idx: usize, tpid: u16) -> bool {
        if idx > 1 {
            return false;
        }
        let bit = 1u64 << idx;
        let old = self.get_extra(ExtraField::VlanTpids);
        let new = if tpid == 0x88a8 {
            old | bit
        } else {
            old & !bit
        };
        self.set_extra(ExtraField::VlanTpids, new);
        true
    }

    /// MPLS label stack entry `idx` (0 is the top, built from `mpls_label`/`mpls_tc`/
    /// `mpls_bos`/`mpls_ttl`; 1 and 2 are extra storage); 0 for an index above 2.
    pub fn mpls_lse(&self, idx: usize) -> u32 {
        match idx {
            0 => {
                ((self.get(FieldId::MplsLabel) as u32) << 12)
                    | ((self.get(FieldId::MplsTc) as u32) << 9)
                    | ((self.get(FieldId::MplsBos) as u32) << 8)
                    | self.get(FieldId::MplsTtl) as u32
            }
            1 => self.get_extra(ExtraField::MplsLse1) as u32,
            2 => self.get_extra(ExtraField::MplsLse2) as u32,
            _ => 0,
        }
    }

    /// Sets MPLS label stack entry `idx` (0..=2); returns false for a larger index.
    pub fn set_mpls_lse(&mut self, idx: usize, lse: u32) -> bool {
        match idx {
            0 => {
                self.set(FieldId::MplsLabel, u128::from(lse >> 12));
                self.set(FieldId::MplsTc, u128::from((lse >> 9) & 7));
                self.set(FieldId::MplsBos, u128::from((lse >> 8) & 1));
                self.set(FieldId::MplsTtl, u128::from(lse & 0xff));
            }
            1 => self.set_extra(ExtraField::MplsLse1, u64::from(lse)),
            2 => self.set_extra(ExtraField::MplsLse2, u64::from(lse)),
            _ => return false,
        }
        true
    }

    /// IGMP group address (IPv4, as a host-order integer).
    pub fn igmp_group_ip4(&self) -> u32 {
        self.get_extra(ExtraField::IgmpGroup) as u32
    }

    /// Sets the IGMP group address.
    pub fn set_igmp_group_ip4(&mut self, v: u32) {
        self.set_extra(ExtraField::IgmpGroup, u64::from(v));
    }

    /// The ND "reserved" word (NA flags R/S/O in its top bits; OVS `nd_reserved`), stored
    /// where the IGMP group address lives, as in OVS.
    pub fn nd_reserved(&self) -> u32 {
        self.igmp_group_ip4()
    }

    /// Sets the ND "reserved" word.
    pub fn set_nd_reserved(&mut self, v: u32) {
        self.set_igmp_group_ip4(v);
    }

    /// The type of the first ND link-layer option (OVS `nd_options_type`: 1 source, 2
    /// target, 0 none). OVS keeps it in the `tcp_flags` storage, and so does this flow.
    pub fn nd_options_type(&self) -> u8 {
        self.tcp_flags() as u8
    }

    /// Sets the ND options type.
    pub fn set_nd_options_type(&mut self, v: u8) {
        self.set_tcp_flags(u16::from(v));
    }

    /// Register `reg0`..`reg15` (`None` for an index above 15).
    pub fn reg(&self, idx: usize) -> Option<u32> {
        FieldId::reg(idx).map(|id| self.get(id) as u32)
    }

    /// Sets register `idx`; returns false (and does nothing) for an index above 15.
    pub fn set_reg(&mut self, idx: usize, v: u32) -> bool {
        match FieldId::reg(idx) {
            Some(id) => {
                self.set(id, u128::from(v));
                true
            }
            None => false,
        }
    }
}

/// Which bits of a [`Flow`] a rule cares about: same layout, 1 bits are significant.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowWildcards {
    words: [u64; FLOW_WORDS],
}

impl Default for FlowWildcards {
    fn default() -> Self {
        FlowWildcards {
            words: [0; FLOW_WORDS],
        }
    }
}

impl std::fmt::Debug for FlowWildcards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_map();
        for id in FieldId::ALL {
            let v = self.get(*id);
            if v != 0 && id.info().primary {
                d.entry(&id.name(), &format_args!("{v:#x}"));
            }
        }
        d.finish()
    }
}

impl FlowWildcards {
    /// Everything wildcarded (matches every packet).
    pub fn catchall() -> Self {
        Self::default()
    }

    /// Every bit significant.
    pub fn exact() -> Self {
        FlowWildcards {
            words: [u64::MAX; FLOW_WORDS],
        }
    }

    /// The raw words.
    pub fn words(&self) -> &[u64; FLOW_WORDS] {
        &self.words
    }

    /// Builds a mask from raw words.
    pub fn from_words(words: [u64; FLOW_WORDS]) -> Self {
        FlowWildcards { words }
    }

    /// The mask of `field`, right-aligned.
    pub fn get(&self, field: FieldId) -> u128 {
        let info = field.info();
        get_bits(&self.words, info.loc) & info.valid_mask
    }

    /// The mask of an [`ExtraField`], right-aligned.
    pub fn get_extra(&self, field: ExtraField) -> u64 {
        get_bits(&self.words, field.loc()) as u64
    }

    /// Stores the mask of an [`ExtraField`].
    pub fn set_extra(&mut self, field: ExtraField, mask: u64) {
        set_bits(&mut self.words, field.loc(), u128::from(mask));
    }

    /// Stores the mask of `field` (only the field's valid bits are written).
    pub fn set(&mut self, field: FieldId, mask: u128) {
        let info = field.info();
        let old = get_bits(&self.words, info.loc);
        set_bits(
            &mut self.words,
            info.loc,
            (old & !info.valid_mask) | (mask & info.valid_mask),
        );
    }

    /// True if no bit is significant.
    pub fn is_catchall(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    /// True if `field`'s mask is all ones over the field's valid bits.
    pub fn is_exact(&self, field: FieldId) -> bool {
        let valid = field.info().valid_mask;
        self.get(field) & valid == valid
    }

    /// Word-wise AND (the bits both masks care about).
    pub fn and(&self, other: &FlowWildcards) -> FlowWildcards {
        let mut out = *self;
        for (o, m) in out.words.iter_mut().zip(other.words.iter()) {
            *o &= *m;
        }
        out
    }

    /// Word-wise OR (the bits either mask cares about).
    pub fn or(&self, other: &FlowWildcards) -> FlowWildcards {
        let mut out = *self;
        for (o, m) in out.words.iter_mut().zip(other.words.iter()) {
            *o |= *m;
        }
        out
    }

    /// Number of significant bits (a rough "specificity").
    pub fn count_ones(&self) -> u32 {
        self.words.iter().map(|w| w.count_ones()).sum()
    }
}

/// A flow plus wildcards, normalised so that wildcarded bits are zero in the flow.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug)]
pub struct Match {
    flow: Flow,
    wc: FlowWildcards,
}

impl Match {
    /// The match that matches everything.
    pub fn catchall() -> Self {
        Self::default()
    }

    /// Builds a normalised match from a flow and a mask.
    pub fn new(flow: Flow, wc: FlowWildcards) -> Self {
        Match {
            flow: flow.masked(&wc),
            wc,
        }
    }

    /// The (normalised) values.
    pub fn flow(&self) -> &Flow {
        &self.flow
    }

    /// The mask.
    pub fn wildcards(&self) -> &FlowWildcards {
        &self.wc
    }

    /// Value and mask of `field`.
    pub fn get(&self, field: FieldId) -> (u128, u128) {
        (self.flow.get(field), self.wc.get(field))
    }

    /// The value of `field` if it is matched exactly (over its valid bits).
    pub fn exact_value(&self, field: FieldId) -> Option<u128> {
        if self.wc.is_exact(field) {
            Some(self.flow.get(field))
        } else {
            None
        }
    }

    /// Whether any bit of `field` is significant.
    pub fn is_matched(&self, field: FieldId) -> bool {
        self.wc.get(field) != 0
    }

    /// Sets `field` to `value` under `mask`, replacing whatever was there. Only the field's
    /// valid bits are touched (so e.g. `nw_tos` and `nw_ecn`, which share the ToS byte, do not
    /// disturb each other); bits outside them are dropped from both value and mask. This is the raw storage operation: it does
    /// not apply OpenFlow view semantics (see [`Match::set_field`] for that).
    pub fn set_raw(&mut self, field: FieldId, value: u128, mask: u128) {
        self.wc.set(field, mask);
        self.flow.set(field, value & mask);
    }

    /// Value and mask of an [`ExtraField`].
    pub fn get_extra(&self, field: ExtraField) -> (u64, u64) {
        (self.flow.get_extra(field), self.wc.get_extra(field))
    }

    /// Sets an [`ExtraField`] to `value` under `mask`.
    pub fn set_extra(&mut self, field: ExtraField, value: u64, mask: u64) {
        self.wc.set_extra(field, mask);
        self.flow.set_extra(field, value & mask);
    }

    /// Wildcards `field` entirely.
    pub fn clear(&mut self, field: FieldId) {
        self.set_raw(field, 0, 0);
    }

    /// Whether `flow` (a concrete packet's flow) is selected by this match.
    pub fn matches(&self, flow: &Flow) -> bool {
        flow.eq_masked(&self.flow, &self.wc)
    }
}
