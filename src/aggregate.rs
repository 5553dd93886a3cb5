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

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::record::Record;

/// Distinct values in byte order, at most `cap` of them (the smallest are kept).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ValueSet {
    values: BTreeSet<String>,
    capped: bool,
}

impl ValueSet {
    fn insert(&mut self, value: &str, cap: usize) {
        if self.values.contains(value) || self.capped_out(value, cap) {
            return;
        }
        self.values.insert(value.to_owned());
        self.trim(cap);
    }

    /// True when the set is full and `value` would be evicted at once.
    fn capped_out(&mut self, value: &str, cap: usize) -> bool {
        let full = self.values.len() >= cap;
        let larger = self.values.last().is_some_and(|last| value > last.as_str());
        if full && larger {
            self.capped = true;
        }
        full && larger
    }

    fn trim(&mut self, cap: usize) {
        while self.values.len() > cap {
            self.values.pop_last();
            self.capped = true;
        }
    }

    fn merge(&mut self, other: ValueSet, cap: usize) {
        self.values.extend(other.values);
        self.capped |= other.capped;
        self.trim(cap);
    }

    /// The values, in byte order.
    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(String::as_str)
    }

    /// Whether the cap held values back.
    pub fn capped(&self) -> bool {
        self.capped
    }
}

/// What one source did toward one destination.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DestState {
    /// Destination ports, in byte order.
    pub ports: ValueSet,
    /// Records toward this destination.
    pub count: u64,
    /// Earliest time.
    pub first: Option<f64>,
    /// Latest time.
    pub last: Option<f64>,
}

/// The running state of one source's finding.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// Earliest `_time`.
    pub start: Option<f64>,
    /// Latest `_time`.
    pub end: Option<f64>,
    /// Distinct actions.
    pub action: ValueSet,
    /// Distinct applications.
    pub app: ValueSet,
    /// Distinct destination ports.
    pub dest_port: ValueSet,
    /// Distinct sourcetypes.
    pub sourcetype: ValueSet,
    /// Records in the group.
    pub count: u64,
    /// Sum of `bytes_out` over the records that carry it.
    pub bytes_out: Option<u64>,
    /// Sum of `bytes_in` over the records that carry it.
    pub bytes_in: Option<u64>,
    /// Records that showed a completed handshake.
    pub established: u64,
    /// Per destination address; its keys are the `dest_ip` column.
    pub dests: BTreeMap<String, DestState>,
    /// Whether the cap on values held destinations back.
    pub dests_capped: bool,
}

impl Group {
    fn add(&mut self, record: &Record, cap: usize) {
        let port = record.dest_port.to_string();
        let port = port.as_str();
        self.start = min_time(self.start, record.time);
        self.end = max_time(self.end, record.time);
        self.action.insert(&record.action, cap);
        if let Some(app) = &record.app {
            self.app.insert(app, cap);
        }
        self.dest_port.insert(port, cap);
        self.sourcetype.insert(&record.sourcetype, cap);
        self.count += 1;
        self.bytes_out = add_opt(self.bytes_out, record.bytes_out);
        self.bytes_in = add_opt(self.bytes_in, record.bytes_in);
        self.established += u64::from(record.established == Some(true));
        if let Some(dest) = &record.dest_ip {
            self.add_dest(&dest.to_string(), port, record.time, cap);
        }
    }

    fn add_dest(&mut self, dest: &str, port: &str, time: Option<f64>, cap: usize) {
        let full = self.dests.len() >= cap;
        if !self.dests.contains_key(dest) {
            if full
                && self
                    .dests
                    .last_key_value()
                    .is_some_and(|(last, _)| dest > last.as_str())
            {
                self.dests_capped = true;
                return;
            }
            self.dests.insert(dest.to_owned(), DestState::default());
        }
        let entry = self.dests.get_mut(dest).expect("inserted above");
        entry.ports.insert(port, cap);
        entry.count += 1;
        entry.first = min_time(entry.first, time);
        entry.last = max_time(entry.last, time);
        self.trim_dests(cap);
    }

    fn trim_dests(&mut self, cap: usize) {
        while self.dests.len() > cap {
            self.dests.pop_last();
            self.dests_capped = true;
        }
    }

    fn merge(&mut self, other: Group, cap: usize) {
        self.start = min_time(self.start, other.start);
        self.end = max_time(self.end, other.end);
        self.action.merge(other.action, cap);
        self.app.merge(other.app, cap);
        self.dest_port.merge(other.dest_port, cap);
        self.sourcetype.merge(other.sourcetype, cap);
        self.count += other.count;
        self.bytes_out = add_opt(self.bytes_out, other.bytes_out);
        self.bytes_in = add_opt(self.bytes_in, other.bytes_in);
        self.established += other.established;
        self.dests_capped |= other.dests_capped;
        for (dest, state) in other.dests {
            let entry = self.dests.entry(dest).or_default();
            entry.ports.merge(state.ports, cap);
            entry.count += state.count;
            entry.first = min_time(entry.first, state.first);
            entry.last = max_time(entry.last, state.last);
        }
        self.trim_dests(cap);
    }

    /// The names of the columns whose cap held values back.
    pub fn capped_columns(&self) -> Vec<&'static str> {
        let columns = [
            ("action", self.action.capped),
            ("app", self.app.capped),
            ("dest_ip", self.dests_capped),
            ("dest_port", self.dest_port.capped),
            ("sourcetype", self.sourcetype.capped),
        ];
        let ports_capped = self.dests.values().any(|d| d.ports.capped);
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
pub struct Aggregator {
    max_sources: usize,
    max_values: usize,
    groups: BTreeMap<String, Group>,
    records: u64,
    sources_capped: bool,
}

impl Aggregator {
    /// An empty aggregator with caps on sources and on values per column.
    pub fn new(max_sources: usize, max_values: usize) -> Aggregator {
        Aggregator {
            max_sources: max_sources.max(1),
            max_values: max_values.max(1),
            groups: BTreeMap::new(),
            records: 0,
            sources_capped: false,
        }
    }

    /// Adds a finding record; a record without `src_ip` forms no group and is ignored.
    pub fn add(&mut self, record: &Record) {
        let Some(src) = &record.src_ip else { return };
        self.records += 1;
        let key = src.to_string();
        if !self.groups.contains_key(&key) && !self.make_room(&key) {
            return;
        }
        self.groups
            .entry(key)
            .or_default()
            .add(record, self.max_values);
    }

    /// Whether a new source `key` may get a group: when the cap is reached, only a key
    /// smaller than the largest present, which is then evicted.
    fn make_room(&mut self, key: &str) -> bool {
        if self.groups.len() < self.max_sources {
            return true;
        }
        self.sources_capped = true;
        let larger = self
            .groups
            .last_key_value()
            .is_some_and(|(last, _)| key < last.as_str());
        if larger {
            self.groups.pop_last();
        }
        larger
    }

    /// Merges another aggregator's state into this one.
    pub fn merge(&mut self, other: Aggregator) {
        self.records += other.records;
        self.sources_capped |= other.sources_capped;
        for (key, group) in other.groups {
            match self.groups.get_mut(&key) {
                Some(mine) => mine.merge(group, self.max_values),
                None => {
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
        self.groups.iter().map(|(k, g)| (k.as_str(), g))
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
