//! `brctl`: bridge-utils' brctl(8) for ferroswitch, so tools written for the Linux bridge drive
//! the switch instead (seed scenario 1: Xen's `qemu-ifup` runs `brctl addif $bridge $tap`).
//!
//! With no kernel bridge module to intercept, compatibility lives in the command itself, as
//! Open vSwitch's ovs-brcompatd once provided it: brctl accepts bridge-utils' command line
//! ([`cli`]), checks names and reports failures in bridge-utils' words with its exit statuses
//! ([`commands`]), and carries each command out with ferroswitch's own ovs-vsctl and ovs-appctl
//! found next to it ([`switch`]). `brctl show` and `brctl showmacs` print bridge-utils' tables
//! ([`render`]) from the configuration database and the MAC learning table ([`model`]).
//!
//! docs/brctl.md lists the commands, what each becomes, and where the behaviour differs from
//! the Linux bridge.

mod cli;
mod cnum;
mod commands;
mod model;
mod render;
mod switch;

use std::io::Write;
use std::process::ExitCode;

use cli::Invocation;

fn main() -> ExitCode {
    let mut argv = std::env::args_os().map(|a| a.to_string_lossy().into_owned());
    let argv0 = argv.next().unwrap_or_else(|| "brctl".to_string());
    let args: Vec<String> = argv.collect();
    let posixly_correct = std::env::var_os("POSIXLY_CORRECT").is_some();
    let (stdout, stderr, status) = match cli::parse(&argv0, &args, posixly_correct) {
        Invocation::Done {
            stdout,
            stderr,
            status,
        } => (stdout, stderr, status),
        Invocation::Run { command, args } => {
            let mut tools = switch::Tools::beside_current_exe();
            let o = commands::execute(&mut tools, &command, &args);
            (o.stdout, o.stderr, o.status)
        }
    };
    // A closed pipe (`brctl show | head -1`) is not an error worth reporting.
    let _ = std::io::stdout().lock().write_all(stdout.as_bytes());
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().lock().write_all(stderr.as_bytes());
    ExitCode::from(u8::try_from(status).unwrap_or(1))
}
