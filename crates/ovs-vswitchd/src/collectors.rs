//! The collectors a flow exporter (sFlow, NetFlow) sends its UDP datagrams to: the `targets`
//! column parsed into addresses, and one unbound-port socket of the first target's address
//! family to send from.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs, UdpSocket};

/// The collectors of one exporter.
#[derive(Debug)]
pub struct Collectors {
    /// Their addresses, in `targets` order (unparsable ones left out).
    pub targets: Vec<SocketAddr>,
    sock: UdpSocket,
}

/// `IP:PORT`, `[IPv6]:PORT` or `HOST:PORT`; with a `default_port`, also `IP` and `HOST`.
fn parse_target(t: &str, default_port: Option<u16>) -> Option<SocketAddr> {
    if let Ok(a) = t.parse::<SocketAddr>() {
        return Some(a);
    }
    match default_port {
        Some(port) if !t.contains(':') => (t, port).to_socket_addrs().ok()?.next(),
        Some(port) => match t.parse() {
            Ok(ip) => Some(SocketAddr::new(ip, port)),
            Err(_) => t.to_socket_addrs().ok()?.next(),
        },
        None => t.to_socket_addrs().ok()?.next(),
    }
}

/// The wildcard address of `target`'s family, port 0.
pub fn any_address(target: &SocketAddr) -> SocketAddr {
    if target.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (Ipv6Addr::UNSPECIFIED, 0).into()
    }
}

impl Collectors {
    /// Parses `targets` and opens the sending socket; an error if none parses.
    pub fn open(targets: &[String], default_port: Option<u16>) -> Result<Collectors, String> {
        let targets: Vec<SocketAddr> = targets
            .iter()
            .filter_map(|t| parse_target(t, default_port))
            .collect();
        let first = targets
            .first()
            .ok_or_else(|| "no valid collector in targets".to_string())?;
        let sock = UdpSocket::bind(any_address(first)).map_err(|e| e.to_string())?;
        sock.set_nonblocking(true).map_err(|e| e.to_string())?;
        Ok(Collectors { targets, sock })
    }

    /// Sends every datagram to every collector. A collector that is down or a full socket
    /// buffer loses the datagram, as UDP export does anywhere.
    pub fn send(&self, datagrams: &[Vec<u8>]) {
        for d in datagrams {
            for t in &self.targets {
                let _ = self.sock.send_to(d, t);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_with_and_without_ports() {
        let a = |s: &str| s.parse::<SocketAddr>().unwrap();
        assert_eq!(parse_target("127.0.0.1:9", None), Some(a("127.0.0.1:9")));
        assert_eq!(parse_target("[::1]:9", None), Some(a("[::1]:9")));
        assert_eq!(parse_target("127.0.0.1", None), None);
        assert_eq!(
            parse_target("127.0.0.1", Some(6343)),
            Some(a("127.0.0.1:6343"))
        );
        assert_eq!(parse_target("::1", Some(6343)), Some(a("[::1]:6343")));
        assert_eq!(
            parse_target("localhost:9", Some(6343)).map(|s| s.port()),
            Some(9)
        );
        assert!(Collectors::open(&["nonsense".into()], None).is_err());
        let c = Collectors::open(&["bad".into(), "127.0.0.1:9".into()], None).unwrap();
        assert_eq!(c.targets, vec![a("127.0.0.1:9")]);
    }
}
