//! The result of a run: findings, and statistics that explain everything else.
//!
//! [`Stats`] counts what was read and why each line or record did not become part of a
//! finding, so an empty result is never a mystery. Every counter adds up when partial
//! results merge; samples keep their order when shards are merged in input order.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::aggregate::{Aggregator, Group};
use crate::config::Profile;
use crate::time::format_time;

/// Samples kept per skip reason.
pub const SAMPLES_PER_REASON: usize = 3;

/// A line that was skipped, as an example for the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// The input's name (a file name, or `-` for standard input).
    pub file: String,
    /// The line number in that input, from 1.
    pub line: u64,
    /// The skip reason (`unrecognized`, `malformed`, `missing_field`, …).
    pub reason: String,
    /// What was wrong, in one line.
    pub detail: String,
}

/// An input that could not be read, wholly or after a part of it was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unreadable {
    /// The input's name.
    pub file: String,
    /// Why, in one line (the reader's error).
    pub reason: String,
}

/// What was read from one input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStat {
    /// Bytes read.
    pub bytes: u64,
    /// Lines read.
    pub lines: u64,
}

/// What happened during a run, counted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Bytes read.
    pub bytes: u64,
    /// Lines read (a JSON document spread over several lines counts each line).
    pub lines: u64,
    /// Per input, in the order first read.
    pub files: Vec<(String, FileStat)>,
    /// Inputs that could not be read (or not to their end), in the order reported.
    pub unreadable: Vec<Unreadable>,
    /// Lines passed over unparsed because they hold no SMB port or name (see
    /// [`crate::prefilter`]).
    pub prefiltered_lines: u64,
    /// Records produced.
    pub records: u64,
    /// Records per format id.
    pub formats: BTreeMap<String, u64>,
    /// Lines skipped per reason.
    pub skipped: BTreeMap<String, u64>,
    /// A few skipped lines per reason, in input order.
    pub samples: Vec<Sample>,
    /// Lines that held bytes that are not UTF-8 (read with U+FFFD in their place).
    pub invalid_utf8_lines: u64,
    /// Inputs decoded from UTF-16.
    pub utf16_inputs: u64,
    /// Lines that held NUL bytes (read with them removed).
    pub nul_lines: u64,
    /// Records whose syslog date had no year, and so took the configured or current one.
    pub yearless_dates: u64,
    /// The year given to dates without one, when any were read.
    pub assumed_year: Option<i32>,
    /// SMB candidates under the profile.
    pub candidates: u64,
    /// Candidates excluded, per reason.
    pub excluded: BTreeMap<String, u64>,
    /// Candidates that became part of a finding.
    pub finding_records: u64,
    /// Whether the first input of this (partial) run started mid-file, its line numbers
    /// counting from the start of the part; merging in input order makes them absolute.
    pub starts_mid_file: bool,
    /// Where each input's name is in `files`, so that a run over many inputs, or the
    /// merge of a snapshot listing many, takes linear time.
    #[serde(skip)]
    file_index: FileIndex,
}

/// The positions of input names in [`Stats::files`]; rebuilt when out of step with it
/// (after deserializing, or when the list was changed directly). Equal whatever it holds,
/// since it only mirrors `files`.
#[derive(Clone, Debug, Default)]
struct FileIndex(HashMap<String, usize>);

impl PartialEq for FileIndex {
    fn eq(&self, _: &FileIndex) -> bool {
        true
    }
}

impl Stats {
    /// Counts a skipped line and keeps it as a sample if few of its reason are kept.
    pub fn skip(&mut self, file: &str, line: u64, reason: &str, detail: &str) {
        *self.skipped.entry(reason.to_owned()).or_default() += 1;
        let kept = self.samples.iter().filter(|s| s.reason == reason).count();
        if kept < SAMPLES_PER_REASON {
            let detail: String = detail.chars().take(200).collect();
            let sample = Sample {
                file: file.to_owned(),
                line,
                reason: reason.to_owned(),
                detail,
            };
            self.samples.push(sample);
        }
    }

    /// Records that an input could not be read; an input is listed once.
    pub fn input_failed(&mut self, file: &str, reason: &str) {
        if self.unreadable.iter().all(|u| u.file != file) {
            self.unreadable.push(Unreadable {
                file: file.to_owned(),
                reason: reason.to_owned(),
            });
        }
    }

