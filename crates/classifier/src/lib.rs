//! The packet classifier: given a packet's [`Flow`], find the highest-priority rule whose
//! [`Match`] selects it — quickly, for anything from a handful to millions of rules — and say
//! which bits of the packet that answer depended on.
//!
//! It backs every OpenFlow table of the switch and can back a megaflow cache as well. Rules
//! are `(Match, priority, payload T)`; the classifier never looks inside `T`.
//!
//! ```
//! use classifier::{Classifier, FieldId, Flow, FlowWildcards};
//!
//! let mut cls = Classifier::new();
//! let m = |s: &str| flow::parse_match(s, None).unwrap();
//! cls.insert(m("ip,nw_dst=10.0.0.0/8"), 10, "to ten", 0).unwrap();
//! cls.insert(m("tcp,nw_dst=10.0.0.1,tp_dst=80"), 20, "web server", 0).unwrap();
//!
//! let mut pkt = Flow::new();
//! pkt.set_dl_type(0x0800);
//! pkt.set_nw_proto(6);
//! pkt.set_nw_dst(0x0a01_0203); // 10.1.2.3
//! pkt.set_tp_dst(80);
//! let mut wc = FlowWildcards::catchall();
//! let rule = cls.lookup(0, &pkt, &mut wc).unwrap();
//! assert_eq!(*rule.payload(), "to ten");
//! // The /32 rule was ruled out by the prefix trie after 16 address bits, so the megaflow
//! // need not match the whole destination address (nor the TCP port).
//! assert_eq!(wc.get(FieldId::IpDst), 0xffff_0000);
//! assert_eq!(wc.get(FieldId::TpDst), 0);
//! ```
//!
//! # Tuple space search
//!
//! Rules are grouped by their exact wildcard mask into *subtables*. Within one subtable all
//! rules care about the same bits, so a rule is found by masking the packet with the
//! subtable's mask and looking the result up in a hash table: one probe per subtable, however
//! many rules it holds. A classifier with `k` distinct masks costs at most `k` probes.
//!
//! Subtables are kept sorted by the highest priority they contain. Lookup walks them in that
//! order and stops as soon as the best rule found so far outranks everything the next
//! subtable could offer. In a typical OpenFlow pipeline, where a few high-priority exceptions
//! sit above broad defaults, most lookups visit only a few subtables.
//!
//! # Ties
//!
//! OpenFlow leaves overlapping equal-priority rules undefined; this classifier is
//! deterministic about them. Every rule carries a sequence number ([`Rule::seq`]) assigned at
//! insertion; a rule that replaces an identical (match, priority) inherits the old number.
//! Among matching rules of the same priority, the smaller sequence number (the rule whose
//! match and priority have been in the table longest) wins. Each subtable records a lower
//! bound of the sequence numbers at its top priority, so the tie rule costs nothing unless a
//! tie is actually possible: lookup still stops at a subtable that cannot beat the best rule.
//!
//! # Compact matches
//!
//! A subtable stores each rule's match as the few value words its mask covers plus a
//! pointer to the subtable's shared mask ([`MiniMatch`]), not as a whole [`Match`] (752
//! bytes). [`Classifier::insert_shared`] returns that compact match so the owner of the
//! rule can keep it too, sharing the mask; the exact-match operations (`find_exact`,
//! `remove`, `restore`, `remove_now`) accept either form ([`MatchRef`]).
//!
//! # Staged lookup
//!
//! A subtable's significant mask words are grouped into stages following the flow layout:
//! metadata (tunnel, registers, `in_port`, conntrack), L2, L3, L4. The hash is computed stage
//! by stage, and for each stage but the last the subtable keeps a counting set of its rules'
//! partial hashes. A packet whose metadata already matches no rule is rejected after hashing
//! only the metadata words, which is faster, and — more importantly — the rejection depends
//! only on those words, so only they have to be un-wildcarded.
//!
//! # Un-wildcarding
//!
//! [`Classifier::lookup`] ORs into a caller-supplied [`FlowWildcards`] every bit of the
//! packet that the answer depended on: for every subtable consulted, the mask bits of the
//! stages it looked at (the whole mask if it got to the last stage), and for every subtable
//! rejected by a prefix trie, only the address bits the trie looked at. Subtables skipped on
//! priority grounds contribute nothing, since that decision does not look at the packet. The
//! result is the megaflow: any packet agreeing with this one on those bits gets the same
//! rule. The crate's property tests check exactly that statement on random rule sets.
//!
//! # Prefix tries
//!
//! A subtable matching `nw_dst` as a /32 would force all 32 address bits into every megaflow
//! it rejects. For configured prefix fields (Open vSwitch's `prefixes` column of
//! `Flow_Table`; by default `ip_dst` and `ip_src`; at most [`MAX_PREFIX_FIELDS`] of the
//! fields in [`PREFIX_FIELDS`]), the classifier keeps a path-compressed binary trie of every
//! CIDR prefix any rule uses on the field. One trie walk per packet tells which prefix lengths
//! have a matching rule somewhere and how many leading bits the walk needed. A subtable whose
//! prefix length is not among them cannot match, and it is rejected having un-wildcarded only
//! those leading bits. The walk is lazy: it happens the first time some subtable misses at
//! or after the stage holding the field, so a lookup that hits straight away never walks a
//! trie; once done, its answer is checked up front by every later subtable. Rules whose mask
//! on the field is not a CIDR prefix are not tracked; their subtables are searched normally.
//!
//! # Versions
//!
//! Each rule is visible in the half-open version range `[add_version, remove_version)`;
//! lookups name the version they run in. A batch of changes (an OpenFlow bundle, or a
//! flow_mod that replaces many rules) is made at version `v + 1` while readers use `v`, and
//! becomes visible all at once when the writer starts handing out `v + 1`. Removal only marks
//! a rule; it is physically dropped by [`Classifier::collect_garbage`] once no reader can use
//! an older version. [`Classifier::restore`] and [`Classifier::remove_now`] undo a batch.
//!
//! # Concurrency
//!
//! The classifier itself is a plain single-writer structure (`&mut self` to modify, `&self`
//! to look up), and lookups never allocate. [`SharedClassifier`] is the concurrency model the
//! switch uses: a `RwLock` around the classifier plus the published version. Datapath upcall
//! handler threads take the read lock for the duration of one lookup (reading the published
//! version inside the lock); ofproto takes the write lock once per rule change, never for a
//! whole batch, and publishes the batch's version at the end, collecting garbage in the same
//! short critical section. Because the version is read under the lock and rules are only
//! dropped once the published version has passed them, a reader can never see a
//! half-applied batch. The cost: each lookup does one atomic read-modify-write on the lock
//! word (a shared cache line, which limits scaling across many cores), and a lookup may wait
//! for one in-progress rule insertion. Lock-free readers (RCU-style, as Open vSwitch does) or
//! copy-on-write snapshots would remove that, at the price of `unsafe` code or of copying
//! subtables on every change.
//!
//! # Differences from Open vSwitch, and what is not done yet
//!
//! * Ties between overlapping equal-priority rules are resolved by age (see above); Open
//!   vSwitch leaves the choice unspecified.
//! * A prefix trie is walked only once some subtable misses at or after the field's stage
//!   (Open vSwitch consults it before the stage); the un-wildcarded bits can differ, the
//!   answers cannot.
//! * Priorities are `u32` (OpenFlow's are 16-bit; callers convert).
//! * Conjunctive matches (`conjunction` actions and `conj_id`) need a hook in lookup that
//!   collects the matching clauses of each conjunction before choosing a winner; the rule
//!   payload and the visit order here leave room for it, but it is not written.
//! * The transport-port tries Open vSwitch uses to narrow un-wildcarding of
//!   `tp_src`/`tp_dst`, partitioning by `metadata`, and reordering subtables by hit count
//!   (a megaflow-cache optimisation) are not implemented.

mod classifier;
mod error;
mod minimatch;
mod shared;
mod subtable;
mod trie;

pub use classifier::{Classifier, Insertion, DEFAULT_PREFIX_FIELDS, PREFIX_FIELDS};
pub use error::ClassifierError;
pub use minimatch::{MatchRef, MiniMatch};
pub use shared::{SharedClassifier, Snapshot};
pub use subtable::Rule;

pub use flow::{FieldId, Flow, FlowWildcards, Match};

/// A classifier version number. Lookups run in one version; rules are visible in a range.
pub type Version = u64;

/// The first version.
pub const VERSION_MIN: Version = 0;

/// The remove version of a rule that has not been removed (and never a valid lookup or
/// insertion version).
pub const VERSION_NEVER: Version = u64::MAX;

/// Maximum number of prefix-tracked fields (as in Open vSwitch).
pub const MAX_PREFIX_FIELDS: usize = 3;

#[cfg(test)]
mod tests;
