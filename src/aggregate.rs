//! Findings per source, bounded, and mergeable across any split of the input.
//!
//! The [`Aggregator`] groups finding records by `src_ip` as the profiles' `stats ... by
//! src_ip` does: earliest and latest time, a count, and the distinct values of each
//! column in byte order. Its state merges: the groups of any split of the input,
//! merged, equal the groups of one pass.
//!
//! Memory is bounded by two caps. Each keeps the smallest keys in byte order (sources,
//! or values of a column), which is what makes the caps merge exactly: a key among the
//! `N` smallest overall is never evicted, in one pass or in any shard.
//!
//! A group is compact, since a run may hold a hundred thousand of them: sets are sorted
//! vectors that hold a single value inline; ports are numbers kept in the byte order of
//! their text; addresses of up to 15 bytes (every IPv4 address) are held inline; the
//! texts that repeat across groups (actions, applications, sourcetypes) are shared.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};
use std::fmt::{self, Write as _};
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::addr::Addr;
use crate::record::Record;

/// Values that sort in the byte order of their text.
trait TextOrder {
    /// Compares the texts of two values byte by byte.
    fn text_cmp(&self, other: &Self) -> Ordering;
}

/// A port, kept as its number and ordered by its decimal text (`139` < `445` < `80`).
type Port = u16;

impl TextOrder for Port {
    fn text_cmp(&self, other: &Port) -> Ordering {
        let (a, b) = (port_digits(*self), port_digits(*other));
        a.0[a.1..].cmp(&b.0[b.1..])
    }
}

/// The decimal digits of a port, right-aligned, and where they start.
fn port_digits(port: Port) -> ([u8; 5], usize) {
    let mut digits = [0u8; 5];
    let mut rest = port;
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            return (digits, start);
        }
    }
}

/// A text that many groups hold (an action, an application, a sourcetype), shared.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Shared(Arc<str>);

impl TextOrder for Shared {
    fn text_cmp(&self, other: &Shared) -> Ordering {
        self.0.as_bytes().cmp(other.0.as_bytes())
    }
}

impl Serialize for Shared {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Shared {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Shared, D::Error> {
        Ok(Shared(String::deserialize(deserializer)?.into()))
    }
}

/// The bytes a [`Key`] holds inline: every IPv4 address in dotted decimal.
const INLINE: usize = 15;

/// A source or destination address as text: inline up to [`INLINE`] bytes, else boxed.
#[derive(Clone, Debug)]
enum Key {
    Inline(u8, [u8; INLINE]),
    Boxed(Box<str>),
}

impl Key {
    fn new(text: &str) -> Key {
        match text.len() {
            len @ 0..=INLINE => {
                let mut bytes = [0; INLINE];
                bytes[..len].copy_from_slice(text.as_bytes());
                Key::Inline(len as u8, bytes)
            }
            _ => Key::Boxed(text.into()),
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Key::Inline(len, bytes) => &bytes[..usize::from(*len)],
            Key::Boxed(text) => text.as_bytes(),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            Key::Inline(..) => std::str::from_utf8(self.as_bytes()).unwrap_or_default(),
            Key::Boxed(text) => text,
        }
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        match (self, other) {
            (Key::Inline(la, a), Key::Inline(lb, b)) => la == lb && a == b,
            _ => self.as_bytes() == other.as_bytes(),
        }
    }
}

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Key) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Key) -> Ordering {
        match (self, other) {
            (Key::Inline(la, a), Key::Inline(lb, b)) => inline_cmp(a, b).then(la.cmp(lb)),
            _ => self.as_bytes().cmp(other.as_bytes()),
        }
    }
}

/// Compares two inline texts, zero-padded, eight bytes at a time: the first byte that
/// differs decides. Where the padded bytes are equal, the shorter text comes first (it
/// is the other one's start), which the caller settles by the lengths: so two keys
/// compare as their texts do, without the call to `memcmp` that comparing slices makes
/// (a loop a byte at a time in WebAssembly), and every look-up of a source makes dozens
/// of comparisons.
fn inline_cmp(a: &[u8; INLINE], b: &[u8; INLINE]) -> Ordering {
    // Bytes 0 to 7, then 7 to 14: eight bytes each, the halves overlapping by one.
    for at in [0, INLINE - 8] {
        let word = |bytes: &[u8; INLINE]| {
            let mut word = [0; 8];
            word.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(word)
        };
        let diff = word(a) ^ word(b);
        if diff != 0 {
            let first = at + diff.trailing_zeros() as usize / 8;
            return a[first].cmp(&b[first]);
        }
    }
    Ordering::Equal
}

