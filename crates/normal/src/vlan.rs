//! Port VLAN semantics: which packets a port accepts, which VLAN they belong to, and how
//! they must be tagged when they leave through another port.
//!
//! Every packet inside the switch belongs to a VLAN (VLAN 0 for "no VLAN"). A port's
//! configuration (the `Port` table's `tag`, `trunks`, `vlan_mode`, `cvlans`,
//! `other_config:priority-tags` and `other_config:qinq-ethtype`) decides three things:
//!
//! 1. **Admission** ([`PortVlan::check_input`]): access ports refuse any packet with a
//!    nonzero VID; trunk ports refuse VLANs outside `trunks` (VLAN 0, i.e. untagged, included);
//!    native-tagged/-untagged ports always take untagged packets into their native VLAN and
//!    otherwise behave like trunks; dot1q-tunnel ports refuse customer VLANs outside `cvlans`.
//! 2. **Input translation** ([`PortVlan::input_vlans`]): the packet's (up to two) 802.1Q
//!    headers become the switch's internal VLAN stack ([`XVlan`], outermost first). Access
//!    ports replace it with their `tag`; native ports substitute the native VLAN for VID 0;
//!    dot1q-tunnel ports push the service VLAN (TPID from `qinq-ethtype`, 802.1ad by default,
//!    PCP 0) on top of whatever the packet carried.
//! 3. **Output** ([`PortVlan::includes`] and [`PortVlan::output_vlans`]): a port carries a
//!    VLAN if it is its access/service VLAN or a trunked VLAN; on the way out, access ports
//!    strip everything, native-untagged ports strip the native VLAN, dot1q-tunnel ports strip
//!    the service VLAN, and trunks keep the stack as it is.
//!
//! The effective configuration follows `ovs-vswitchd.conf.db(5)`: an empty `vlan_mode` means
//! `access` when `tag` is set and `trunk` otherwise; in trunk mode `tag` is ignored; an empty
//! `trunks` means all VLANs; a native port always trunks its native VLAN and never VLAN 0 as a
//! tagged VLAN (unless its native VLAN is 0, in which case `trunks` is taken as written).
//!
//! Priority tags: a header is written on output when its VID or PCP is nonzero. For ports
//! whose `priority-tags` is not `never`, a packet that leaves with VID 0 keeps the PCP it had
//! inside the switch (so a nonzero PCP produces a VID-0 "priority tag"); for `never` ports an
//! access/native-untagged/tunnel egress drops the PCP. Open vSwitch 3.1 treats `always`
//! exactly like `if-nonzero` (a frame with VID 0 and PCP 0 leaves untagged), and so does
//! this model.

use std::collections::BTreeSet;
use std::fmt;

/// 802.1Q TPID.
pub const TPID_8021Q: u16 = 0x8100;
/// 802.1ad (QinQ service tag) TPID.
pub const TPID_8021AD: u16 = 0x88a8;

/// The `vlan_mode` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VlanMode {
    /// Untagged port in one VLAN (`tag`).
    Access,
    /// 802.1Q trunk of `trunks` (all VLANs when empty).
    Trunk,
    /// Trunk whose untagged packets belong to `tag`; egress in `tag` stays tagged.
    NativeTagged,
    /// Trunk whose untagged packets belong to `tag`; egress in `tag` is untagged.
    NativeUntagged,
    /// QinQ customer port: service VLAN `tag`, customer VLANs `cvlans`.
    Dot1qTunnel,
}

impl VlanMode {
    /// Parses the column value (`access`, `trunk`, `native-tagged`, `native-untagged`,
    /// `dot1q-tunnel`).
    pub fn parse(s: &str) -> Option<VlanMode> {
        Some(match s {
            "access" => VlanMode::Access,
            "trunk" => VlanMode::Trunk,
            "native-tagged" => VlanMode::NativeTagged,
            "native-untagged" => VlanMode::NativeUntagged,
            "dot1q-tunnel" => VlanMode::Dot1qTunnel,
            _ => return None,
        })
    }

    /// The column spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            VlanMode::Access => "access",
            VlanMode::Trunk => "trunk",
            VlanMode::NativeTagged => "native-tagged",
            VlanMode::NativeUntagged => "native-untagged",
            VlanMode::Dot1qTunnel => "dot1q-tunnel",
        }
    }
}

