//! Open vSwitch's string-hash iteration order.
//!
//! Open vSwitch keeps JSON objects, schema tables and columns in `shash`
//! hash maps and prints them in the order its `hmap` iterates: bucket by
//! bucket, and inside a bucket from the most recently placed node to the
//! oldest.  Output that a script compares byte for byte (a freshly created
//! database file, `ovsdb-client list-tables`, `ovsdb-tool show-log`) therefore
//! depends on that order, which in turn depends on the hash function, on the
//! bucket count (which grows as keys are added) and on the insertion order of
//! keys that share a bucket.
//!
//! This module reproduces it by simulation: [`hash_string`] is Open vSwitch's
//! 32-bit `hash_bytes` (a Murmur3 variant) over the key with basis 0, and
//! [`iteration_order`] replays the insertions into a bucket array that
//! doubles exactly when Open vSwitch's does (when `n / 2 > mask`, to the
//! mask `calc_mask(n)`), moving nodes bucket by bucket as its `resize` does.
//! [`reorder`] applies the result to a JSON object, and [`OvsJson`] builds
//! the JSON Open vSwitch prints for a value whose objects were built with a
//! known insertion order.

use serde_json::{Map, Value};

fn mhash_add(hash: u32, data: u32) -> u32 {
    let mut hash = hash;
    if data != 0 {
        let d = data.wrapping_mul(0xcc9e_2d51).rotate_left(15);
        hash ^= d.wrapping_mul(0x1b87_3593);
    }
    hash.rotate_left(13)
        .wrapping_mul(5)
        .wrapping_add(0xe654_6b64)
}

fn mhash_finish(mut hash: u32) -> u32 {
    hash ^= hash >> 16;
    hash = hash.wrapping_mul(0x85eb_ca6b);
    hash ^= hash >> 13;
    hash = hash.wrapping_mul(0xc2b2_ae35);
    hash ^= hash >> 16;
    hash
}

