//! The group table: storage and group_mod semantics (execution is the datapath's).
//!
//! Behaviour as observed on Open vSwitch 3.1 (`ovs-ofctl -O OpenFlow15 add-group` ...):
//!
//! * add of an existing id: `OFPGMFC_GROUP_EXISTS`; modify of a missing one:
//!   `OFPGMFC_UNKNOWN_GROUP`; add-or-modify (Open vSwitch's extension) does either; group
//!   ids above `OFPG_MAX` (0xffffff00): `OFPGMFC_INVALID_GROUP`.
//! * An indirect group must have exactly one bucket: `OFPGMFC_INVALID_GROUP` otherwise.
//! * Two buckets with one id: `OFPGMFC_BUCKET_EXISTS`. Before OpenFlow 1.5 the decoder
//!   numbers buckets 0, 1, 2, ...
//! * delete of a missing group is not an error; `group_id=all` deletes every group. Each
//!   deleted group takes the flows that send to it with it (reason `group_delete`): see
//!   [`GroupTable::apply_with_flows`].
//! * insert_bucket puts the new buckets first (`first`), last (`last`), or *after* the
//!   bucket with the given id; an unknown id is `OFPGMFC_UNKNOWN_BUCKET`, a new bucket
//!   whose id is already in the group `OFPGMFC_BUCKET_EXISTS`. remove_bucket removes the
//!   first, the last, all, or the bucket with the given id (unknown:
//!   `OFPGMFC_UNKNOWN_BUCKET`; first/last of an empty group: nothing). Neither checks the
//!   one-bucket rule of indirect groups (Open vSwitch lets an indirect group end up with
//!   none or several this way).
//! * Statistics (observed with `dump-group-stats`): a modify keeps the group's duration and
//!   restarts every counter; inserting or removing buckets restarts the group totals while
//!   the surviving buckets keep their counters. The reference count is the number of flows
//!   sending to the group ([`OfprotoTables::group_ref_count`]).
//! * Open vSwitch does not check group chaining: a bucket may send to a group that does not
//!   exist, groups may form loops, and a group other groups send to may be deleted. Set
//!   [`GroupTable::check_chaining`] for the OpenFlow-spec checks instead (referenced groups
//!   must exist: `OFPBAC_BAD_OUT_GROUP`; no loops: `OFPGMFC_LOOP`; no deleting a group
//!   another group sends to: `OFPGMFC_CHAINED_GROUP`), using
//!   [`RuleActions::referenced_groups`].

use std::collections::{BTreeMap, HashSet};

use crate::error::OfpError;
use crate::rule::{PortNo, RuleActions};
use crate::tables::{FlowModOutcome, OfprotoTables};

/// Largest valid group id (`OFPG_MAX`).
pub const GROUP_MAX: u32 = 0xffff_ff00;
/// `OFPG_ALL`: every group (delete).
pub const GROUP_ALL: u32 = 0xffff_fffc;
/// `OFPG15_BUCKET_FIRST`.
pub const BUCKET_FIRST: u32 = 0xffff_fffd;
/// `OFPG15_BUCKET_LAST`.
pub const BUCKET_LAST: u32 = 0xffff_fffe;
/// `OFPG15_BUCKET_ALL`.
pub const BUCKET_ALL: u32 = 0xffff_ffff;
/// Largest valid bucket id (`OFPG15_BUCKET_MAX`).
pub const BUCKET_MAX: u32 = 0xffff_ff00;

/// Group types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupType {
    /// Every bucket.
    All,
    /// One bucket, chosen by hash and weight.
    Select,
    /// The single bucket.
    Indirect,
    /// The first live bucket.
    FastFailover,
}

impl GroupType {
    /// The name `ovs-ofctl` uses (`type=all`, ...).
    pub fn name(self) -> &'static str {
        match self {
            GroupType::All => "all",
            GroupType::Select => "select",
            GroupType::Indirect => "indirect",
            GroupType::FastFailover => "ff",
        }
    }
}

