//! Comparing `ofproto/trace` output with Open vSwitch's when floods are involved.
//!
//! Open vSwitch floods in the order of a hash map, which changes from run to run; a
//! `Datapath actions:` line is therefore compared as a *set* of outputs, each output
//! labelled with the VLAN stack and header rewrites in force when it happens. Works on the
//! text alone (no dependency on the datapath crates, so every crate can use it in tests).

/// Splits a datapath action list at top-level commas.
pub fn split_actions(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// The packet's VLAN tags (`vlan_tci` values, outermost first) as `push_vlan` prints them.
pub fn vlan_tags(tcis: &[u16]) -> Vec<String> {
    tcis.iter()
        .take_while(|t| *t & 0x1000 != 0)
        .map(|t| format!("vid={},pcp={}", t & 0xfff, t >> 13))
        .collect()
}

/// Rewrites a `Datapath actions: ...` line as a sorted set of labelled outputs; any other
/// line, or a line with actions other than outputs, VLAN pushes/pops and `set(...)`, is
/// returned unchanged.
pub fn normalise_ports(l: &str, tags: &[String]) -> String {
    let Some(rest) = l.strip_prefix("Datapath actions: ") else {
        return l.to_string();
    };
    let mut stack: Vec<String> = tags.iter().rev().cloned().collect();
    let mut sets: Vec<String> = Vec::new();
    let mut outputs: Vec<String> = Vec::new();
    for a in split_actions(rest) {
        if a.parse::<u32>().is_ok() {
            let mut s = sets.clone();
            s.sort();
            outputs.push(format!("{a}[{}] {}", stack.join("/"), s.join(" ")));
        } else if a == "pop_vlan" {
            stack.pop();
        } else if let Some(t) = a
            .strip_prefix("push_vlan(")
            .and_then(|t| t.strip_suffix(')'))
        {
            stack.push(t.to_string());
        } else if let Some(t) = a.strip_prefix("set(").and_then(|t| t.strip_suffix(')')) {
            let kind = t.split('(').next().unwrap_or_default().to_string();
            sets.retain(|x| !x.starts_with(&format!("{kind}(")));
            sets.push(t.to_string());
        } else {
            return l.to_string();
        }
    }
    outputs.sort();
    format!("Datapath actions (as a set): {}", outputs.join(", "))
}

/// [`normalise_ports`] applied to every line of a trace (`None`: unchanged).
pub fn normalise_text(t: &str, unordered: Option<&[String]>) -> String {
    t.lines()
        .map(|l| match unordered {
            Some(tags) => normalise_ports(l, tags) + "\n",
            None => l.to_string() + "\n",
        })
        .collect()
}

/// The first line of `text` starting with `prefix`, normalised when `unordered`.
pub fn line(text: &str, prefix: &str, unordered: Option<&[String]>) -> Option<String> {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .map(|l| match unordered {
            Some(tags) => normalise_ports(l, tags),
            None => l.to_string(),
        })
}

/// One recorded `ofproto/trace` case (crates/ofproto/tests/data/traces.txt): the flows,
/// groups, port settings and injected packets set up before the trace, and Open vSwitch's
/// output.
#[derive(Debug, Clone, Default)]
pub struct TraceCase {
    /// Number of the case, from 1.
    pub index: usize,
    /// `flow` lines (sent with OpenFlow 1.0 when possible).
    pub flows: Vec<String>,
    /// `flow13` lines (sent with OpenFlow 1.3).
    pub flows13: Vec<String>,
    /// `receive <port> <packet>` lines.
    pub receive: Vec<(String, String)>,
    /// `group` lines.
    pub groups: Vec<String>,
    /// `vsctl` lines.
    pub vsctl: Vec<String>,
    /// The traced flow.
    pub trace: String,
    /// Open vSwitch's `ofproto/trace` output.
    pub expect: String,
}

/// Parses a recorded trace file: blocks ending in `====`, each with its set-up lines, a
/// `trace` line, `expect:` and the recorded output.
pub fn load_cases(text: &str) -> Vec<TraceCase> {
    let mut out = Vec::new();
    for (index, block) in text.split("====\n").enumerate() {
        if block.trim().is_empty() {
            continue;
        }
        let (head, expect) = block.split_once("expect:\n").expect("expect: marker");
        let mut c = TraceCase {
            index: index + 1,
            expect: expect.to_string(),
            ..TraceCase::default()
        };
        for line in head.lines() {
            if let Some(f) = line.strip_prefix("flow ") {
                c.flows.push(f.to_string());
            } else if let Some(f) = line.strip_prefix("flow13 ") {
                c.flows13.push(f.to_string());
            } else if let Some(r) = line.strip_prefix("receive ") {
                let (port, pkt) = r.split_once(' ').expect("receive <port> <flow>");
                c.receive.push((port.to_string(), pkt.to_string()));
            } else if let Some(g) = line.strip_prefix("group ") {
                c.groups.push(g.to_string());
            } else if let Some(v) = line.strip_prefix("vsctl ") {
                c.vsctl.push(v.to_string());
            } else if let Some(t) = line.strip_prefix("trace ") {
                c.trace = t.to_string();
            }
        }
        out.push(c);
    }
    out
}

/// Parses a deviations file (`<case number> <part>` lines, `#` comments) into the set of
/// pinned (case, part) differences.
pub fn load_deviations(text: &str) -> std::collections::BTreeSet<(usize, String)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            Some((it.next()?.parse().ok()?, it.next()?.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flood_order_does_not_matter() {
        let a = normalise_ports("Datapath actions: 2,push_vlan(vid=1,pcp=0),4,100", &[]);
        let b = normalise_ports(
            "Datapath actions: push_vlan(vid=1,pcp=0),100,4,pop_vlan,2",
            &[],
        );
        assert_eq!(a, b);
        let c = normalise_ports("Datapath actions: 2,4,100", &[]);
        assert_ne!(a, c);
        assert_eq!(
            split_actions("set(eth(src=1,dst=2)),3"),
            vec!["set(eth(src=1,dst=2))", "3"]
        );
    }
}
