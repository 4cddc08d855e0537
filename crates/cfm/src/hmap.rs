//! The iteration order of Open vSwitch's hash maps, so that lists it prints in hash-map order
//! (the remote MPs of `cfm/show`, the instances of an argument-less `cfm/show`) come out in
//! the same order here.
//!
//! Open vSwitch's `hmap` is an array of buckets (a power of two, starting with one), each a
//! singly linked list to whose head new nodes are pushed; the bucket is the hash's low bits.
//! After an insertion that makes `n / 2 > mask` (more than two nodes per bucket), the array grows to the next power of two above `n / 2` (at least 4
//! buckets) and every node is re-pushed into the new array, walking the old buckets in order
//! (which reverses each chain's relative order). Removal unlinks without shrinking. Iteration
//! walks the buckets in order, each chain from its head. [`HmapOrder`] replays exactly that
//! with the same hash functions ([`hash_uint64`], [`hash_string`]), Open vSwitch's generic
//! (non-SSE4.2) murmur-style hashes as Debian builds them.

/// Open vSwitch's `hash_add`.
fn mhash_add(hash: u32, data: u32) -> u32 {
    let mut h = hash;
    if data != 0 {
        let d = data
            .wrapping_mul(0xcc9e_2d51)
            .rotate_left(15)
            .wrapping_mul(0x1b87_3593);
        h ^= d;
    }
    h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64)
}

/// Open vSwitch's `hash_finish(hash, n)`.
fn mhash_finish(hash: u32, n: u32) -> u32 {
    let mut h = hash ^ n;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h
}

/// Open vSwitch's `hash_uint64(x)` (basis 0): the hash of remote MPIDs.
pub fn hash_uint64(x: u64) -> u32 {
    let h = mhash_add(mhash_add(0, x as u32), (x >> 32) as u32);
    mhash_finish(h, 8)
}

/// Open vSwitch's `hash_string(s, 0)`: the hash of CFM instances (interface names).
pub fn hash_string(s: &str) -> u32 {
    let b = s.as_bytes();
    let mut h = 0u32;
    let mut chunks = b.chunks_exact(4);
    for c in &mut chunks {
        h = mhash_add(h, u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut tail = [0u8; 4];
        tail[..rest.len()].copy_from_slice(rest);
        h = mhash_add(h, u32::from_le_bytes(tail));
    }
    mhash_finish(h, b.len() as u32)
}

/// Replays an Open vSwitch hmap's insertions and removals to know its iteration order.
#[derive(Debug, Clone)]
pub struct HmapOrder<K> {
    mask: usize,
    /// Each bucket's chain, head first.
    buckets: Vec<Vec<(u32, K)>>,
    n: usize,
}

impl<K: PartialEq + Clone> Default for HmapOrder<K> {
    fn default() -> Self {
        Self::new()
    }
}

fn calc_mask(capacity: usize) -> usize {
    let mut m = capacity / 2;
    for s in [1, 2, 4, 8, 16, 32] {
        m |= m >> s;
    }
    m | (m & 1) << 1
}

impl<K: PartialEq + Clone> HmapOrder<K> {
    /// An empty map (one bucket).
    pub fn new() -> Self {
        HmapOrder {
            mask: 0,
            buckets: vec![Vec::new()],
            n: 0,
        }
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.n
    }

    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Inserts `key` with `hash` (the caller keeps keys unique).
    pub fn insert(&mut self, hash: u32, key: K) {
        let mask = self.mask;
        if let Some(b) = self.buckets.get_mut(hash as usize & mask) {
            b.insert(0, (hash, key));
            self.n += 1;
        }
        if self.n / 2 > self.mask {
            let new_mask = calc_mask(self.n);
            if new_mask > self.mask {
                let mut nb: Vec<Vec<(u32, K)>> = vec![Vec::new(); new_mask + 1];
                for (h, k) in std::mem::take(&mut self.buckets).into_iter().flatten() {
                    if let Some(b) = nb.get_mut(h as usize & new_mask) {
                        b.insert(0, (h, k));
                    }
                }
                self.buckets = nb;
                self.mask = new_mask;
            }
        }
    }

    /// Removes `key`; false if absent.
    pub fn remove(&mut self, key: &K) -> bool {
        for b in &mut self.buckets {
            if let Some(i) = b.iter().position(|(_, k)| k == key) {
                b.remove(i);
                self.n -= 1;
                return true;
            }
        }
        false
    }

    /// The keys in iteration order.
    pub fn iter(&self) -> impl Iterator<Item = &K> {
        self.buckets.iter().flatten().map(|(_, k)| k)
    }
}