/// One bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket<A> {
    /// Bucket id (OpenFlow 1.5; numbered 0.. for older versions).
    pub bucket_id: u32,
    /// Weight (select groups).
    pub weight: u16,
    /// Liveness port (fast failover).
    pub watch_port: Option<PortNo>,
    /// Liveness group (fast failover).
    pub watch_group: Option<u32>,
    /// The actions.
    pub actions: A,
}

/// Where [`GroupCommand::InsertBucket`] and [`GroupCommand::RemoveBucket`] act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BucketPosition {
    /// The start of the list.
    First,
    /// The end of the list.
    Last,
    /// Every bucket (remove only).
    All,
    /// After (insert) or at (remove) the bucket with this id.
    Id(u32),
}

impl BucketPosition {
    /// From an OpenFlow 1.5 `command_bucket_id`.
    pub fn from_wire(id: u32) -> Self {
        match id {
            BUCKET_FIRST => BucketPosition::First,
            BUCKET_LAST => BucketPosition::Last,
            BUCKET_ALL => BucketPosition::All,
            n => BucketPosition::Id(n),
        }
    }
}

/// group_mod commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupCommand {
    /// `OFPGC_ADD`.
    Add,
    /// `OFPGC_MODIFY`.
    Modify,
    /// Open vSwitch's add-or-modify.
    AddOrModify,
    /// `OFPGC_DELETE`.
    Delete,
    /// `OFPGC15_INSERT_BUCKET`.
    InsertBucket(BucketPosition),
    /// `OFPGC15_REMOVE_BUCKET`.
    RemoveBucket(BucketPosition),
}

/// A decoded group_mod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMod<A> {
    /// What to do.
    pub command: GroupCommand,
    /// The group (or [`GROUP_ALL`] for delete).
    pub group_id: u32,
    /// Its type (add/modify).
    pub group_type: GroupType,
    /// Buckets (add/modify/insert).
    pub buckets: Vec<Bucket<A>>,
}

/// Group statistics.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupStats {
    /// Packets through the group.
    pub packet_count: u64,
    /// Bytes through the group.
    pub byte_count: u64,
    /// Per-bucket (packets, bytes), in bucket order.
    pub bucket_counts: Vec<(u64, u64)>,
}

/// One group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group<A> {
    /// Its id.
    pub group_id: u32,
    /// Its type.
    pub group_type: GroupType,
    /// Its buckets, in order.
    pub buckets: Vec<Bucket<A>>,
    /// When it was added.
    pub created_ms: u64,
    /// Counters.
    pub stats: GroupStats,
}

/// The groups of one bridge.
#[derive(Debug, Clone)]
pub struct GroupTable<A> {
    groups: BTreeMap<u32, Group<A>>,
    /// Most groups of each type (Open vSwitch: 0xffffff00).
    pub max_groups: u32,
    /// Apply the OpenFlow-spec chaining checks Open vSwitch does not (module docs).
    pub check_chaining: bool,
}

impl<A: RuleActions> Default for GroupTable<A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<A: RuleActions> GroupTable<A> {
    /// An empty table with Open vSwitch's limits.
    pub fn new() -> Self {
        GroupTable {
            groups: BTreeMap::new(),
            max_groups: GROUP_MAX,
            check_chaining: false,
        }
    }

    /// The group with this id.
    pub fn get(&self, group_id: u32) -> Option<&Group<A>> {
        self.groups.get(&group_id)
    }

    /// Every group, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Group<A>> + '_ {
        self.groups.values()
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// True if there are no groups.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Folds datapath statistics into a group and one of its buckets (by position).
    pub fn credit_stats(&mut self, group_id: u32, bucket_index: usize, packets: u64, bytes: u64) {
        if let Some(g) = self.groups.get_mut(&group_id) {
            g.stats.packet_count = g.stats.packet_count.saturating_add(packets);
            g.stats.byte_count = g.stats.byte_count.saturating_add(bytes);
            if let Some(b) = g.stats.bucket_counts.get_mut(bucket_index) {
                b.0 = b.0.saturating_add(packets);
                b.1 = b.1.saturating_add(bytes);
            }
        }
    }