impl fmt::Display for VlanMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `other_config:priority-tags`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PriorityTags {
    /// Never write a VID-0 header (default).
    #[default]
    Never,
    /// Write a VID-0 header when the PCP is nonzero.
    IfNonzero,
    /// Documented as "always"; Open vSwitch 3.1 behaves like `IfNonzero`.
    Always,
}

impl PriorityTags {
    /// Parses `never`, `if-nonzero`, `always`; also the legacy booleans `false`/`true`
    /// (`true` meaning `if-nonzero`).
    pub fn parse(s: &str) -> Option<PriorityTags> {
        Some(match s {
            "never" | "false" => PriorityTags::Never,
            "if-nonzero" | "true" => PriorityTags::IfNonzero,
            "always" => PriorityTags::Always,
            _ => return None,
        })
    }
}

/// The VLAN-related settings of one `Port` row, as configured.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortVlanSettings {
    /// `tag` (values above 4095 are ignored, as an absent tag).
    pub tag: Option<u16>,
    /// `trunks` (empty = all VLANs).
    pub trunks: Vec<u16>,
    /// `vlan_mode` (`None` = implicit, see the module docs).
    pub vlan_mode: Option<VlanMode>,
    /// `cvlans` (empty = all customer VLANs).
    pub cvlans: Vec<u16>,
    /// `other_config:priority-tags`.
    pub priority_tags: PriorityTags,
    /// `other_config:qinq-ethtype` TPID (`None` = 802.1ad, 0x88a8).
    pub qinq_tpid: Option<u16>,
}

/// One internal VLAN header: TPID, VID (12 bits) and PCP (3 bits). VID 0 and PCP 0 means
/// "no header".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct VlanHdr {
    /// TPID (0 when unknown, treated as 0x8100).
    pub tpid: u16,
    /// VLAN ID.
    pub vid: u16,
    /// Priority code point.
    pub pcp: u8,
}

impl VlanHdr {
    /// Whether this header is written to the wire (nonzero VID or PCP).
    pub fn present(&self) -> bool {
        self.vid != 0 || self.pcp != 0
    }
}

/// The switch-internal VLAN stack (outermost first), at most two headers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct XVlan(pub [VlanHdr; 2]);

impl XVlan {
    /// From the TCIs of the packet's outer and inner 802.1Q headers (the 0x1000 bit marks a
    /// present header) and their TPIDs.
    pub fn from_tcis(tci0: u16, tpid0: u16, tci1: u16, tpid1: u16) -> XVlan {
        let mut x = XVlan::default();
        for (i, (tci, tpid)) in [(tci0, tpid0), (tci1, tpid1)].into_iter().enumerate() {
            if tci & 0x1000 == 0 {
                break;
            }
            if let Some(h) = x.0.get_mut(i) {
                *h = VlanHdr {
                    tpid: if tpid == 0 { TPID_8021Q } else { tpid },
                    vid: tci & 0xfff,
                    pcp: (tci >> 13) as u8,
                };
            }
        }
        x
    }

    /// The internal VLAN (outer VID).
    pub fn vid(&self) -> u16 {
        self.0[0].vid
    }

    fn pop(&mut self) {
        self.0[0] = self.0[1];
        self.0[1] = VlanHdr::default();
    }

    fn push(&mut self, h: VlanHdr) {
        self.0[1] = self.0[0];
        self.0[0] = h;
    }

    /// The headers that go on the wire, outermost first (stops at the first absent one).
    pub fn wire_tags(&self) -> Vec<VlanHdr> {
        self.0
            .iter()
            .take_while(|h| h.present())
            .map(|h| VlanHdr {
                tpid: if h.tpid == 0 { TPID_8021Q } else { h.tpid },
                ..*h
            })
            .collect()
    }
}

/// Why a port refused an input packet. `Display` is Open vSwitch's wording.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VlanDrop {
    /// Tagged packet on an access port.
    #[error("dropping VLAN {vid} tagged packet received on port {port} configured as VLAN {tag} access port")]
    TaggedOnAccess {
        /// Packet VID.
        vid: u16,
        /// Port name.
        port: String,
        /// The port's VLAN.
        tag: u16,
    },
    /// VLAN not trunked by a trunk/native port.
    #[error(
        "dropping VLAN {vid} packet received on port {port} not configured for trunking VLAN {vid}"
    )]
    NotTrunked {
        /// Packet VID.
        vid: u16,
        /// Port name.
        port: String,
    },
    /// Customer VLAN excluded by a dot1q-tunnel port's `cvlans`.
    #[error(
        "dropping VLAN {vid} packet received on dot1q-tunnel port {port} that excludes this VLAN"
    )]
    CvlanExcluded {
        /// Packet VID.
        vid: u16,
        /// Port name.
        port: String,
    },
}