/// Open vSwitch's `hash_bytes(s, len, basis)`.
pub fn hash_bytes(bytes: &[u8], basis: u32) -> u32 {
    let mut hash = basis;
    let mut chunks = bytes.chunks_exact(4);
    for c in &mut chunks {
        hash = mhash_add(hash, u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut tmp = [0u8; 4];
        tmp[..rest.len()].copy_from_slice(rest);
        hash = mhash_add(hash, u32::from_le_bytes(tmp));
    }
    mhash_finish(hash ^ (bytes.len() as u32))
}

/// Open vSwitch's `hash_string(s, 0)`, the hash `shash` uses.
pub fn hash_string(s: &str) -> u32 {
    hash_bytes(s.as_bytes(), 0)
}

fn calc_mask(capacity: usize) -> usize {
    let mut mask = capacity / 2;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    mask |= mask >> 32;
    mask |= (mask & 1) << 1;
    mask
}

/// A simulation of Open vSwitch's `hmap`: it records where nodes sit, not
/// data, so that the iteration order after any sequence of insertions and
/// removals can be read back.
#[derive(Debug, Clone)]
pub struct Hmap<K> {
    /// Each bucket lists its nodes head first.
    buckets: Vec<Vec<(u32, K)>>,
    mask: usize,
    n: usize,
}

impl<K: PartialEq + Clone> Default for Hmap<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: PartialEq + Clone> Hmap<K> {
    /// An empty map (one bucket, as `HMAP_INITIALIZER`).
    pub fn new() -> Self {
        Hmap {
            buckets: vec![Vec::new()],
            mask: 0,
            n: 0,
        }
    }

    /// `hmap_insert`: the node goes to the head of its bucket, then the
    /// map grows if it is more than twice as full as it has buckets.
    pub fn insert(&mut self, hash: u32, key: K) {
        let b = (hash as usize) & self.mask;
        if let Some(bucket) = self.buckets.get_mut(b) {
            bucket.insert(0, (hash, key));
        }
        self.n += 1;
        if self.n / 2 > self.mask {
            let new_mask = calc_mask(self.n);
            if new_mask > self.mask {
                let mut fresh: Vec<Vec<(u32, K)>> = vec![Vec::new(); new_mask + 1];
                for bucket in std::mem::take(&mut self.buckets) {
                    for (h, k) in bucket {
                        if let Some(t) = fresh.get_mut((h as usize) & new_mask) {
                            t.insert(0, (h, k));
                        }
                    }
                }
                self.buckets = fresh;
                self.mask = new_mask;
            }
        }
    }

    /// `hmap_remove` of the node `key` inserted with `hash` (the map never
    /// shrinks by itself).
    pub fn remove(&mut self, hash: u32, key: &K) {
        if let Some(bucket) = self.buckets.get_mut((hash as usize) & self.mask) {
            if let Some(i) = bucket.iter().position(|(_, k)| k == key) {
                bucket.remove(i);
                self.n -= 1;
            }
        }
    }

    /// Keys in iteration order.
    pub fn keys(&self) -> Vec<K> {
        self.buckets
            .iter()
            .flat_map(|b| b.iter().map(|(_, k)| k.clone()))
            .collect()
    }
}

/// Open vSwitch's `uuid_hash`: the UUID's first 32 bits.
pub fn uuid_hash(u: &uuid::Uuid) -> u32 {
    let b = u.as_bytes();
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// The order in which an `shash` that received `keys` (in this order, all
/// distinct) iterates them, as indexes into `keys`.
pub fn iteration_order<S: AsRef<str>>(keys: &[S]) -> Vec<usize> {
    let mut map = Hmap::new();
    for (i, k) in keys.iter().enumerate() {
        map.insert(hash_string(k.as_ref()), i);
    }
    map.keys()
}

/// `keys` in the order an `shash` filled with them in this order iterates.
pub fn iterate<S: AsRef<str> + Clone>(keys: &[S]) -> Vec<S> {
    iteration_order(keys)
        .into_iter()
        .filter_map(|i| keys.get(i).cloned())
        .collect()
}

/// Reorders the members of `obj` (whose current order is taken as the
/// insertion order) into Open vSwitch's iteration order.
pub fn reorder(obj: Map<String, Value>) -> Map<String, Value> {
    let entries: Vec<(String, Value)> = obj.into_iter().collect();
    let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
    let order = iteration_order(&keys);
    let mut slots: Vec<Option<(String, Value)>> = entries.into_iter().map(Some).collect();
    let mut out = Map::new();
    for i in order {
        if let Some((k, v)) = slots.get_mut(i).and_then(Option::take) {
            out.insert(k, v);
        }
    }
    out
}

/// Recursively reorders every object of `v` as Open vSwitch would iterate it
/// after parsing `v` from text in its current member order (what its JSON
/// parser does: members are inserted in the order they appear).
pub fn reorder_parsed(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let m: Map<String, Value> =
                m.into_iter().map(|(k, v)| (k, reorder_parsed(v))).collect();
            Value::Object(reorder(m))
        }
        Value::Array(a) => Value::Array(a.into_iter().map(reorder_parsed).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_maps_follow_bucket_order() {
        // A single key comes out as is; any order of insertion of two keys
        // gives the same iteration when they land in different buckets.
        assert_eq!(iterate(&["a"]), vec!["a"]);
        let ab = iterate(&["name", "tables"]);
        let ba = iterate(&["tables", "name"]);
        assert_eq!(ab.len(), 2);
        if (hash_string("name") & 3) != (hash_string("tables") & 3) {
            assert_eq!(ab, ba);
        }
    }

    #[test]
    fn iteration_is_a_permutation() {
        let keys: Vec<String> = (0..100).map(|i| format!("k{i}")).collect();
        let mut got = iterate(&keys);
        got.sort();
        let mut want = keys.clone();
        want.sort();
        assert_eq!(got, want);
    }
}