    /// Applies a group_mod at `now_ms`. Returns the ids of deleted groups (whose flows the
    /// caller must delete; see [`GroupTable::apply_with_flows`]). On error nothing changed.
    pub fn apply(&mut self, gm: &GroupMod<A>, now_ms: u64) -> Result<Vec<u32>, OfpError> {
        match gm.command {
            GroupCommand::Delete => return self.delete(gm.group_id),
            GroupCommand::Add | GroupCommand::Modify | GroupCommand::AddOrModify => {}
            GroupCommand::InsertBucket(pos) => {
                self.insert_buckets(gm, pos)?;
                return Ok(Vec::new());
            }
            GroupCommand::RemoveBucket(pos) => {
                self.remove_buckets(gm.group_id, pos)?;
                return Ok(Vec::new());
            }
        }
        if gm.group_id > GROUP_MAX {
            return Err(OfpError::InvalidGroup);
        }
        Self::check_buckets(gm.group_type, &gm.buckets)?;
        let exists = self.groups.contains_key(&gm.group_id);
        match (gm.command, exists) {
            (GroupCommand::Add, true) => return Err(OfpError::GroupExists),
            (GroupCommand::Modify, false) => return Err(OfpError::UnknownGroup),
            _ => {}
        }
        if !exists {
            let same_type = self
                .groups
                .values()
                .filter(|g| g.group_type == gm.group_type)
                .count();
            if same_type as u64 >= u64::from(self.max_groups) {
                return Err(OfpError::OutOfGroups);
            }
        }
        self.check_chain(gm.group_id, &gm.buckets)?;
        let created_ms = self
            .groups
            .get(&gm.group_id)
            .map_or(now_ms, |g| g.created_ms);
        // Observed: a modify keeps the group's age but restarts all its counters.
        let stats = GroupStats {
            bucket_counts: vec![(0, 0); gm.buckets.len()],
            ..GroupStats::default()
        };
        self.groups.insert(
            gm.group_id,
            Group {
                group_id: gm.group_id,
                group_type: gm.group_type,
                buckets: gm.buckets.clone(),
                created_ms,
                stats,
            },
        );
        Ok(Vec::new())
    }

    /// [`GroupTable::apply`], then deletes the flows that sent to deleted groups.
    pub fn apply_with_flows(
        &mut self,
        tables: &mut OfprotoTables<A>,
        gm: &GroupMod<A>,
        now_ms: u64,
    ) -> Result<FlowModOutcome, OfpError> {
        let deleted = self.apply(gm, now_ms)?;
        let mut out = FlowModOutcome::default();
        for g in deleted {
            let o = tables.delete_for_group(g, now_ms);
            out.flow_removed.extend(o.flow_removed);
            out.removed.extend(o.removed);
        }
        Ok(out)
    }

    fn check_buckets(t: GroupType, buckets: &[Bucket<A>]) -> Result<(), OfpError> {
        if t == GroupType::Indirect && buckets.len() != 1 {
            return Err(OfpError::InvalidGroup);
        }
        Self::check_bucket_ids(buckets)
    }

    fn check_bucket_ids(buckets: &[Bucket<A>]) -> Result<(), OfpError> {
        let mut seen = HashSet::new();
        for b in buckets {
            if b.bucket_id > BUCKET_MAX {
                return Err(OfpError::BadBucket);
            }
            if !seen.insert(b.bucket_id) {
                return Err(OfpError::BucketExists);
            }
        }
        Ok(())
    }