    /// Adds the counts of a later part of the input to this one.
    pub fn merge(&mut self, other: Stats) {
        if self.files.is_empty() {
            self.starts_mid_file = other.starts_mid_file;
        }
        let offset = match other.files.first() {
            Some((name, _)) if other.starts_mid_file => self.file_lines(name),
            _ => 0,
        };
        let first_file = other.files.first().map(|(name, _)| name.clone());
        let mut kept: HashMap<String, usize> = HashMap::new();
        for sample in &self.samples {
            *kept.entry(sample.reason.clone()).or_default() += 1;
        }
        for mut sample in other.samples {
            if other.starts_mid_file && Some(&sample.file) == first_file.as_ref() {
                sample.line += offset;
            }
            let kept = kept.entry(sample.reason.clone()).or_default();
            if *kept < SAMPLES_PER_REASON {
                *kept += 1;
                self.samples.push(sample);
            }
        }
        for (name, stat) in other.files {
            self.add_file(&name, stat.bytes, stat.lines);
        }
        for failed in other.unreadable {
            self.input_failed(&failed.file, &failed.reason);
        }
        self.bytes += other.bytes;
        self.lines += other.lines;
        self.prefiltered_lines += other.prefiltered_lines;
        self.records += other.records;
        add_counts(&mut self.formats, other.formats);
        add_counts(&mut self.skipped, other.skipped);
        self.invalid_utf8_lines += other.invalid_utf8_lines;
        self.utf16_inputs += other.utf16_inputs;
        self.nul_lines += other.nul_lines;
        self.yearless_dates += other.yearless_dates;
        self.assumed_year = self.assumed_year.or(other.assumed_year);
        self.candidates += other.candidates;
        add_counts(&mut self.excluded, other.excluded);
        self.finding_records += other.finding_records;
    }

    fn file_lines(&mut self, name: &str) -> u64 {
        self.file_position(name)
            .map_or(0, |at| self.files[at].1.lines)
    }

    /// Where an input is in `files`.
    fn file_position(&mut self, name: &str) -> Option<usize> {
        let index = &mut self.file_index.0;
        let in_step = index.len() == self.files.len()
            && self
                .files
                .last()
                .is_none_or(|(last, _)| index.contains_key(last));
        if !in_step {
            index.clear();
            for (at, (name, _)) in self.files.iter().enumerate() {
                index.entry(name.clone()).or_insert(at);
            }
        }
        index.get(name).copied()
    }

    /// Adds bytes and lines read from an input.
    pub fn add_file(&mut self, name: &str, bytes: u64, lines: u64) {
        match self.file_position(name) {
            Some(at) => {
                let stat = &mut self.files[at].1;
                stat.bytes += bytes;
                stat.lines += lines;
            }
            None => {
                self.file_index.0.insert(name.to_owned(), self.files.len());
                self.files
                    .push((name.to_owned(), FileStat { bytes, lines }));
            }
        }
    }
}

fn add_counts(into: &mut BTreeMap<String, u64>, from: BTreeMap<String, u64>) {
    for (key, n) in from {
        *into.entry(key).or_default() += n;
    }
}

/// One destination of a finding (the `default` profile's breakdown).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Destination {
    /// The destination address.
    pub dest_ip: String,
    /// Its ports, in byte order.
    pub dest_port: Vec<String>,
    /// Records toward it.
    pub count: u64,
    /// Earliest time, formatted.
    pub first_time: Option<String>,
    /// Latest time, formatted.
    pub last_time: Option<String>,
}

/// One row of the result: a source and what it did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// The internal host.
    pub src_ip: String,
    /// Earliest time, formatted; `None` when no record had a time.
    pub start_time: Option<String>,
    /// Latest time, formatted.
    pub end_time: Option<String>,
    /// Distinct actions in byte order.
    pub action: Vec<String>,
    /// Distinct applications.
    pub app: Vec<String>,
    /// Distinct destinations.
    pub dest_ip: Vec<String>,
    /// Distinct destination ports.
    pub dest_port: Vec<String>,
    /// Distinct sourcetypes.
    pub sourcetype: Vec<String>,
    /// Records.
    pub count: u64,
    /// Distinct destinations (`default`).
    pub dest_count: u64,
    /// Sum of `bytes_out` where carried (`default`).
    pub bytes_out: Option<u64>,
    /// Sum of `bytes_in` where carried (`default`).
    pub bytes_in: Option<u64>,
    /// Records with a completed handshake (`default`).
    pub established: u64,
    /// Per destination (`default`, JSON only).
    pub destinations: Vec<Destination>,
    /// Columns whose cap held values back.
    pub capped: Vec<&'static str>,
}

/// What the caps held back.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Caps {
    /// The cap on sources.
    pub max_sources: usize,
    /// The cap on values per column.
    pub max_values: usize,
    /// Whether more sources than the cap had findings.
    pub sources_capped: bool,
    /// Finding records whose source was held back.
    pub records_held_back: u64,
    /// Findings with a column whose values were held back.
    pub findings_with_capped_values: u64,
}

/// The result of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The profile that produced it.
    pub profile: Profile,
    /// The offset from UTC of the times shown, in seconds.
    pub offset_secs: i32,
    /// One row per source, by `src_ip` in byte order.
    pub findings: Vec<Finding>,
    /// What was read, skipped and excluded.
    pub stats: Stats,
    /// What the caps held back.
    pub caps: Caps,
}

