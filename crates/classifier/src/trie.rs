//! Prefix tries over address-like fields.
//!
//! A [`PrefixTrie`] records every CIDR prefix that some rule uses on one field (for example
//! all the `nw_dst=a.b.c.d/n` of a table, counted with multiplicity). The classifier asks it
//! one question per packet: *for which prefix lengths does some rule's prefix agree with this
//! packet's address, and how many leading address bits did you have to look at to say so?*
//!
//! The answer ([`TrieResult`]) lets lookup skip a whole subtable whose rules all use a prefix
//! length that no rule matches, and — the point of the exercise — lets it report that decision
//! as depending on only the first `checked` bits of the address instead of all of them. A
//! table holding `10.0.0.0/8` next to thousands of `/32` host routes would otherwise force every
//! megaflow to match the full 32-bit address; with the trie, a packet to `192.168.1.1` needs
//! only the few leading bits that already diverge from every stored prefix.
//!
//! The trie is path-compressed (a node carries a run of bits, not a single bit), so it has at
//! most two nodes per distinct prefix. Nodes live in an arena (`Vec`) with a free list and
//! refer to each other by index. Values are handled left-aligned in a `u128` whatever the
//! field width, bit 0 of the address being the most significant bit of the `u128`.

use smallvec::SmallVec;

/// "No child" marker in the arena.
const NONE: u32 = u32::MAX;

/// The top `len` bits set (`len` in 0..=128).
pub(crate) fn top_mask(len: u32) -> u128 {
    if len == 0 {
        0
    } else if len >= 128 {
        u128::MAX
    } else {
        !0u128 << (128 - len)
    }
}

/// Bits `[start, start + len)` of `v`, moved to the top of the result.
fn segment(v: u128, start: u32, len: u32) -> u128 {
    let shifted = if start >= 128 { 0 } else { v << start };
    shifted & top_mask(len)
}

/// Bit `pos` of `v` (0 = most significant) as a child index.
fn bit(v: u128, pos: u32) -> usize {
    if pos >= 128 {
        0
    } else {
        ((v >> (127 - pos)) & 1) as usize
    }
}

#[derive(Clone, Debug)]
struct Node {
    /// The node's run of bits, left-aligned.
    bits: u128,
    /// Number of bits in the run.
    len: u32,
    /// How many rules use exactly the prefix ending at this node.
    count: u32,
    /// Children by the next bit.
    children: [u32; 2],
}

/// What a trie lookup learned about one address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TrieResult {
    /// Bit `n - 1` is set if some stored prefix of length `n` matches the address.
    pub(crate) matched: u128,
    /// How many leading address bits the answer depends on.
    pub(crate) checked: u32,
}

impl TrieResult {
    /// Whether some stored prefix of length `plen` (1..=128) matches.
    pub(crate) fn has_len(&self, plen: u32) -> bool {
        (1..=128).contains(&plen) && (self.matched >> (plen - 1)) & 1 == 1
    }
}

/// Where a node hangs: the root slot or a parent's child slot.
#[derive(Clone, Copy)]
enum Slot {
    Root,
    Child(u32, usize),
}

/// A path-compressed binary trie of prefixes with counts. See the module documentation.
#[derive(Clone, Debug)]
pub(crate) struct PrefixTrie {
    nodes: Vec<Node>,
    free: Vec<u32>,
    root: u32,
    /// Width of the field in bits (addresses longer than this never occur).
    width: u32,
}

impl PrefixTrie {
    /// An empty trie for a field `width` bits wide (1..=128).
    pub(crate) fn new(width: u32) -> Self {
        PrefixTrie {
            nodes: Vec::new(),
            free: Vec::new(),
            root: NONE,
            width: width.clamp(1, 128),
        }
    }

    fn node(&self, idx: u32) -> Option<&Node> {
        self.nodes.get(idx as usize)
    }

    fn node_mut(&mut self, idx: u32) -> Option<&mut Node> {
        self.nodes.get_mut(idx as usize)
    }

    fn get_slot(&self, slot: Slot) -> u32 {
        match slot {
            Slot::Root => self.root,
            Slot::Child(p, d) => self.node(p).map_or(NONE, |n| n.children[d & 1]),
        }
    }

    fn set_slot(&mut self, slot: Slot, value: u32) {
        match slot {
            Slot::Root => self.root = value,
            Slot::Child(p, d) => {
                if let Some(n) = self.node_mut(p) {
                    n.children[d & 1] = value;
                }
            }
        }
    }

    fn alloc(&mut self, node: Node) -> u32 {
        if let Some(idx) = self.free.pop() {
            if let Some(slot) = self.nodes.get_mut(idx as usize) {
                *slot = node;
                return idx;
            }
        }
        self.nodes.push(node);
        (self.nodes.len() - 1) as u32
    }