impl std::borrow::Borrow<[u8]> for Key {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl TextOrder for Key {
    fn text_cmp(&self, other: &Key) -> Ordering {
        self.cmp(other)
    }
}

impl Serialize for Key {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key, D::Error> {
        Ok(Key::new(&String::deserialize(deserializer)?))
    }
}

/// An address's text, written on the stack when it fits (any IP address does).
struct AddrText {
    bytes: [u8; 64],
    len: usize,
    spilled: Option<String>,
}

impl AddrText {
    fn of(addr: &Addr) -> AddrText {
        let mut text = AddrText {
            bytes: [0; 64],
            len: 0,
            spilled: None,
        };
        match addr {
            Addr::Ip(ip) => {
                let _ = write!(text, "{ip}");
            }
            Addr::Text(value) => text.spilled = Some(value.clone()),
        }
        text
    }

    fn as_str(&self) -> &str {
        match &self.spilled {
            Some(text) => text,
            None => std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default(),
        }
    }
}

impl fmt::Write for AddrText {
    fn write_str(&mut self, piece: &str) -> fmt::Result {
        if let Some(spilled) = &mut self.spilled {
            spilled.push_str(piece);
        } else if self.len + piece.len() <= self.bytes.len() {
            self.bytes[self.len..self.len + piece.len()].copy_from_slice(piece.as_bytes());
            self.len += piece.len();
        } else {
            let mut spilled = self.as_str().to_owned();
            spilled.push_str(piece);
            self.spilled = Some(spilled);
        }
        Ok(())
    }
}

/// A sorted vector that holds a single item without a heap allocation.
#[derive(Clone, Debug, PartialEq)]
enum Items<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> Default for Items<T> {
    fn default() -> Items<T> {
        Items::Many(Vec::new())
    }
}

impl<T> Items<T> {
    fn as_slice(&self) -> &[T] {
        match self {
            Items::One(item) => std::slice::from_ref(item),
            Items::Many(items) => items,
        }
    }

    fn as_mut_slice(&mut self) -> &mut [T] {
        match self {
            Items::One(item) => std::slice::from_mut(item),
            Items::Many(items) => items,
        }
    }

    fn insert(&mut self, at: usize, item: T) {
        match std::mem::take(self) {
            Items::Many(items) if items.is_empty() => *self = Items::One(item),
            Items::Many(mut items) => {
                grow(&mut items);
                items.insert(at, item);
                *self = Items::Many(items);
            }
            Items::One(first) => {
                let mut items = Vec::with_capacity(2);
                items.push(first);
                items.insert(at, item);
                *self = Items::Many(items);
            }
        }
    }

    fn pop_last(&mut self) {
        match self {
            Items::One(_) => *self = Items::default(),
            Items::Many(items) => {
                items.pop();
            }
        }
    }
}

/// Makes room for one more item: one at a time while small, so that the few values
/// most groups hold take no spare room, then by doubling.
fn grow<T>(items: &mut Vec<T>) {
    if items.len() == items.capacity() {
        let more = if items.len() < 8 { 1 } else { items.len() };
        items.reserve_exact(more);
    }
}

/// Distinct values in the byte order of their text, at most `cap` of them (the
/// smallest are kept).
#[derive(Clone, Debug, PartialEq)]
struct Set<T> {
    items: Items<T>,
    capped: bool,
}

impl<T> Default for Set<T> {
    fn default() -> Set<T> {
        Set {
            items: Items::default(),
            capped: false,
        }
    }
}

impl<T: TextOrder> Set<T> {
    fn len(&self) -> usize {
        self.items.as_slice().len()
    }

    fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.as_slice().iter()
    }

