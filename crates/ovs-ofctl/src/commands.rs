//! The command table: every command `ovs-ofctl` knows, with its argument counts (as OVS
//! enforces them) and its handler.
//!
//! Dispatch checks the argument count before running anything, with OVS's messages
//! (`'show' command requires at least 1 arguments`, `... takes at most 1 arguments`), so a
//! script that misuses a command sees the same error whether or not the command is
//! implemented here yet. Commands not implemented yet have [`not_yet`] as their handler.

use crate::session::Session;
use crate::{flows, groups, meters, offline, online, packet_out, Fatal};

/// A command handler: the context and the command's arguments (without its name).
pub type Handler = fn(&mut Session, &[String]) -> Result<(), Fatal>;

/// One command.
pub struct Command {
    /// Name as typed.
    pub name: &'static str,
    /// Minimum number of arguments.
    pub min: usize,
    /// Maximum number of arguments.
    pub max: usize,
    /// What runs it.
    pub run: Handler,
}

const fn cmd(name: &'static str, min: usize, max: usize, run: Handler) -> Command {
    Command {
        name,
        min,
        max,
        run,
    }
}

const MANY: usize = usize::MAX;

/// Handler for commands that are recognised but not implemented yet.
fn not_yet(_: &mut Session, _: &[String]) -> Result<(), Fatal> {
    Err(Fatal(
        "this command is not implemented yet in ferroswitch's ovs-ofctl".into(),
    ))
}

fn parse_flow(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    offline::parse_flow(&s.cx, a)
}

fn parse_flows(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    offline::parse_flows(&s.cx, a)
}

fn ofp_print(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    offline::ofp_print(&s.cx, a)
}

/// Every command, online and offline.
pub const COMMANDS: &[Command] = &[
    // Switch commands (need a connection).
    cmd("show", 1, 1, online::show),
    cmd("monitor", 1, 3, online::monitor),
    cmd("snoop", 1, 1, online::snoop),
    cmd("dump-desc", 1, 1, online::dump_desc),
    cmd("dump-tables", 1, 1, online::dump_tables),
    cmd("dump-table-features", 1, 1, online::dump_table_features),
    cmd("dump-table-desc", 1, 1, online::dump_table_desc),
    cmd("get-frags", 1, 1, online::get_frags),
    cmd("set-frags", 2, 2, online::set_frags),
    cmd("mod-port", 3, 3, online::mod_port),
    cmd("mod-table", 3, 3, online::mod_table),
    cmd("dump-ports", 1, 2, online::dump_ports),
    cmd("dump-ports-desc", 1, 2, online::dump_ports_desc),
    cmd("dump-flows", 1, 2, flows::dump_flows),
    cmd("dump-aggregate", 1, 2, flows::dump_aggregate),
    cmd("queue-stats", 1, 3, online::queue_stats),
    cmd("queue-get-config", 1, 3, online::queue_get_config),
    cmd("add-flow", 2, 2, flows::add_flow),
    cmd("add-flows", 2, 2, flows::add_flows),
    cmd("mod-flows", 2, 2, flows::mod_flows),
    cmd("del-flows", 1, 2, flows::del_flows),
    cmd("replace-flows", 2, 2, not_yet),
    cmd("diff-flows", 2, 2, not_yet),
    cmd("add-group", 1, 2, groups::add_group),
    cmd("add-groups", 2, 2, groups::add_groups),
    cmd("mod-group", 1, 2, groups::mod_group),
    cmd("del-groups", 1, 2, groups::del_groups),
    cmd("insert-buckets", 1, 2, not_yet),
    cmd("remove-buckets", 1, 2, not_yet),
    cmd("dump-groups", 1, 2, groups::dump_groups),
    cmd("dump-group-stats", 1, 2, groups::dump_group_stats),
    cmd("dump-group-features", 1, 1, online::dump_group_features),
    cmd("add-meter", 2, 2, meters::add_meter),
    cmd("mod-meter", 2, 2, meters::mod_meter),
    cmd("del-meter", 1, 2, meters::del_meters),
    cmd("del-meters", 1, 2, meters::del_meters),
    cmd("dump-meter", 1, 2, meters::dump_meters),
    cmd("dump-meters", 1, 2, meters::dump_meters),
    cmd("meter-stats", 1, 2, meters::meter_stats),
    cmd("meter-features", 1, 1, meters::meter_features),
    cmd("add-tlv-map", 2, 2, not_yet),
    cmd("del-tlv-map", 1, 2, not_yet),
    cmd("dump-tlv-map", 1, 1, not_yet),
    cmd("dump-ipfix-bridge", 1, 1, not_yet),
    cmd("dump-ipfix-flow", 1, 1, not_yet),
    cmd("ct-flush-zone", 2, 2, not_yet),
    cmd("ct-flush", 1, 4, not_yet),
    cmd("packet-out", 2, MANY, packet_out::packet_out),
    cmd("probe", 1, 1, online::probe),
    cmd("ping", 1, 2, not_yet),
    cmd("benchmark", 3, 3, not_yet),
    cmd("bundle", 2, 2, not_yet),
    // Offline commands.
    cmd("parse-flow", 1, 1, parse_flow),
    cmd("parse-flows", 1, 1, parse_flows),
    cmd("ofp-print", 1, 2, ofp_print),
    cmd("ofp-parse", 1, 1, not_yet),
    cmd("ofp-parse-pcap", 1, MANY, not_yet),
    cmd("parse-nxm", 0, 0, not_yet),
    cmd("parse-oxm", 1, 1, not_yet),
    cmd("parse-actions", 1, 1, not_yet),
    cmd("parse-instructions", 1, 1, not_yet),
    cmd("parse-ofp10-match", 0, 0, not_yet),
    cmd("parse-ofp11-match", 0, 0, not_yet),
    cmd("parse-pcap", 1, MANY, not_yet),
    cmd("check-vlan", 2, 2, not_yet),
    cmd("print-error", 1, 1, not_yet),
    cmd("encode-error-reply", 2, 2, not_yet),
    cmd("encode-hello", 1, 1, not_yet),
    cmd("compose-packet", 1, 2, crate::compose::compose_packet),
    cmd("parse-packet", 0, 0, not_yet),
    cmd("parse-group", 1, 1, not_yet),
];

/// Runs command `name` with `args`, checking the argument count first.
pub fn run(s: &mut Session, name: &str, args: &[String]) -> Result<(), Fatal> {
    let Some(c) = COMMANDS.iter().find(|c| c.name == name) else {
        return Err(Fatal(format!(
            "unknown command '{name}'; use --help for help"
        )));
    };
    if args.len() < c.min {
        return Err(Fatal(format!(
            "'{name}' command requires at least {} arguments",
            c.min
        )));
    }
    if args.len() > c.max {
        return Err(Fatal(format!(
            "'{name}' command takes at most {} arguments",
            c.max
        )));
    }
    (c.run)(s, args)
}