    fn release(&mut self, idx: u32) {
        if let Some(n) = self.node_mut(idx) {
            n.children = [NONE, NONE];
            n.count = 0;
            n.len = 0;
            n.bits = 0;
            self.free.push(idx);
        }
    }

    /// Forgets every prefix (and frees the nodes).
    pub(crate) fn clear(&mut self) {
        *self = PrefixTrie::new(self.width);
    }

    /// Adds one use of the prefix `value/plen` (`value` left-aligned, `plen` in 1..=width).
    pub(crate) fn insert(&mut self, value: u128, plen: u32) {
        let plen = plen.min(self.width);
        if plen == 0 {
            return;
        }
        let value = value & top_mask(plen);
        let mut slot = Slot::Root;
        let mut pos = 0u32;
        loop {
            let idx = self.get_slot(slot);
            let Some(node) = self.node(idx).cloned() else {
                let leaf = Node {
                    bits: segment(value, pos, plen - pos),
                    len: plen - pos,
                    count: 1,
                    children: [NONE, NONE],
                };
                let new = self.alloc(leaf);
                self.set_slot(slot, new);
                return;
            };
            let want = segment(value, pos, node.len);
            let common = (node.bits ^ want)
                .leading_zeros()
                .min(node.len)
                .min(plen - pos);
            if common < node.len {
                // Split the node: a new parent holding the common part.
                let parent = self.alloc(Node {
                    bits: node.bits & top_mask(common),
                    len: common,
                    count: 0,
                    children: [NONE, NONE],
                });
                if let Some(n) = self.node_mut(idx) {
                    n.bits = node.bits << common;
                    n.len = node.len - common;
                }
                let dir = bit(node.bits, common);
                if let Some(p) = self.node_mut(parent) {
                    p.children[dir] = idx;
                }
                self.set_slot(slot, parent);
                if pos + common == plen {
                    if let Some(p) = self.node_mut(parent) {
                        p.count += 1;
                    }
                    return;
                }
                pos += common;
                slot = Slot::Child(parent, bit(value, pos));
                continue;
            }
            pos += node.len;
            if pos >= plen {
                if let Some(n) = self.node_mut(idx) {
                    n.count += 1;
                }
                return;
            }
            slot = Slot::Child(idx, bit(value, pos));
        }
    }

    /// Removes one use of `value/plen`. Returns false if the prefix was not present.
    pub(crate) fn remove(&mut self, value: u128, plen: u32) -> bool {
        let plen = plen.min(self.width);
        if plen == 0 {
            return false;
        }
        let value = value & top_mask(plen);
        // Path of slots from the root down to the prefix's node.
        let mut path: SmallVec<[Slot; 32]> = SmallVec::new();
        let mut slot = Slot::Root;
        let mut pos = 0u32;
        let target = loop {
            let idx = self.get_slot(slot);
            let Some(node) = self.node(idx) else {
                return false;
            };
            if pos + node.len > plen || segment(value, pos, node.len) != node.bits {
                return false;
            }
            path.push(slot);
            pos += node.len;
            if pos == plen {
                break idx;
            }
            slot = Slot::Child(idx, bit(value, pos));
        };
        match self.node_mut(target) {
            Some(n) if n.count > 0 => n.count -= 1,
            _ => return false,
        }
        // Tidy up from the target towards the root.
        while let Some(slot) = path.pop() {
            let idx = self.get_slot(slot);
            let Some(node) = self.node(idx).cloned() else {
                break;
            };
            if node.count > 0 {
                break;
            }
            let kids: SmallVec<[u32; 2]> = node
                .children
                .iter()
                .copied()
                .filter(|c| *c != NONE)
                .collect();
            match kids.as_slice() {
                [] => {
                    self.set_slot(slot, NONE);
                    self.release(idx);
                }
                [only] => {
                    // Merge the node's bits into its single child.
                    let only = *only;
                    if let Some(c) = self.node_mut(only) {
                        c.bits = node.bits | (c.bits >> node.len.min(127));
                        if node.len >= 128 {
                            c.bits = node.bits;
                        }
                        c.len += node.len;
                    }
                    self.set_slot(slot, only);
                    self.release(idx);
                    break;
                }
                _ => break,
            }
        }
        true
    }