    fn search(&self, value: &T) -> Result<usize, usize> {
        self.items
            .as_slice()
            .binary_search_by(|item| item.text_cmp(value))
    }

    /// Adds a value unless present or beyond the cap; gives where it now is, if kept.
    fn insert(&mut self, value: T, cap: usize) -> Option<usize> {
        match self.search(&value) {
            Ok(at) => Some(at),
            Err(at) if at >= cap => {
                self.capped = true;
                None
            }
            Err(at) => {
                self.items.insert(at, value);
                self.trim(cap);
                Some(at)
            }
        }
    }

    fn trim(&mut self, cap: usize) {
        while self.len() > cap {
            self.items.pop_last();
            self.capped = true;
        }
    }

    fn merge(&mut self, other: Set<T>, cap: usize) {
        self.capped |= other.capped;
        for value in other.into_items() {
            self.insert(value, cap);
        }
    }

    fn into_items(self) -> Vec<T> {
        match self.items {
            Items::One(item) => vec![item],
            Items::Many(items) => items,
        }
    }

    /// A set of values given in order.
    fn from_items(mut items: Vec<T>, capped: bool) -> Set<T> {
        let items = match items.len() {
            1 => Items::One(items.remove(0)),
            _ => Items::Many(items),
        };
        Set { items, capped }
    }
}

/// Whether values are distinct and in order, as a snapshot holds them.
fn in_order<T: TextOrder>(items: &[T]) -> bool {
    items
        .windows(2)
        .all(|pair| pair[0].text_cmp(&pair[1]) == Ordering::Less)
}

impl<T: Serialize> Serialize for Set<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (self.items.as_slice(), self.capped).serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de> + TextOrder> Deserialize<'de> for Set<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Set<T>, D::Error> {
        let (items, capped) = <(Vec<T>, bool)>::deserialize(deserializer)?;
        if !in_order(&items) {
            return Err(serde::de::Error::custom("values out of order"));
        }
        Ok(Set::from_items(items, capped))
    }
}

/// What one source did toward one destination.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DestState {
    ports: Set<Port>,
    /// Records toward this destination.
    pub count: u64,
    /// Earliest time.
    pub first: Option<f64>,
    /// Latest time.
    pub last: Option<f64>,
}

impl DestState {
    /// Destination ports, in the byte order of their text.
    pub fn ports(&self) -> impl Iterator<Item = u16> + '_ {
        self.ports.iter().copied()
    }

    fn add(&mut self, port: Port, time: Option<f64>, cap: usize) {
        self.ports.insert(port, cap);
        self.count += 1;
        self.first = min_time(self.first, time);
        self.last = max_time(self.last, time);
    }

    fn merge(&mut self, other: DestState, cap: usize) {
        self.ports.merge(other.ports, cap);
        self.count += other.count;
        self.first = min_time(self.first, other.first);
        self.last = max_time(self.last, other.last);
    }
}

/// A source's destinations in byte order, and, when kept, what it did toward each.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
struct Dests {
    addrs: Vec<Key>,
    /// One per address, or none when the aggregator keeps no detail.
    states: Vec<DestState>,
    capped: bool,
}

impl Dests {
    fn add(&mut self, dest: &str, port: Port, time: Option<f64>, cap: usize, detail: bool) {
        let found = self
            .addrs
            .binary_search_by(|addr| addr.as_bytes().cmp(dest.as_bytes()));
        let at = match found {
            Ok(at) => at,
            Err(at) if at >= cap => {
                self.capped = true;
                return;
            }
            Err(at) => self.insert(at, Key::new(dest), detail),
        };
        if let Some(state) = self.states.get_mut(at) {
            state.add(port, time, cap);
        }
        self.trim(cap);
    }

    fn insert(&mut self, at: usize, key: Key, detail: bool) -> usize {
        grow(&mut self.addrs);
        self.addrs.insert(at, key);
        if detail {
            grow(&mut self.states);
            self.states.insert(at, DestState::default());
        }
        at
    }

    fn trim(&mut self, cap: usize) {
        while self.addrs.len() > cap {
            self.addrs.pop();
            self.states.truncate(self.addrs.len());
            self.capped = true;
        }
    }