impl Report {
    /// Builds the report from the aggregated state.
    pub fn build(
        profile: Profile,
        offset_secs: i32,
        agg: &Aggregator,
        stats: Stats,
        caps: (usize, usize),
    ) -> Report {
        let view = ReportView::new(profile, offset_secs, agg, &stats, caps);
        let findings: Vec<Finding> = view.findings().collect();
        let caps = view.caps;
        Report {
            profile,
            offset_secs,
            findings,
            stats,
            caps,
        }
    }

    /// The output columns of the profile, in order.
    pub fn columns(&self) -> &'static [&'static str] {
        columns(self.profile)
    }
}

/// A report read straight from the aggregated state: its rows are made one at a time
/// as they are read, so rendering it holds no copy of every finding (a [`Report`]
/// does). The renderers in [`crate::render`] take either.
#[derive(Clone, Debug)]
pub struct ReportView<'a> {
    /// The profile that produced it.
    pub profile: Profile,
    /// The offset from UTC of the times shown, in seconds.
    pub offset_secs: i32,
    /// What was read, skipped and excluded.
    pub stats: &'a Stats,
    /// What the caps held back.
    pub caps: Caps,
    agg: &'a Aggregator,
}

impl<'a> ReportView<'a> {
    /// A view of the aggregated state; `caps` are the caps on sources and on values.
    pub fn new(
        profile: Profile,
        offset_secs: i32,
        agg: &'a Aggregator,
        stats: &'a Stats,
        caps: (usize, usize),
    ) -> ReportView<'a> {
        let caps = Caps {
            max_sources: caps.0,
            max_values: caps.1,
            sources_capped: agg.sources_capped(),
            records_held_back: agg.records_held_back(),
            findings_with_capped_values: capped_columns(agg).count() as u64,
        };
        ReportView {
            profile,
            offset_secs,
            stats,
            caps,
            agg,
        }
    }

    /// How many findings there are.
    pub fn len(&self) -> usize {
        self.agg.len()
    }

    /// Whether there are no findings.
    pub fn is_empty(&self) -> bool {
        self.agg.is_empty()
    }

    /// The findings, by `src_ip` in byte order, each made as it is read.
    pub fn findings(&self) -> impl Iterator<Item = Finding> + 'a {
        let offset = self.offset_secs;
        self.agg
            .groups()
            .map(move |(src, group)| finding(src, group, offset))
    }

    /// The columns a cap held back of each finding that has any (its `capped`), by
    /// `src_ip` in byte order, read without making the findings.
    pub fn capped(&self) -> impl Iterator<Item = (&'a str, Vec<&'static str>)> + 'a {
        capped_columns(self.agg)
    }
}

/// The columns a cap held back of each group that has any, by source.
fn capped_columns(agg: &Aggregator) -> impl Iterator<Item = (&str, Vec<&'static str>)> {
    agg.groups()
        .map(|(src, group)| (src, group.capped_columns()))
        .filter(|(_, columns)| !columns.is_empty())
}

/// The `escu` columns, in order.
pub const ESCU_COLUMNS: [&str; 9] = [
    "src_ip",
    "start_time",
    "end_time",
    "action",
    "app",
    "dest_ip",
    "dest_port",
    "sourcetype",
    "count",
];

/// The `default` columns, in order.
pub const DEFAULT_COLUMNS: [&str; 13] = [
    "src_ip",
    "start_time",
    "end_time",
    "action",
    "app",
    "dest_ip",
    "dest_port",
    "sourcetype",
    "count",
    "dest_count",
    "bytes_out",
    "bytes_in",
    "established",
];

/// The output columns of a profile, in order.
pub fn columns(profile: Profile) -> &'static [&'static str] {
    match profile {
        Profile::Escu => &ESCU_COLUMNS,
        Profile::Default => &DEFAULT_COLUMNS,
    }
}

fn finding(src: &str, group: &Group, offset: i32) -> Finding {
    let time = |t: Option<f64>| t.map(|t| format_time(t, offset));
    let texts = |values: &mut dyn Iterator<Item = &str>| values.map(str::to_owned).collect();
    let ports = |ports: &mut dyn Iterator<Item = u16>| ports.map(|p| p.to_string()).collect();
    let destinations = group
        .destinations()
        .map(|(ip, d)| Destination {
            dest_ip: ip.to_owned(),
            dest_port: ports(&mut d.ports()),
            count: d.count,
            first_time: time(d.first),
            last_time: time(d.last),
        })
        .collect();
    Finding {
        src_ip: src.to_owned(),
        start_time: time(group.start),
        end_time: time(group.end),
        action: texts(&mut group.action()),
        app: texts(&mut group.app()),
        dest_ip: texts(&mut group.dest_ip()),
        dest_port: ports(&mut group.dest_port()),
        sourcetype: texts(&mut group.sourcetype()),
        count: group.count,
        dest_count: group.dest_count() as u64,
        bytes_out: group.bytes_out,
        bytes_in: group.bytes_in,
        established: group.established,
        destinations,
        capped: group.capped_columns(),
    }
}
