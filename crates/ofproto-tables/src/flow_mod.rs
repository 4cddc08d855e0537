//! The flow_mod request, independent of its wire encoding.
//!
//! A [`FlowMod`] carries what Open vSwitch's decoder turns every OpenFlow version's flow_mod
//! (and Nicira's `NXT_FLOW_MOD`) into. The version-specific decoding rules that matter to
//! the semantics, as observed on Open vSwitch 3.1, are:
//!
//! * **Cookies.** `cookie`/`cookie_mask` filter the rules a modify or delete touches;
//!   `new_cookie` is the cookie an add gives its rule and, when `modify_cookie` is set, the
//!   cookie a modify writes into the rules it changes. OpenFlow 1.0 messages carry the
//!   cookie as a new cookie that a modify writes (`ovs-ofctl -O OpenFlow10 mod-flows br0
//!   in_port=1,actions=...` resets the cookie to 0); an OpenFlow 1.1 modify with a zero
//!   cookie mask has a new cookie, used only if it adds a rule (existing rules keep their
//!   cookies); OpenFlow 1.2 and later treat a modify's cookie as a filter only.
//!   [`FlowMod::set_wire_cookie`] applies these rules.
//! * **Modify adds.** A modify (strict or not) that matches no rule adds one when it has a
//!   new cookie and no cookie mask: in practice OpenFlow 1.0 and 1.1 modifies add, 1.2+
//!   modifies do not. See [`FlowMod::modify_may_add`].
//! * **Counters of a replaced rule.** An add that replaces an identical rule (same match
//!   and priority) keeps its packet and byte counters unless `reset_counts` is set; Open
//!   vSwitch sets `reset_counts` implicitly for OpenFlow 1.0 and 1.1 adds
//!   ([`FlowMod::apply_version_defaults`]). A modify keeps counters unless `reset_counts`
//!   (an OpenFlow 1.3+ flag; OpenFlow 1.0 cannot carry it).
//! * **`out_port`/`out_group`** filter deletes only; modifies ignore them.
//! * **All tables.** `table_id=255` selects every table in OpenFlow 1.0 (Nicira table-id
//!   extension) modifies and deletes, and adds go to table 0. OpenFlow 1.2+ allows 255 only
//!   in deletes and OpenFlow 1.1 not at all: anything else is `OFPFMFC_BAD_TABLE_ID`
//!   ([`FlowMod::check_version`]). `ovs-ofctl` therefore sends table 0 for an OpenFlow 1.1+
//!   add or modify without `table=`, so such a modify only changes table 0.
//! * **Importance** exists only in OpenFlow 1.4+ adds (0 otherwise).

use flow::Match;

use crate::error::OfpError;
use crate::rule::{FlowModFlags, PortNo};

/// `table_id` meaning "all tables" (`OFPTT_ALL`).
pub const TABLE_ALL: u8 = 0xff;

/// The OpenFlow priority a flow_mod gets when none is given.
pub const DEFAULT_PRIORITY: u16 = 0x8000;

/// OpenFlow protocol versions, for the few semantics that depend on the version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OfVersion {
    /// OpenFlow 1.0 (also Nicira-extended 1.0).
    Of10,
    /// OpenFlow 1.1.
    Of11,
    /// OpenFlow 1.2.
    Of12,
    /// OpenFlow 1.3.
    Of13,
    /// OpenFlow 1.4.
    Of14,
    /// OpenFlow 1.5.
    Of15,
}

/// What a flow_mod does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlowModCommand {
    /// `OFPFC_ADD`.
    Add,
    /// `OFPFC_MODIFY`: every rule at least as specific as the match.
    Modify,
    /// `OFPFC_MODIFY_STRICT`: the rule with exactly this match and priority.
    ModifyStrict,
    /// `OFPFC_DELETE`: every rule at least as specific as the match.
    Delete,
    /// `OFPFC_DELETE_STRICT`: the rule with exactly this match and priority.
    DeleteStrict,
}

impl FlowModCommand {
    /// True for the two strict commands.
    pub fn is_strict(self) -> bool {
        matches!(
            self,
            FlowModCommand::ModifyStrict | FlowModCommand::DeleteStrict
        )
    }
}