    fn merge(&mut self, other: Dests, cap: usize, detail: bool) {
        self.capped |= other.capped;
        let mut states = other.states.into_iter();
        for key in other.addrs {
            let at = match self.addrs.binary_search(&key) {
                Ok(at) => at,
                Err(at) => self.insert(at, key, detail),
            };
            let state = states.next().unwrap_or_default();
            if let Some(mine) = self.states.get_mut(at) {
                mine.merge(state, cap);
            }
        }
        self.trim(cap);
    }
}

impl<'de> Deserialize<'de> for Dests {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Dests, D::Error> {
        let (addrs, states, capped) =
            <(Vec<Key>, Vec<DestState>, bool)>::deserialize(deserializer)?;
        if !in_order(&addrs) {
            return Err(serde::de::Error::custom("destinations out of order"));
        }
        if !states.is_empty() && states.len() != addrs.len() {
            return Err(serde::de::Error::custom("destinations without their state"));
        }
        Ok(Dests {
            addrs,
            states,
            capped,
        })
    }
}

impl Dests {
    /// Gives every destination a state with `detail`, or none without.
    fn conform(&mut self, detail: bool) {
        match detail {
            true => self
                .states
                .resize_with(self.addrs.len(), DestState::default),
            false => self.states = Vec::new(),
        }
    }
}

/// The running state of one source's finding.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// Earliest `_time`.
    pub start: Option<f64>,
    /// Latest `_time`.
    pub end: Option<f64>,
    /// Records in the group.
    pub count: u64,
    /// Sum of `bytes_out` over the records that carry it.
    pub bytes_out: Option<u64>,
    /// Sum of `bytes_in` over the records that carry it.
    pub bytes_in: Option<u64>,
    /// Records that showed a completed handshake.
    pub established: u64,
    action: Set<Shared>,
    app: Set<Shared>,
    sourcetype: Set<Shared>,
    dest_port: Set<Port>,
    dests: Dests,
}

/// How a group adds a record: its caps, and the table of shared texts.
struct Adding<'a> {
    cap: usize,
    detail: bool,
    texts: &'a mut Texts,
}

impl Group {
    fn add(&mut self, record: &Record, how: &mut Adding<'_>) {
        let cap = how.cap;
        self.start = min_time(self.start, record.time);
        self.end = max_time(self.end, record.time);
        add_text(&mut self.action, &record.action, how);
        if let Some(app) = &record.app {
            add_text(&mut self.app, app, how);
        }
        self.dest_port.insert(record.dest_port, cap);
        add_text(&mut self.sourcetype, &record.sourcetype, how);
        self.count += 1;
        self.bytes_out = add_opt(self.bytes_out, record.bytes_out);
        self.bytes_in = add_opt(self.bytes_in, record.bytes_in);
        self.established += u64::from(record.established == Some(true));
        if let Some(dest) = &record.dest_ip {
            let dest = AddrText::of(dest);
            let (port, time) = (record.dest_port, record.time);
            self.dests.add(dest.as_str(), port, time, cap, how.detail);
        }
    }

    fn merge(&mut self, other: Group, how: &mut Adding<'_>) {
        let cap = how.cap;
        self.start = min_time(self.start, other.start);
        self.end = max_time(self.end, other.end);
        merge_texts(&mut self.action, other.action, how);
        merge_texts(&mut self.app, other.app, how);
        self.dest_port.merge(other.dest_port, cap);
        merge_texts(&mut self.sourcetype, other.sourcetype, how);
        self.count += other.count;
        self.bytes_out = add_opt(self.bytes_out, other.bytes_out);
        self.bytes_in = add_opt(self.bytes_in, other.bytes_in);
        self.established += other.established;
        self.dests.merge(other.dests, cap, how.detail);
    }

    /// Shares the texts of a group that came from elsewhere through `texts`.
    fn share(&mut self, texts: &mut Texts) {
        for set in [&mut self.action, &mut self.app, &mut self.sourcetype] {
            for value in set.items.as_mut_slice() {
                *value = texts.get(&value.0);
            }
        }
    }

