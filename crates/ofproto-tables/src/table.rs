//! One OpenFlow table: its classifier, configuration and `dump-tables` counters.
//!
//! Open vSwitch has 255 tables (0..=254). Table 254 is its internal table: hidden from
//! "all tables" requests and read-only to controllers (an add or a modify/delete that only
//! finds its rules gets `OFPBRC_EPERM`). [`TableConfig::default_for`] reproduces that.

use classifier::Classifier;
use flow::FieldId;

use crate::flow_mod::OfVersion;
use crate::rule::RuleId;

/// Number of OpenFlow tables Open vSwitch has.
pub const N_TABLES: usize = 255;

/// The id of Open vSwitch's internal (hidden, read-only) table.
pub const TABLE_INTERNAL: u8 = 254;

/// `max_entries` Open vSwitch reports for a table without a flow limit.
pub const DEFAULT_MAX_ENTRIES: u32 = 1_000_000;

/// What happens to a packet that matches no rule (OpenFlow 1.1-1.2 table config; Open
/// vSwitch's `table-miss` setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TableMiss {
    /// The version's default: to the controller for OpenFlow 1.0-1.2, drop for 1.3+.
    #[default]
    Default,
    /// Send to the controller.
    Controller,
    /// Continue with the next table.
    Continue,
    /// Drop.
    Drop,
}

/// What a miss actually does, once [`TableMiss::Default`] is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MissAction {
    /// Packet-in to the controller.
    Controller,
    /// Next table.
    Continue,
    /// Drop.
    Drop,
}

impl TableMiss {
    /// The effective behaviour for a controller speaking `version`.
    pub fn resolve(self, version: OfVersion) -> MissAction {
        match self {
            TableMiss::Default if version < OfVersion::Of13 => MissAction::Controller,
            TableMiss::Default => MissAction::Drop,
            TableMiss::Controller => MissAction::Controller,
            TableMiss::Continue => MissAction::Continue,
            TableMiss::Drop => MissAction::Drop,
        }
    }
}

/// Per-table configuration (the `Flow_Table` row plus OpenFlow table_mod state).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableConfig {
    /// Table name (`name` column), if any.
    pub name: Option<String>,
    /// Most rules the table may hold (`flow_limit`; `u32::MAX` when unlimited).
    pub max_flows: u32,
    /// Whether adds to a full table evict (`overflow_policy=evict` or table_mod `evict`).
    pub eviction: bool,
    /// Fields whose values divide rules into eviction groups (`groups` column).
    pub eviction_fields: Vec<FieldId>,
    /// Miss behaviour.
    pub miss: TableMiss,
    /// Controllers may not change it.
    pub read_only: bool,
    /// Skipped by "all tables" requests.
    pub hidden: bool,
}

impl Default for TableConfig {
    fn default() -> Self {
        TableConfig {
            name: None,
            max_flows: u32::MAX,
            eviction: false,
            eviction_fields: Vec::new(),
            miss: TableMiss::Default,
            read_only: false,
            hidden: false,
        }
    }
}

impl TableConfig {
    /// The default configuration of table `table_id` in Open vSwitch.
    pub fn default_for(table_id: u8) -> Self {
        let internal = table_id == TABLE_INTERNAL;
        TableConfig {
            read_only: internal,
            hidden: internal,
            ..TableConfig::default()
        }
    }

    /// `max_entries` as `dump-tables` shows it.
    pub fn max_entries(&self) -> u32 {
        self.max_flows.min(DEFAULT_MAX_ENTRIES)
    }
}

/// `dump-tables` statistics of one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TableStats {
    /// Rules in the table.
    pub active_count: u64,
    /// Packets looked up in it.
    pub lookup_count: u64,
    /// Packets that matched a rule.
    pub matched_count: u64,
}

/// One table: classifier of rule ids plus configuration and counters.
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) cls: Classifier<RuleId>,
    pub(crate) config: TableConfig,
    pub(crate) lookups: u64,
    pub(crate) matched: u64,
}

impl Table {
    pub(crate) fn new(table_id: u8) -> Self {
        Table {
            cls: Classifier::new(),
            config: TableConfig::default_for(table_id),
            lookups: 0,
            matched: 0,
        }
    }
}