/// A decoded flow_mod. `A` is the actions payload (ignored by deletes).
#[derive(Debug, Clone, PartialEq)]
pub struct FlowMod<A> {
    /// What to do.
    pub command: FlowModCommand,
    /// Target table, or [`TABLE_ALL`] (for an add: table 0, as Open vSwitch does).
    pub table_id: u8,
    /// The match (criteria for modify/delete).
    pub match_: Match,
    /// Priority (used by add and by the strict commands).
    pub priority: u16,
    /// Cookie filter value for modify/delete.
    pub cookie: u64,
    /// Cookie filter mask (0: no filtering).
    pub cookie_mask: u64,
    /// The cookie an add sets, and (with `modify_cookie`) a modify writes (see the module
    /// documentation). `None` is Open vSwitch's "no new cookie" (all-ones).
    pub new_cookie: Option<u64>,
    /// Whether a modify writes `new_cookie` into the rules it changes (OpenFlow 1.0 and
    /// Nicira flow_mods; never OpenFlow 1.1+, even when a 1.1 modify has a new cookie for
    /// the rule it may add).
    pub modify_cookie: bool,
    /// Idle timeout of an added rule, seconds.
    pub idle_timeout: u16,
    /// Hard timeout of an added rule, seconds.
    pub hard_timeout: u16,
    /// Importance of an added rule.
    pub importance: u16,
    /// Flags.
    pub flags: FlowModFlags,
    /// Delete filter: only rules that output to this port (`None`: `OFPP_ANY`).
    pub out_port: Option<PortNo>,
    /// Delete filter: only rules that output to this group (`None`: `OFPG_ANY`).
    pub out_group: Option<u32>,
    /// Internal flow_mods (Open vSwitch's own) may change read-only tables.
    pub no_readonly: bool,
    /// The actions of added or modified rules.
    pub actions: A,
}

impl<A> FlowMod<A> {
    /// A flow_mod with `command` on `table_id` and everything else at the OpenFlow
    /// defaults (priority 0x8000, cookie 0, no timeouts, no flags, no filters).
    pub fn new(command: FlowModCommand, table_id: u8, match_: Match, actions: A) -> Self {
        FlowMod {
            command,
            table_id,
            match_,
            priority: DEFAULT_PRIORITY,
            cookie: 0,
            cookie_mask: 0,
            new_cookie: if command == FlowModCommand::Add {
                Some(0)
            } else {
                None
            },
            modify_cookie: false,
            idle_timeout: 0,
            hard_timeout: 0,
            importance: 0,
            flags: FlowModFlags::default(),
            out_port: None,
            out_group: None,
            no_readonly: false,
            actions,
        }
    }

    /// Builder: sets the priority.
    pub fn with_priority(mut self, priority: u16) -> Self {
        self.priority = priority;
        self
    }

    /// Whether a modify that matches nothing adds a rule instead (it has a new cookie and
    /// does not filter on the cookie).
    pub fn modify_may_add(&self) -> bool {
        self.new_cookie.is_some() && self.cookie_mask == 0
    }

    /// The cookie an add gives its rule.
    pub fn add_cookie(&self) -> u64 {
        self.new_cookie.unwrap_or(self.cookie)
    }

    /// Rejects what a `version` message cannot ask for (see the module documentation):
    /// `table_id=255` outside OpenFlow 1.0 deletes/modifies and 1.2+ deletes.
    pub fn check_version(&self, version: OfVersion) -> Result<(), OfpError> {
        let delete = matches!(
            self.command,
            FlowModCommand::Delete | FlowModCommand::DeleteStrict
        );
        if self.table_id == TABLE_ALL
            && version > OfVersion::Of10
            && (version == OfVersion::Of11 || !delete)
        {
            return Err(OfpError::FlowModBadTableId);
        }
        Ok(())
    }

    /// Applies the implicit, version-dependent parts of Open vSwitch's decoding that are not
    /// about the cookie: an OpenFlow 1.0 or 1.1 add resets the counters of the rule it
    /// replaces.
    pub fn apply_version_defaults(&mut self, version: OfVersion) {
        if self.command == FlowModCommand::Add && version <= OfVersion::Of11 {
            self.flags.reset_counts = true;
        }
    }

    /// Sets the cookie fields from a wire message's `cookie` and `cookie_mask` as Open
    /// vSwitch's decoder does for `version` (see the module documentation). For OpenFlow 1.0
    /// a non-zero mask stands for a Nicira flow_mod that matches on the cookie (what
    /// `ovs-ofctl` sends for `cookie=V/M`): a filter, with no new cookie. Nicira flow_mods
    /// that carry both can set the fields directly.
    pub fn set_wire_cookie(&mut self, version: OfVersion, cookie: u64, cookie_mask: u64) {
        let as_new = match self.command {
            FlowModCommand::Add => true,
            FlowModCommand::Modify | FlowModCommand::ModifyStrict => match version {
                OfVersion::Of10 => true,
                OfVersion::Of11 => cookie_mask == 0,
                _ => false,
            },
            FlowModCommand::Delete | FlowModCommand::DeleteStrict => false,
        };
        if as_new && !(version == OfVersion::Of10 && cookie_mask != 0) {
            self.new_cookie = Some(cookie);
            self.cookie = 0;
            self.cookie_mask = 0;
        } else {
            self.new_cookie = None;
            self.cookie = cookie;
            self.cookie_mask = cookie_mask;
        }
        self.modify_cookie = version == OfVersion::Of10 && self.new_cookie.is_some();
    }
}
