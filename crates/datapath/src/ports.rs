//! Datapath ports: numbering, opening netdevs by type, and the immutable port tables the PMD
//! threads read.
//!
//! The control side keeps the authoritative map (number -> port) under a mutex. Every change
//! builds a new [`PortTable`] — the map plus the assignment of receive queues to PMD threads
//! (ports in number order, dealt round-robin) — and publishes it as an `Arc` with a bumped
//! generation number. A PMD thread checks the generation (one atomic load) once per polling
//! round and, when it moved, takes the new table, re-creates receive batches for ports it
//! gained and records the generation it now runs with. `port_del` waits for every PMD to
//! record the new generation, so once it returns no PMD receives from the port or transmits to
//! it, and the netdev is closed when the last `Arc` goes. It then deletes every megaflow that
//! receives from the port or outputs to it, so the number can be handed out again at once
//! without old megaflows applying to the new port.
//!
//! Numbering: a requested number is used if free. Otherwise an `internal` port gets 0 (the
//! local port, [`dpif::ODPP_LOCAL`]) when 0 is free — the first bridge's local port is the
//! first internal port added — and any other port the lowest free number from 1. Numbers are
//! limited to 16 bits below 0xff00 (flows carry `in_port` in 16 bits).

use std::collections::BTreeMap;
use std::sync::Arc;

use dpif::{DpifError, DpifPort, OdpPort};
use netdev::{Netdev, NetdevError, Offloads};

/// Highest port number handed out (exclusive).
pub const MAX_PORTS: OdpPort = 0xff00;

/// One datapath port.
#[derive(Debug)]
pub struct Port {
    /// Datapath port number.
    pub no: OdpPort,
    /// Name (the device name).
    pub name: String,
    /// Type as reported by `port_query` (`system`, `internal`, `tap`, `dummy`, ...).
    pub port_type: String,
    /// The device.
    pub dev: Arc<dyn Netdev>,
    /// The device's offload capabilities (read once when the port is added).
    pub offloads: Offloads,
}

impl Port {
    /// The `DpifPort` description.
    pub fn describe(&self) -> DpifPort {
        DpifPort {
            name: self.name.clone(),
            port_type: self.port_type.clone(),
            port_no: self.no,
        }
    }
}

/// An immutable snapshot of the ports, published to the PMD threads.
#[derive(Debug, Default)]
pub struct PortTable {
    /// Generation number of this snapshot.
    pub gen: u64,
    /// Ports by number.
    pub by_no: BTreeMap<OdpPort, Arc<Port>>,
    /// For each PMD thread, the ports whose receive queue it polls.
    pub rx: Vec<Vec<Arc<Port>>>,
}

impl PortTable {
    /// Builds a snapshot assigning receive queues round-robin to `n_pmds` threads.
    pub fn build(gen: u64, by_no: &BTreeMap<OdpPort, Arc<Port>>, n_pmds: usize) -> PortTable {
        let n = n_pmds.max(1);
        let mut rx = vec![Vec::new(); n];
        for (i, p) in by_no.values().enumerate() {
            if let Some(list) = rx.get_mut(i % n) {
                list.push(Arc::clone(p));
            }
        }
        PortTable {
            gen,
            by_no: by_no.clone(),
            rx,
        }
    }
}

/// The netdev provider for a datapath port type, and the type name reported back.
pub fn normalize_type(port_type: &str) -> Option<(&'static str, &'static str)> {
    Some(match port_type {
        "" | "system" => ("system", "system"),
        "internal" => ("internal", "internal"),
        "tap" => ("tap", "tap"),
        "dummy" => ("dummy", "dummy"),
        "dummy-internal" => ("dummy", "dummy-internal"),
        "patch" => ("patch", "patch"),
        _ => return None,
    })
}

/// Maps a netdev error met while opening a port to the dpif error a caller expects.
pub fn open_error(name: &str, e: NetdevError) -> DpifError {
    match e {
        NetdevError::NoSuchDevice { .. } => DpifError::NotFound(name.to_string()),
        NetdevError::Unsupported { .. } => DpifError::NotSupported(e.to_string()),
        other => DpifError::Invalid(other.to_string()),
    }
}

/// Chooses a port number: `requested` if free, else per the module documentation.
pub fn choose_number(
    by_no: &BTreeMap<OdpPort, Arc<Port>>,
    requested: Option<OdpPort>,
    internal: bool,
) -> Result<OdpPort, DpifError> {
    if let Some(n) = requested {
        if n >= MAX_PORTS {
            return Err(DpifError::Invalid(format!(
                "port number {n} out of range (at most {})",
                MAX_PORTS - 1
            )));
        }
        if by_no.contains_key(&n) {
            return Err(DpifError::Exists(format!("port {n}")));
        }
        return Ok(n);
    }
    if internal && !by_no.contains_key(&dpif::ODPP_LOCAL) {
        return Ok(dpif::ODPP_LOCAL);
    }
    (1..MAX_PORTS)
        .find(|n| !by_no.contains_key(n))
        .ok_or_else(|| DpifError::NoSpace("no free port number".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(no: OdpPort) -> Arc<Port> {
        let dev = netdev::dummy::DummyNetdev::open(
            &format!("dpt{}x{no}", std::process::id()),
            &netdev::dummy::DummyOptions::default(),
        )
        .unwrap();
        Arc::new(Port {
            no,
            name: format!("p{no}"),
            port_type: "dummy".into(),
            offloads: dev.offloads(),
            dev: Arc::new(dev),
        })
    }

    #[test]
    fn numbering() {
        let mut m = BTreeMap::new();
        assert_eq!(choose_number(&m, None, false), Ok(1));
        assert_eq!(choose_number(&m, None, true), Ok(0));
        m.insert(0, port(0));
        m.insert(1, port(1));
        assert_eq!(choose_number(&m, None, true), Ok(2));
        assert!(matches!(
            choose_number(&m, Some(1), false),
            Err(DpifError::Exists(_))
        ));
        assert_eq!(choose_number(&m, Some(7), false), Ok(7));
        assert!(matches!(
            choose_number(&m, Some(MAX_PORTS), false),
            Err(DpifError::Invalid(_))
        ));
        m.insert(3, port(3));
        let t = PortTable::build(5, &m, 2);
        let nos: Vec<Vec<OdpPort>> =
            t.rx.iter()
                .map(|l| l.iter().map(|p| p.no).collect())
                .collect();
        assert_eq!(nos, vec![vec![0, 3], vec![1]]);
    }
}