/// A port's effective VLAN behaviour (built from [`PortVlanSettings`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortVlan {
    mode: VlanMode,
    /// Access/native/service VLAN (`None` for trunks).
    vlan: Option<u16>,
    /// Trunked VLANs (`None` = all).
    trunks: Option<BTreeSet<u16>>,
    /// Allowed customer VLANs (`None` = all).
    cvlans: Option<BTreeSet<u16>>,
    priority_tags: PriorityTags,
    qinq_tpid: u16,
}

impl Default for PortVlan {
    fn default() -> Self {
        PortVlan::new(&PortVlanSettings::default())
    }
}

fn vlan_set(list: &[u16]) -> Option<BTreeSet<u16>> {
    let set: BTreeSet<u16> = list.iter().copied().filter(|v| *v <= 4095).collect();
    (!set.is_empty()).then_some(set)
}

impl PortVlan {
    /// Resolves the configured settings into effective behaviour.
    pub fn new(s: &PortVlanSettings) -> PortVlan {
        let tag = s.tag.filter(|t| *t <= 4095);
        let mode = s.vlan_mode.unwrap_or(if tag.is_some() {
            VlanMode::Access
        } else {
            VlanMode::Trunk
        });
        let vlan = match mode {
            VlanMode::Trunk => None,
            _ => Some(tag.unwrap_or(0)),
        };
        let configured = vlan_set(&s.trunks);
        let trunks = match mode {
            VlanMode::Access | VlanMode::Dot1qTunnel => None,
            VlanMode::Trunk => configured,
            VlanMode::NativeTagged | VlanMode::NativeUntagged => {
                let native = vlan.unwrap_or(0);
                let needs_fix = native != 0
                    && configured
                        .as_ref()
                        .is_none_or(|t| !t.contains(&native) || t.contains(&0));
                if needs_fix {
                    let mut t = configured.unwrap_or_else(|| (0..=4095).collect());
                    t.insert(native);
                    t.remove(&0);
                    Some(t)
                } else {
                    configured
                }
            }
        };
        let cvlans = if mode == VlanMode::Dot1qTunnel {
            vlan_set(&s.cvlans)
        } else {
            None
        };
        PortVlan {
            mode,
            vlan,
            trunks,
            cvlans,
            priority_tags: s.priority_tags,
            qinq_tpid: s.qinq_tpid.unwrap_or(TPID_8021AD),
        }
    }

    /// The effective mode.
    pub fn mode(&self) -> VlanMode {
        self.mode
    }

    /// The access/native/service VLAN (`None` for a trunk).
    pub fn vlan(&self) -> Option<u16> {
        self.vlan
    }

    fn trunks_vlan(&self, vid: u16) -> bool {
        self.mode != VlanMode::Access && self.trunks.as_ref().is_none_or(|t| t.contains(&vid))
    }

    fn allows_cvlan(&self, vid: u16) -> bool {
        self.cvlans.as_ref().is_none_or(|c| c.contains(&vid))
    }

    /// Whether the port admits a packet whose outer VID is `vid` (0 = untagged or priority
    /// tagged). `port` is the name used in the error.
    pub fn check_input(&self, vid: u16, port: &str) -> Result<(), VlanDrop> {
        match self.mode {
            VlanMode::Access => {
                if vid != 0 {
                    return Err(VlanDrop::TaggedOnAccess {
                        vid,
                        port: port.to_string(),
                        tag: self.vlan.unwrap_or(0),
                    });
                }
            }
            VlanMode::NativeTagged | VlanMode::NativeUntagged | VlanMode::Trunk => {
                let native = matches!(self.mode, VlanMode::NativeTagged | VlanMode::NativeUntagged);
                let admitted = (native && vid == 0) || self.trunks_vlan(vid);
                if !admitted {
                    return Err(VlanDrop::NotTrunked {
                        vid,
                        port: port.to_string(),
                    });
                }
            }
            VlanMode::Dot1qTunnel => {
                if !self.allows_cvlan(vid) {
                    return Err(VlanDrop::CvlanExcluded {
                        vid,
                        port: port.to_string(),
                    });
                }
            }
        }
        Ok(())
    }