    /// Distinct actions, in byte order.
    pub fn action(&self) -> impl Iterator<Item = &str> {
        self.action.iter().map(|v| &*v.0)
    }

    /// Distinct applications, in byte order.
    pub fn app(&self) -> impl Iterator<Item = &str> {
        self.app.iter().map(|v| &*v.0)
    }

    /// Distinct sourcetypes, in byte order.
    pub fn sourcetype(&self) -> impl Iterator<Item = &str> {
        self.sourcetype.iter().map(|v| &*v.0)
    }

    /// Distinct destination ports, in the byte order of their text.
    pub fn dest_port(&self) -> impl Iterator<Item = u16> + '_ {
        self.dest_port.iter().copied()
    }

    /// Distinct destinations (the `dest_ip` column), in byte order.
    pub fn dest_ip(&self) -> impl Iterator<Item = &str> {
        self.dests.addrs.iter().map(Key::as_str)
    }

    /// How many distinct destinations the group holds.
    pub fn dest_count(&self) -> usize {
        self.dests.addrs.len()
    }

    /// Each destination with what the source did toward it, in byte order; empty when
    /// the aggregator keeps no per-destination detail.
    pub fn destinations(&self) -> impl Iterator<Item = (&str, &DestState)> {
        let addrs = self.dests.addrs.iter().map(Key::as_str);
        addrs.zip(&self.dests.states)
    }

    /// The names of the columns whose cap held values back.
    pub fn capped_columns(&self) -> Vec<&'static str> {
        let columns = [
            ("action", self.action.capped),
            ("app", self.app.capped),
            ("dest_ip", self.dests.capped),
            ("dest_port", self.dest_port.capped),
            ("sourcetype", self.sourcetype.capped),
        ];
        let ports_capped = self.dests.states.iter().any(|d| d.ports.capped);
        let mut names: Vec<&'static str> = columns
            .iter()
            .filter(|(_, capped)| *capped)
            .map(|(name, _)| *name)
            .collect();
        if ports_capped && !names.contains(&"dest_port") {
            names.push("dest_port");
        }
        names
    }
}

fn add_text(set: &mut Set<Shared>, value: &str, how: &mut Adding<'_>) {
    let found = set
        .items
        .as_slice()
        .binary_search_by(|item| item.0.as_bytes().cmp(value.as_bytes()));
    if found.is_err() {
        set.insert(how.texts.get(value), how.cap);
    }
}

fn merge_texts(set: &mut Set<Shared>, other: Set<Shared>, how: &mut Adding<'_>) {
    set.capped |= other.capped;
    for value in other.into_items() {
        add_text(set, &value.0, how);
    }
}

fn add_opt(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.saturating_add(b)),
        (a, b) => a.or(b),
    }
}

