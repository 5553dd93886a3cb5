//! The analyzer: bytes in, report out, with state that can be saved and merged.
//!
//! An [`Analyzer`] ties the parts together: the [`LineReader`] splits chunks into
//! lines, the [`JsonAssembler`] joins multi-line JSON, [`parse_line`] turns each line
//! into records, the asset lookup adds destination categories, [`judge`] applies the
//! profile, and the [`Aggregator`] groups findings. [`Analyzer::snapshot`] writes the
//! state as bytes; [`Analyzer::merge_snapshot`] adds another part's state, so a run can
//! be split over threads, processes or pipeline nodes.

use serde::{Deserialize, Serialize};

use crate::aggregate::Aggregator;
use crate::config::{Config, Profile};
use crate::error::ConfigError;
use crate::filter::{Verdict, judge};
use crate::formats::{Ctx, FileState, Format, SkipReason, parse_line};
use crate::prefilter::{Mode, Prefilter};
use crate::reader::{Assembled, JsonAssembler, Line, LineReader, LineSink};
use crate::record::Record;
use crate::report::{Report, ReportView, Stats};
use crate::verdicts::VerdictLog;

/// The name of an input that was not named.
pub const UNNAMED_INPUT: &str = "-";

/// Runs the detection over a stream of bytes.
///
/// ```
/// use smb_egress::{Analyzer, Config, Options};
///
/// let options = Options { profile: Some("escu".into()), ..Options::default() };
/// let mut analyzer = Analyzer::new(Config::new(&options).unwrap());
/// analyzer.push(br#"{"ts":1709028000.5,"id.orig_h":"10.0.0.5","id.orig_p":50100,"#);
/// analyzer.push(br#""id.resp_h":"198.51.100.7","id.resp_p":445,"proto":"tcp"}"#);
/// let report = analyzer.finish();
/// assert_eq!(report.stats.lines, 1);
/// ```
#[derive(Debug)]
pub struct Analyzer {
    config: Config,
    reader: LineReader,
    json: JsonAssembler,
    json_start: u64,
    file: FileState,
    input: String,
    input_bytes: u64,
    input_open: bool,
    agg: Aggregator,
    stats: Stats,
    scratch: Vec<Record>,
    records_out: Option<String>,
    verdicts: Option<VerdictLog>,
    prefilter: Prefilter,
    /// Whether the last line read was a one-line JSON object: the lines that follow
    /// are then passed over as JSON lines.
    json_lines: bool,
    nul_free: Vec<u8>,
}

/// A snapshot as read by [`Analyzer::merge_snapshot`].
#[derive(Deserialize)]
struct Snapshot {
    magic: String,
    fingerprint: String,
    stats: Stats,
    agg: Aggregator,
}

/// A snapshot as written by [`Analyzer::snapshot`]: the same fields, borrowed from the
/// analyzer, so that writing it does not first copy every group.
#[derive(Serialize)]
struct SnapshotRef<'a> {
    magic: &'a str,
    fingerprint: String,
    stats: &'a Stats,
    agg: &'a Aggregator,
}

const SNAPSHOT_MAGIC: &str = "smb-egress-snapshot-2";