    /// The internal VLAN stack of an admitted packet whose own headers are `pkt`.
    pub fn input_vlans(&self, pkt: &XVlan) -> XVlan {
        let own = self.vlan.unwrap_or(0);
        let in0 = pkt.0[0];
        let tpid = if in0.tpid == 0 { TPID_8021Q } else { in0.tpid };
        match self.mode {
            VlanMode::Access => XVlan([
                VlanHdr {
                    tpid,
                    vid: own,
                    pcp: in0.pcp,
                },
                VlanHdr::default(),
            ]),
            VlanMode::Trunk => *pkt,
            VlanMode::NativeTagged | VlanMode::NativeUntagged => {
                let mut x = *pkt;
                if in0.vid == 0 {
                    x.0[0] = VlanHdr {
                        tpid,
                        vid: own,
                        pcp: in0.pcp,
                    };
                }
                x
            }
            VlanMode::Dot1qTunnel => {
                let mut x = *pkt;
                x.push(VlanHdr {
                    tpid: self.qinq_tpid,
                    vid: own,
                    pcp: 0,
                });
                x
            }
        }
    }

    /// Whether a packet with internal stack `x` may leave through this port.
    pub fn includes(&self, x: &XVlan) -> bool {
        let own = self.vlan.unwrap_or(0);
        match self.mode {
            VlanMode::Access => x.0[0].vid == own && x.0[1].vid == 0,
            VlanMode::Trunk | VlanMode::NativeTagged | VlanMode::NativeUntagged => {
                self.trunks_vlan(x.0[0].vid)
            }
            VlanMode::Dot1qTunnel => x.0[0].vid == own && self.allows_cvlan(x.0[1].vid),
        }
    }

    /// Whether this port's `cvlans` makes the packet's inner VID significant.
    pub fn consults_cvlan(&self) -> bool {
        self.mode == VlanMode::Dot1qTunnel && self.cvlans.is_some()
    }

    /// Whether [`PortVlan::includes`] reads the inner header of the internal stack.
    pub fn includes_reads_inner(&self) -> bool {
        self.mode == VlanMode::Access || self.consults_cvlan()
    }

    /// Whether the internal stack's inner header comes from the packet's second 802.1Q
    /// header when a packet enters through this port (trunk and native ports).
    pub fn inner_from_packet(&self) -> bool {
        matches!(
            self.mode,
            VlanMode::Trunk | VlanMode::NativeTagged | VlanMode::NativeUntagged
        )
    }

    /// The headers a packet with internal stack `x` carries when it leaves this port.
    pub fn output_vlans(&self, x: &XVlan) -> XVlan {
        let mut out = *x;
        match self.mode {
            VlanMode::Access => out = XVlan::default(),
            VlanMode::Trunk | VlanMode::NativeTagged => {}
            VlanMode::NativeUntagged => {
                if Some(x.0[0].vid) == self.vlan {
                    out.pop();
                }
            }
            VlanMode::Dot1qTunnel => out.pop(),
        }
        if self.priority_tags != PriorityTags::Never && out.0[0].vid == 0 {
            out.0[0].pcp = x.0[0].pcp;
            if out.0[0].tpid == 0 {
                out.0[0].tpid = TPID_8021Q;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(tag: Option<u16>, trunks: &[u16], mode: Option<VlanMode>) -> PortVlan {
        PortVlan::new(&PortVlanSettings {
            tag,
            trunks: trunks.to_vec(),
            vlan_mode: mode,
            ..Default::default()
        })
    }

    #[test]
    fn implicit_modes_and_native_trunks() {
        assert_eq!(port(Some(5), &[1], None).mode(), VlanMode::Access);
        assert_eq!(port(None, &[], None).mode(), VlanMode::Trunk);
        let t = port(Some(7), &[], Some(VlanMode::Trunk));
        assert_eq!(t.vlan(), None);
        let n = port(Some(2), &[0, 3], Some(VlanMode::NativeTagged));
        assert!(n.check_input(2, "p").is_ok() && n.check_input(0, "p").is_ok());
        assert!(n.check_input(4, "p").is_err());
        assert!(!n.includes(&XVlan::default()));
    }

    #[test]
    fn drop_wording() {
        let a = port(Some(1), &[], None);
        let e = a.check_input(5, "p1").err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("dropping VLAN 5 tagged packet received on port p1 configured as VLAN 1 access port")
        );
    }
}