fn min_time(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_time(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// The texts groups share, each held once. Texts no group holds any more are dropped
/// whenever the table has doubled since it was last swept, so that it stays within
/// twice what the groups hold.
#[derive(Clone, Debug, Default)]
struct Texts {
    table: HashSet<Arc<str>>,
    swept: usize,
}

impl Texts {
    fn get(&mut self, text: &str) -> Shared {
        if let Some(shared) = self.table.get(text) {
            return Shared(shared.clone());
        }
        if self.table.len() >= 2 * self.swept.max(64) {
            self.table.retain(|t| Arc::strong_count(t) > 1);
            self.swept = self.table.len();
        }
        let shared: Arc<str> = text.into();
        self.table.insert(shared.clone());
        Shared(shared)
    }
}

impl PartialEq for Texts {
    fn eq(&self, _: &Texts) -> bool {
        true
    }
}

/// Groups finding records by source, within the caps.
///
/// ```
/// use smb_egress::{Addr, Aggregator, Record};
///
/// let mut agg = Aggregator::new(100, 100);
/// let mut record = Record::new("bro:conn");
/// record.src_ip = Some(Addr::parse("10.0.0.5"));
/// record.dest_ip = Some(Addr::parse("8.8.8.8"));
/// record.dest_port = 445;
/// agg.add(&record);
/// agg.add(&record);
/// assert_eq!(agg.groups().next().unwrap().1.count, 2);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "AggregatorParts")]
pub struct Aggregator {
    max_sources: usize,
    max_values: usize,
    detail: bool,
    groups: BTreeMap<Key, Box<Group>>,
    records: u64,
    sources_capped: bool,
    #[serde(skip)]
    texts: Texts,
}

/// An [`Aggregator`] as a snapshot holds it, before its groups are made to agree with
/// its settings and share their texts.
#[derive(Deserialize)]
struct AggregatorParts {
    max_sources: usize,
    max_values: usize,
    detail: bool,
    groups: BTreeMap<Key, Box<Group>>,
    records: u64,
    sources_capped: bool,
}

impl From<AggregatorParts> for Aggregator {
    fn from(parts: AggregatorParts) -> Aggregator {
        let mut agg = Aggregator::new(parts.max_sources, parts.max_values)
            .with_destination_detail(parts.detail);
        agg.groups = parts.groups;
        agg.records = parts.records;
        agg.sources_capped = parts.sources_capped;
        for group in agg.groups.values_mut() {
            group.dests.conform(agg.detail);
            group.share(&mut agg.texts);
        }
        agg
    }
}

impl Aggregator {
    /// An empty aggregator with caps on sources and on values per column, that keeps
    /// what each source did toward each destination.
    pub fn new(max_sources: usize, max_values: usize) -> Aggregator {
        Aggregator {
            max_sources: max_sources.max(1),
            max_values: max_values.max(1),
            detail: true,
            groups: BTreeMap::new(),
            records: 0,
            sources_capped: false,
            texts: Texts::default(),
        }
    }

    /// Whether to keep each destination's ports, count and times (the `default`
    /// profile shows them; `escu` shows only the destinations). Set it before adding.
    pub fn with_destination_detail(mut self, detail: bool) -> Aggregator {
        self.detail = detail;
        self
    }

    /// Adds a finding record; a record without `src_ip` forms no group and is ignored.
    pub fn add(&mut self, record: &Record) {
        let Some(src) = &record.src_ip else { return };
        self.records += 1;
        let src = AddrText::of(src);
        let text = src.as_str();
        let (cap, detail) = (self.max_values, self.detail);
        // An inline key compares quicker than a text; a longer text is looked up as it
        // is, so that no key is boxed for a source already held.
        let found = match text.len() {
            0..=INLINE => self.groups.get_mut(&Key::new(text)),
            _ => self.groups.get_mut(text.as_bytes()),
        };
        if let Some(group) = found {
            let texts = &mut self.texts;
            group.add(record, &mut Adding { cap, detail, texts });
            return;
        }
        if !self.make_room(text.as_bytes()) {
            return;
        }
        let mut group = Box::<Group>::default();
        let texts = &mut self.texts;
        group.add(record, &mut Adding { cap, detail, texts });
        self.groups.insert(Key::new(text), group);
    }

    /// Whether a new source `key` may get a group: when the cap is reached, only a key
    /// smaller than the largest present, which is then evicted.
    fn make_room(&mut self, key: &[u8]) -> bool {
        if self.groups.len() < self.max_sources {
            return true;
        }
        self.sources_capped = true;
        let larger = self
            .groups
            .last_key_value()
            .is_some_and(|(last, _)| key < last.as_bytes());
        if larger {
            self.groups.pop_last();
        }
        larger
    }

    /// Merges another aggregator's state into this one.
    pub fn merge(&mut self, other: Aggregator) {
        self.records += other.records;
        self.sources_capped |= other.sources_capped;
        for (key, mut group) in other.groups {
            group.dests.conform(self.detail);
            let mut how = Adding {
                cap: self.max_values,
                detail: self.detail,
                texts: &mut self.texts,
            };
            match self.groups.get_mut(&key) {
                Some(mine) => mine.merge(*group, &mut how),
                None => {
                    group.share(how.texts);
                    self.groups.insert(key, group);
                }
            }
        }
        while self.groups.len() > self.max_sources {
            self.groups.pop_last();
            self.sources_capped = true;
        }
    }

    /// The groups, by source in byte order.
    pub fn groups(&self) -> impl Iterator<Item = (&str, &Group)> {
        self.groups.iter().map(|(k, g)| (k.as_str(), &**g))
    }

    /// How many sources have a group.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether no source has a group.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Finding records added, including those the source cap held back.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Finding records whose source the cap held back.
    pub fn records_held_back(&self) -> u64 {
        self.records - self.groups.values().map(|g| g.count).sum::<u64>()
    }

    /// Whether the source cap was reached.
    pub fn sources_capped(&self) -> bool {
        self.sources_capped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(src: &str, dest: &str, port: u16, app: &str) -> Record {
        let mut record = Record::new("bro:conn");
        record.src_ip = Some(Addr::parse(src));
        record.dest_ip = Some(Addr::parse(dest));
        record.dest_port = port;
        record.app = Some(app.into());
        record.time = Some(1_709_028_000.0 + f64::from(port));
        record
    }

    #[test]
    fn ports_sort_by_their_text() {
        let mut ports: Vec<Port> = vec![80, 445, 0, 65535, 1445, 139, 8, 44];
        ports.sort_by(Port::text_cmp);
        assert_eq!(ports, [0, 139, 1445, 44, 445, 65535, 8, 80]);
        let mut texts: Vec<String> = ports.iter().map(|p| p.to_string()).collect();
        texts.sort();
        assert_eq!(
            texts,
            ports.iter().map(|p| p.to_string()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn keys_inline_and_boxed_hold_and_sort_as_their_text() {
        let texts = [
            "",
            "1.2.3.4",
            "255.255.255.255",
            "255.255.255.2555",
            "fe80::1",
            "é",
        ];
        let mut keys: Vec<Key> = texts.iter().map(|t| Key::new(t)).collect();
        keys.sort();
        let mut sorted = texts.to_vec();
        sorted.sort();
        assert_eq!(keys.iter().map(Key::as_str).collect::<Vec<_>>(), sorted);
        assert!(matches!(Key::new("255.255.255.255"), Key::Inline(15, _)));
        assert!(matches!(Key::new("255.255.255.2555"), Key::Boxed(_)));
    }

    /// Inline keys compare and equal as their bytes do, on texts that are equal, that
    /// start one another, that differ in either half, and that end in NULs.
    #[test]
    fn inline_keys_compare_as_their_bytes() {
        let alphabet = b"\0.019:af";
        let mut next = crate::testing::xorshift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..100_000 {
            let len = next() % (INLINE + 1);
            let a: Vec<u8> = (0..len)
                .map(|_| alphabet[next() % alphabet.len()])
                .collect();
            let mut b = a.clone();
            match next() % 3 {
                0 => b.truncate(next() % (len + 1)),
                1 => b.extend((len..INLINE).take(next() % 3).map(|_| alphabet[next() % 2])),
                _ if len > 0 => b[next() % len] = alphabet[next() % alphabet.len()],
                _ => {}
            }
            let text = |bytes: &[u8]| String::from_utf8(bytes.to_vec()).unwrap();
            let (ka, kb) = (Key::new(&text(&a)), Key::new(&text(&b)));
            assert!(matches!((&ka, &kb), (Key::Inline(..), Key::Inline(..))));
            assert_eq!(ka.cmp(&kb), a.cmp(&b), "{a:?} {b:?}");
            assert_eq!(ka == kb, a == b, "{a:?} {b:?}");
        }
    }

    /// Sources held inline and sources too long for it are found again, each in one
    /// group, and the groups come out in the texts' byte order.
    #[test]
    fn sources_short_and_long_gather_in_one_group_each() {
        let long = "fd12:3456:789a:1::2"; // over the inline length
        let short = "fd12:3456::2";
        let mut agg = Aggregator::new(10, 10);
        for src in [long, short, long, "10.0.0.1", short, long] {
            agg.add(&record(src, "8.8.8.8", 445, "smb"));
        }
        let groups: Vec<(&str, u64)> = agg.groups().map(|(src, g)| (src, g.count)).collect();
        assert_eq!(groups, [("10.0.0.1", 1), (long, 3), (short, 2)]);
    }

    #[test]
    fn sets_keep_the_smallest_values_and_say_when_capped() {
        let mut set = Set::default();
        for port in [445, 80, 139, 8080, 22] {
            set.insert(port, 3);
        }
        assert_eq!(set.iter().copied().collect::<Vec<_>>(), [139, 22, 445]);
        assert!(set.capped);
        let mut merged = Set::default();
        merged.insert(80, 3);
        merged.merge(set.clone(), 3);
        assert_eq!(merged, set);
    }

    #[test]
    fn addresses_are_written_as_their_canonical_text() {
        for text in [
            "10.0.0.1",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "::ffff:1.2.3.4",
        ] {
            assert_eq!(AddrText::of(&Addr::parse(text)).as_str(), text);
        }
        let long = "host-".repeat(40);
        assert_eq!(AddrText::of(&Addr::parse(&long)).as_str(), long);
    }

    #[test]
    fn texts_no_group_holds_are_swept_from_the_shared_table() {
        let mut agg = Aggregator::new(10, 1);
        for n in 0..100_000 {
            agg.add(&record(
                "10.0.0.1",
                "81.2.69.160",
                445,
                &format!("app-{n:06}"),
            ));
        }
        let group = agg.groups().next().unwrap().1;
        assert_eq!(group.app().collect::<Vec<_>>(), ["app-000000"]);
        assert!(agg.texts.table.len() < 200, "{}", agg.texts.table.len());
    }

    #[test]
    fn a_snapshot_round_trips_with_and_without_detail() {
        for detail in [true, false] {
            let mut agg = Aggregator::new(100, 2).with_destination_detail(detail);
            for (src, dest, port) in [
                ("10.0.0.2", "81.2.69.160", 445),
                ("10.0.0.1", "fe80::1", 139),
                ("10.0.0.1", "81.2.69.160", 445),
                ("10.0.0.1", "89.160.20.112", 445),
                ("10.0.0.1", "1.2.3.4", 8445),
            ] {
                agg.add(&record(src, dest, port, "smb"));
            }
            let bytes = postcard::to_allocvec(&agg).unwrap();
            let back: Aggregator = postcard::from_bytes(&bytes).unwrap();
            assert_eq!(back, agg);
            let group = back.groups().next().unwrap().1;
            assert_eq!(
                group.dest_ip().collect::<Vec<_>>(),
                ["1.2.3.4", "81.2.69.160"]
            );
            assert_eq!(group.destinations().count(), if detail { 2 } else { 0 });
            assert_eq!(group.capped_columns(), ["dest_ip", "dest_port"]);
        }
    }

    #[test]
    fn a_snapshot_with_disordered_or_mismatched_destinations_is_refused_or_merges() {
        let key = Key::new;
        let refused = [
            (vec![key("9.9.9.9"), key("1.1.1.1")], vec![]),
            (vec![key("1.1.1.1"), key("1.1.1.1")], vec![]),
            (
                vec![key("1.1.1.1"), key("2.2.2.2")],
                vec![DestState::default()],
            ),
        ];
        for (addrs, states) in refused {
            let bytes = postcard::to_allocvec(&(addrs, states, false)).unwrap();
            assert!(postcard::from_bytes::<Dests>(&bytes).is_err());
        }
        let bytes = postcard::to_allocvec(&(vec![445u16, 139], false)).unwrap();
        assert!(postcard::from_bytes::<Set<Port>>(&bytes).is_err());
        let bytes = postcard::to_allocvec(&(vec![139u16, 445], false)).unwrap();
        assert_eq!(postcard::from_bytes::<Set<Port>>(&bytes).unwrap().len(), 2);

        let mut plain = Aggregator::new(10, 10).with_destination_detail(false);
        plain.add(&record("10.0.0.1", "81.2.69.160", 445, "smb"));
        let mut detailed = Aggregator::new(10, 10);
        detailed.add(&record("10.0.0.1", "89.160.20.112", 139, "smb"));
        detailed.merge(plain.clone());
        detailed.add(&record("10.0.0.1", "1.2.3.4", 445, "smb"));
        let group = detailed.groups().next().unwrap().1;
        assert_eq!(group.destinations().count(), 3);
        plain.merge(detailed);
        assert_eq!(plain.groups().next().unwrap().1.destinations().count(), 0);
    }
}