impl Analyzer {
    /// An analyzer for a configuration.
    pub fn new(config: Config) -> Analyzer {
        Analyzer {
            reader: LineReader::new(config.max_line_bytes),
            json: JsonAssembler::new(config.max_line_bytes),
            json_start: 0,
            file: FileState::default(),
            input: UNNAMED_INPUT.to_owned(),
            input_bytes: 0,
            input_open: false,
            agg: Aggregator::new(config.max_sources, config.max_values)
                .with_destination_detail(config.profile == Profile::Default),
            stats: Stats::default(),
            scratch: Vec::new(),
            records_out: None,
            verdicts: None,
            prefilter: Prefilter::new(&config.ports),
            json_lines: false,
            nul_free: Vec::new(),
            config,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The statistics so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Starts a new input (a file): ends the current one and forgets its header layout.
    pub fn begin_input(&mut self, name: &str) {
        self.end_input();
        self.input = name.to_owned();
        self.input_open = true;
    }

    /// Starts a part of an input that begins mid-file, at a line boundary, for a run
    /// split by byte ranges. `header` is the file's leading header lines (Zeek `#fields`
    /// and the like), read for their layout only; it may be empty. Line numbers count
    /// from the part's start until the parts are merged in input order, so a part should
    /// be the first input of its analyzer, with one snapshot per part.
    pub fn begin_input_part(&mut self, name: &str, header: &[u8]) {
        self.begin_input(name);
        self.stats.starts_mid_file |= self.stats.files.is_empty();
        let mut reader = LineReader::new(self.config.max_line_bytes);
        let file = &mut self.file;
        let mut ctx = Ctx::new(self.config.syslog_year(), self.config.offset_secs);
        let mut read_header = |_: u64, line: Line<'_>| {
            if let Line::Text(text) = line {
                let text = String::from_utf8_lossy(text);
                if text.starts_with('#') || is_header_only(&text) {
                    let _ = parse_line(&text, file, None, &mut ctx, &mut Vec::new());
                }
            }
        };
        reader.push(header, &mut read_header);
        reader.finish(&mut read_header);
    }

    /// Records that the input `name` could not be read, wholly or after a part of it
    /// (whose lines count as read): the report lists it with the reason, so that a run
    /// over many inputs says which were not read and still reports the rest. Ends the
    /// current input.
    pub fn input_failed(&mut self, name: &str, reason: &str) {
        self.end_input();
        self.stats.input_failed(name, reason);
    }

    /// Asks for the records view: every record, as one JSON object a line, kept until
    /// [`Analyzer::take_records`].
    pub fn collect_records(&mut self, on: bool) {
        self.records_out = on.then(String::new);
    }

    /// The records collected since the last call, one JSON object a line.
    pub fn take_records(&mut self) -> String {
        self.records_out
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Asks for the verdicts view (see [`crate::verdicts`]): every record that either
    /// profile takes as SMB, with this profile's verdict, kept until
    /// [`Analyzer::take_verdicts`], at most `cap` lines at a time; `None` turns it off.
    pub fn collect_verdicts(&mut self, cap: Option<usize>) {
        self.verdicts = cap.map(VerdictLog::new);
    }

    /// The verdicts kept since the last call, one JSON object a line.
    pub fn take_verdicts(&mut self) -> String {
        self.verdicts
            .as_mut()
            .map(VerdictLog::take)
            .unwrap_or_default()
    }

    /// How many verdicts the view's cap held back since it was turned on.
    pub fn verdicts_dropped(&self) -> u64 {
        self.verdicts.as_ref().map_or(0, VerdictLog::dropped)
    }

    /// Feeds a chunk of the current input.
    pub fn push(&mut self, chunk: &[u8]) {
        // An empty chunk changes nothing, so that no cut of the input differs from
        // another; an input named with `begin_input` is listed even when empty.
        if chunk.is_empty() {
            return;
        }
        self.input_open = true;
        self.input_bytes += chunk.len() as u64;
        self.stats.bytes += chunk.len() as u64;
        let mut reader = std::mem::replace(&mut self.reader, LineReader::new(0));
        reader.push_to(chunk, &mut Lines(self));
        self.reader = reader;
    }

    /// Ends the current input: its last line is read, and its layout forgotten.
    pub fn end_input(&mut self) {
        if !self.input_open {
            return;
        }
        let mut reader = std::mem::replace(&mut self.reader, LineReader::new(0));
        reader.finish(&mut |n, line| self.on_line(n, line));
        if self.json.is_active() {
            self.skip(
                self.json_start,
                SkipReason::Malformed,
                "JSON document not closed",
            );
        }
        if reader.is_utf16() {
            self.stats.utf16_inputs += 1;
        }
        self.stats
            .add_file(&self.input, self.input_bytes, reader.line_number());
        self.reader = LineReader::new(self.config.max_line_bytes);
        self.json = JsonAssembler::new(self.config.max_line_bytes);
        self.file = FileState::default();
        self.input_bytes = 0;
        self.input_open = false;
    }

    fn on_line(&mut self, n: u64, line: Line<'_>) {
        self.stats.lines += 1;
        self.json_lines = matches!(line, Line::Text([b'{', .., b'}']));
        let text = match line {
            Line::Text(text) => text,
            Line::TooLong { bytes } => {
                let cap = self.config.max_line_bytes;
                let detail = format!("line of {bytes} bytes is over the cap of {cap} bytes");
                return self.skip(n, SkipReason::TooLong, &detail);
            }
        };
        if memchr::memchr(0, text).is_some() {
            // NUL bytes come from pre-allocated or crashed log files, and from UTF-16
            // text that had no byte-order mark: the line is read without them, and
            // counted.
            self.stats.nul_lines += 1;
            let mut clean = std::mem::take(&mut self.nul_free);
            clean.clear();
            clean.extend(text.iter().filter(|&&b| b != 0));
            self.read_text(n, &clean);
            self.nul_free = clean;
            return;
        }
        self.read_text(n, text);
    }

    fn read_text(&mut self, n: u64, text: &[u8]) {
        let was_active = self.json.is_active();
        match self.json.line(text) {
            Assembled::Line => self.parse(n, text),
            Assembled::Structure => {}
            Assembled::Pending => {
                if !was_active {
                    self.json_start = n;
                }
            }
            Assembled::Document(doc) => {
                let start = if was_active { self.json_start } else { n };
                self.parse(start, &doc);
            }
            Assembled::TooLong(size) => {
                let cap = self.config.max_line_bytes;
                let detail = format!("JSON document of {size}+ bytes is over the cap of {cap}");
                self.skip(self.json_start, SkipReason::TooLong, &detail);
            }
        }
    }

    fn parse(&mut self, n: u64, bytes: &[u8]) {
        if self.can_skip(bytes) {
            self.stats.prefiltered_lines += 1;
            return;
        }
        let text = String::from_utf8_lossy(bytes);
        if matches!(text, std::borrow::Cow::Owned(_)) {
            self.stats.invalid_utf8_lines += 1;
        }
        let mut ctx = Ctx::new(self.config.syslog_year(), self.config.offset_secs);
        let mut records = std::mem::take(&mut self.scratch);
        records.clear();
        let parsed = parse_line(
            &text,
            &mut self.file,
            self.config.format,
            &mut ctx,
            &mut records,
        );
        match parsed {
            Ok(None) => {}
            Ok(Some(_)) if records.is_empty() => self.skip(
                n,
                SkipReason::NotConnection,
                "no connection in the document",
            ),
            Ok(Some(format)) => {
                for record in records.drain(..) {
                    self.add_parsed(format, record, ctx.year_assumed);
                }
            }
            Err(skip) => self.skip(n, skip.reason, &skip.detail),
        }
        self.scratch = records;
    }

    /// Whether the line can be passed over unparsed: it holds no SMB port or name, no
    /// records view was asked for, and the file's layout does not need every line.
    /// Under a Zeek layout, which only `#` lines change, header words of other formats
    /// do not make a row worth parsing.
    fn can_skip(&self, line: &[u8]) -> bool {
        if self.records_out.is_some() || self.file.needs_every_line() {
            return false;
        }
        match &self.file.zeek {
            Some(_) => !self.prefilter.may_hold_smb_row(line),
            None => !self.prefilter.may_hold_smb(line),
        }
    }

    /// How many whole lines at the start of `bytes` can be passed over unread, as
    /// [`Analyzer::can_skip`] would pass each of them; they count as lines and as
    /// prefiltered lines.
    fn skippable(&mut self, bytes: &[u8]) -> (usize, u64) {
        if self.records_out.is_some() || self.json.is_active() || self.file.needs_every_line() {
            return (0, 0);
        }
        let mode = match &self.file.zeek {
            Some(_) => Mode::Rows,
            None if self.json_lines => Mode::Json,
            None => Mode::Text,
        };
        // Lines longer than the cap are reported as such, so only lines shorter than
        // the cap are passed over: those that fit in a window of the cap's size.
        let window = &bytes[..bytes.len().min(self.config.max_line_bytes)];
        let (len, lines) = self.prefilter.skippable(window, mode);
        self.stats.lines += lines;
        self.stats.prefiltered_lines += lines;
        (len, lines)
    }

    fn skip(&mut self, n: u64, reason: SkipReason, detail: &str) {
        self.stats.skip(&self.input, n, reason.name(), detail);
    }

    /// Adds a record that is already normalized (a pipeline's parsed event, say), as if
    /// a line of `format` had given it.
    pub fn add_record(&mut self, format: Format, record: Record) {
        self.add_parsed(format, record, false);
    }

    fn add_parsed(&mut self, format: Format, mut record: Record, year_assumed: bool) {
        self.stats.records += 1;
        count(&mut self.stats.formats, format.id());
        if year_assumed {
            self.stats.yearless_dates += 1;
            self.stats.assumed_year = Some(self.config.syslog_year());
        }
        self.config.enrich(&mut record);
        if let Some(out) = &mut self.records_out {
            out.push_str(&serde_json::to_string(&record).unwrap_or_default());
            out.push('\n');
        }
        self.judge(&record);
    }

    fn judge(&mut self, record: &Record) {
        let verdict = judge(record, &self.config);
        if let Some(view) = &mut self.verdicts {
            view.add(record, verdict, &self.config);
        }
        match verdict {
            Verdict::NotCandidate => {}
            Verdict::Excluded(why) => {
                self.stats.candidates += 1;
                count(&mut self.stats.excluded, why.name());
            }
            Verdict::Finding => {
                self.stats.candidates += 1;
                self.stats.finding_records += 1;
                self.agg.add(record);
            }
        }
    }

    /// Ends the current input and writes the state as bytes for
    /// [`Analyzer::merge_snapshot`].
    pub fn snapshot(&mut self) -> Vec<u8> {
        self.end_input();
        let snapshot = SnapshotRef {
            magic: SNAPSHOT_MAGIC,
            fingerprint: fingerprint(&self.config),
            stats: &self.stats,
            agg: &self.agg,
        };
        postcard::to_allocvec(&snapshot).unwrap_or_default()
    }

    /// Adds the state of another part of the input, written by [`Analyzer::snapshot`]
    /// under the same configuration. Parts merged in input order give exactly the report
    /// of one pass.
    pub fn merge_snapshot(&mut self, bytes: &[u8]) -> Result<(), ConfigError> {
        let bad = |why: &str| ConfigError::new("bad_snapshot", why);
        let snapshot: Snapshot =
            postcard::from_bytes(bytes).map_err(|_| bad("not a smb-egress snapshot"))?;
        if snapshot.magic != SNAPSHOT_MAGIC {
            return Err(bad("snapshot of another version of smb-egress"));
        }
        if snapshot.fingerprint != fingerprint(&self.config) {
            return Err(bad("snapshot made with other options"));
        }
        self.end_input();
        self.stats.merge(snapshot.stats);
        self.agg.merge(snapshot.agg);
        Ok(())
    }

    /// Ends the input and gives the report.
    pub fn finish(mut self) -> Report {
        self.end_input();
        self.report()
    }

    /// The report of what was read so far (the current input's unfinished line aside).
    pub fn report(&self) -> Report {
        let caps = (self.config.max_sources, self.config.max_values);
        Report::build(
            self.config.profile,
            self.config.offset_secs,
            &self.agg,
            self.stats.clone(),
            caps,
        )
    }

    /// A view of the report of what was read so far, read straight from the state: the
    /// renderers in [`crate::render`] write it finding by finding, without the copy of
    /// every finding that a [`Report`] holds. Call [`Analyzer::end_input`] first for a
    /// report of everything pushed.
    pub fn view(&self) -> ReportView<'_> {
        let caps = (self.config.max_sources, self.config.max_values);
        let (profile, offset) = (self.config.profile, self.config.offset_secs);
        ReportView::new(profile, offset, &self.agg, &self.stats, caps)
    }

    /// Analyzes a whole input at once.
    pub fn analyze(config: Config, input: &[u8]) -> Report {
        let mut analyzer = Analyzer::new(config);
        analyzer.push(input);
        analyzer.finish()
    }
}

/// The analyzer as the line reader's sink.
struct Lines<'a>(&'a mut Analyzer);