    /// Looks `addr` (left-aligned) up. See [`TrieResult`].
    pub(crate) fn lookup(&self, addr: u128) -> TrieResult {
        let mut matched = 0u128;
        let mut pos = 0u32;
        let mut idx = self.root;
        loop {
            let Some(node) = self.node(idx) else {
                // Empty trie (or an inconsistent link): nothing matches, nothing looked at.
                return TrieResult {
                    matched,
                    checked: pos,
                };
            };
            let want = segment(addr, pos, node.len);
            let common = (node.bits ^ want).leading_zeros().min(node.len);
            if common < node.len {
                // The address leaves the trie at bit `pos + common`.
                return TrieResult {
                    matched,
                    checked: (pos + common + 1).min(self.width),
                };
            }
            pos += node.len;
            if node.count > 0 && (1..=128).contains(&pos) {
                matched |= 1u128 << (pos - 1);
            }
            if pos >= self.width {
                return TrieResult {
                    matched,
                    checked: self.width,
                };
            }
            if node.children == [NONE, NONE] {
                return TrieResult {
                    matched,
                    checked: pos,
                };
            }
            let next = node.children[bit(addr, pos)];
            if next == NONE {
                return TrieResult {
                    matched,
                    checked: pos + 1,
                };
            }
            idx = next;
        }
    }

    /// Bytes of heap used (for memory estimates).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>() + self.free.capacity() * 4
    }

    /// Number of live nodes (for tests).
    #[cfg(test)]
    fn live_nodes(&self) -> usize {
        self.nodes.len() - self.free.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(a: u32) -> u128 {
        u128::from(a) << 96
    }

    /// Brute force: which stored lengths match, computed from the prefix list.
    fn brute(prefixes: &[(u32, u32)], addr: u32) -> u128 {
        let mut m = 0u128;
        for &(v, l) in prefixes {
            let mask = if l == 0 { 0 } else { u32::MAX << (32 - l) };
            if addr & mask == v & mask {
                m |= 1u128 << (l - 1);
            }
        }
        m
    }

    #[test]
    fn lookup_reports_matching_lengths_and_checked_bits() {
        let mut t = PrefixTrie::new(32);
        t.insert(v4(0x0a00_0000), 8);
        t.insert(v4(0x0a01_0000), 16);
        t.insert(v4(0x0a01_0203), 32);
        let r = t.lookup(v4(0x0a01_0203));
        assert!(r.has_len(8) && r.has_len(16) && r.has_len(32));
        assert_eq!(r.checked, 32);
        let r = t.lookup(v4(0x0a02_0000));
        assert!(r.has_len(8) && !r.has_len(16) && !r.has_len(32));
        // 10.2 diverges from 10.1 at bit 14 (0-based), so 15 bits were needed.
        assert_eq!(r.checked, 15);
        let r = t.lookup(v4(0xc0a8_0101));
        assert_eq!(r.matched, 0);
        assert_eq!(r.checked, 1);
    }

    #[test]
    fn checked_bits_determine_the_answer() {
        // Pseudo-random prefixes; every address agreeing on `checked` bits gets the same answer.
        let mut x = 0x1234_5678u32;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        let mut t = PrefixTrie::new(32);
        let mut stored = Vec::new();
        for _ in 0..200 {
            let l = next() % 32 + 1;
            let v = next() & (u32::MAX << (32 - l));
            t.insert(v4(v), l);
            stored.push((v, l));
        }
        for _ in 0..2000 {
            let a = next();
            let r = t.lookup(v4(a));
            assert_eq!(r.matched, brute(&stored, a), "addr {a:#x}");
            let keep = if r.checked == 0 {
                0
            } else {
                u32::MAX << (32 - r.checked)
            };
            let b = (a & keep) | (next() & !keep);
            assert_eq!(t.lookup(v4(b)).matched, r.matched);
        }
        // Remove everything again; the trie must end empty.
        for (v, l) in stored.drain(..) {
            assert!(t.remove(v4(v), l));
        }
        assert_eq!(t.live_nodes(), 0);
        assert!(!t.remove(v4(1), 32));
    }

    #[test]
    fn removal_keeps_other_prefixes() {
        let mut t = PrefixTrie::new(32);
        t.insert(v4(0x0a00_0000), 8);
        t.insert(v4(0x0a00_0000), 8);
        t.insert(v4(0x0a80_0000), 9);
        t.insert(v4(0x0b00_0000), 8);
        assert!(t.remove(v4(0x0a00_0000), 8));
        assert!(t.lookup(v4(0x0a01_0101)).has_len(8));
        assert!(t.remove(v4(0x0a00_0000), 8));
        assert!(!t.lookup(v4(0x0a01_0101)).has_len(8));
        assert!(t.lookup(v4(0x0a81_0101)).has_len(9));
        assert!(t.lookup(v4(0x0b01_0101)).has_len(8));
        assert!(!t.remove(v4(0x0a00_0000), 8));
    }

    #[test]
    fn ipv6_width() {
        let mut t = PrefixTrie::new(128);
        t.insert(0x2001_0db8u128 << 96, 32);
        t.insert(u128::MAX, 128);
        assert!(t
            .lookup(0x2001_0db8_0000_0000_0000_0000_0000_0001)
            .has_len(32));
        let r = t.lookup(u128::MAX);
        assert!(r.has_len(128));
        assert_eq!(r.checked, 128);
    }
}