    /// The chaining checks, for group `id` getting `buckets`.
    fn check_chain(&self, id: u32, buckets: &[Bucket<A>]) -> Result<(), OfpError> {
        if !self.check_chaining {
            return Ok(());
        }
        let mut stack: Vec<u32> = Vec::new();
        for b in buckets {
            for g in b.actions.referenced_groups() {
                if g == id {
                    return Err(OfpError::Loop);
                }
                if !self.groups.contains_key(&g) {
                    return Err(OfpError::BadOutGroup);
                }
                stack.push(g);
            }
        }
        let mut seen = HashSet::new();
        while let Some(g) = stack.pop() {
            if g == id {
                return Err(OfpError::Loop);
            }
            if !seen.insert(g) {
                continue;
            }
            if let Some(grp) = self.groups.get(&g) {
                for b in &grp.buckets {
                    stack.extend(b.actions.referenced_groups());
                }
            }
        }
        Ok(())
    }

    fn delete(&mut self, group_id: u32) -> Result<Vec<u32>, OfpError> {
        let ids: Vec<u32> = if group_id == GROUP_ALL {
            self.groups.keys().copied().collect()
        } else if self.groups.contains_key(&group_id) {
            vec![group_id]
        } else {
            return Ok(Vec::new());
        };
        if self.check_chaining && group_id != GROUP_ALL {
            let referenced = self.groups.values().any(|g| {
                g.group_id != group_id
                    && g.buckets
                        .iter()
                        .any(|b| b.actions.referenced_groups().contains(&group_id))
            });
            if referenced {
                return Err(OfpError::ChainedGroup);
            }
        }
        for id in &ids {
            self.groups.remove(id);
        }
        Ok(ids)
    }

    fn insert_buckets(&mut self, gm: &GroupMod<A>, pos: BucketPosition) -> Result<(), OfpError> {
        let g = self
            .groups
            .get(&gm.group_id)
            .ok_or(OfpError::UnknownGroup)?;
        let at = match pos {
            BucketPosition::First => 0,
            BucketPosition::Last => g.buckets.len(),
            BucketPosition::All => return Err(OfpError::UnknownBucket),
            BucketPosition::Id(id) => {
                g.buckets
                    .iter()
                    .position(|b| b.bucket_id == id)
                    .ok_or(OfpError::UnknownBucket)?
                    + 1
            }
        };
        let mut buckets = g.buckets.clone();
        let tail = buckets.split_off(at.min(buckets.len()));
        buckets.extend(gm.buckets.iter().cloned());
        buckets.extend(tail);
        Self::check_bucket_ids(&buckets)?;
        self.check_chain(gm.group_id, &gm.buckets)?;
        let mut counts = g.stats.bucket_counts.clone();
        let ctail = counts.split_off(at.min(counts.len()));
        counts.extend(std::iter::repeat_n((0, 0), gm.buckets.len()));
        counts.extend(ctail);
        if let Some(g) = self.groups.get_mut(&gm.group_id) {
            g.buckets = buckets;
            // Observed: the group's totals restart, surviving buckets keep theirs.
            g.stats = GroupStats {
                bucket_counts: counts,
                ..GroupStats::default()
            };
        }
        Ok(())
    }

    fn remove_buckets(&mut self, group_id: u32, pos: BucketPosition) -> Result<(), OfpError> {
        let g = self
            .groups
            .get_mut(&group_id)
            .ok_or(OfpError::UnknownGroup)?;
        let range = match pos {
            BucketPosition::All => 0..g.buckets.len(),
            BucketPosition::First if g.buckets.is_empty() => 0..0,
            BucketPosition::First => 0..1,
            BucketPosition::Last => g.buckets.len().saturating_sub(1)..g.buckets.len(),
            BucketPosition::Id(id) => {
                let i = g
                    .buckets
                    .iter()
                    .position(|b| b.bucket_id == id)
                    .ok_or(OfpError::UnknownBucket)?;
                i..i + 1
            }
        };
        g.buckets.drain(range.clone());
        if range.end <= g.stats.bucket_counts.len() {
            g.stats.bucket_counts.drain(range);
        }
        g.stats.packet_count = 0;
        g.stats.byte_count = 0;
        Ok(())
    }
}