impl LineSink for Lines<'_> {
    fn line(&mut self, n: u64, line: Line<'_>) {
        self.0.on_line(n, line);
    }

    fn skippable(&mut self, bytes: &[u8]) -> (usize, u64) {
        self.0.skippable(bytes)
    }
}

/// The length in bytes of the header lines at the start of a file: lines starting with
/// `#` (Zeek, W3C) and a CSV or flow-log header row. A part of the file that starts
/// mid-file needs them, given to [`Analyzer::begin_input_part`].
///
/// ```
/// use smb_egress::analyzer::header_len;
///
/// let head = b"#separator \\x09\n#fields\tts\tuid\n1709028000.1\tC1\n";
/// assert_eq!(header_len(head), head.len() - b"1709028000.1\tC1\n".len());
/// assert_eq!(header_len(b"{\"ts\":1}\n"), 0);
/// ```
pub fn header_len(head: &[u8]) -> usize {
    let mut len = 0;
    for line in head.split_inclusive(|b| *b == b'\n') {
        let text = String::from_utf8_lossy(line);
        let text = text.trim_start_matches('\u{feff}').trim_end();
        if !line.ends_with(b"\n") || !(text.starts_with('#') || is_header_only(text)) {
            break;
        }
        len += line.len();
    }
    len
}

/// Whether a line is a header of a CSV-like layout (read by [`parse_line`] as such).
fn is_header_only(line: &str) -> bool {
    let mut state = FileState::default();
    let mut ctx = Ctx::new(1970, 0);
    matches!(
        parse_line(line, &mut state, None, &mut ctx, &mut Vec::new()),
        Ok(None)
    )
}

/// A digest of the configuration: states merge only under the same one.
fn fingerprint(config: &Config) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    format!("{config:?}").hash(&mut hasher);
    format!("{}-{:016x}", config.profile.name(), hasher.finish())
}

/// Adds one to the count of `name`, making its key only the first time.
fn count(counts: &mut std::collections::BTreeMap<String, u64>, name: &str) {
    match counts.get_mut(name) {
        Some(n) => *n += 1,
        None => {
            counts.insert(name.to_owned(), 1);
        }
    }
}
