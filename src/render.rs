//! The report as JSON, NDJSON, CSV, or an aligned table for terminals.
//!
//! All four show the profile's columns in order. JSON adds the statistics and, for the
//! `default` profile, each finding's destinations. CSV follows Splunk's export
//! (multivalue cells joined by newlines) and makes formula-like cells inert. The table
//! replaces control characters in log text, so a log cannot drive the terminal.

use std::borrow::Cow;
use std::io;

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};
use serde_json::{Map, Value, json};

use crate::config::Profile;
use crate::report::{Caps, Finding, Report, ReportView, Stats, columns};

/// What the renderers read: a built [`Report`], or a [`ReportView`] of the aggregated
/// state whose rows are made one at a time.
pub trait Source {
    /// The profile that produced the report.
    fn profile(&self) -> Profile;
    /// The offset from UTC of the times shown, in seconds.
    fn offset_secs(&self) -> i32;
    /// What was read, skipped and excluded.
    fn stats(&self) -> &Stats;
    /// What the caps held back.
    fn caps(&self) -> &Caps;
    /// How many findings there are.
    fn finding_count(&self) -> usize;
    /// The findings, by `src_ip` in byte order.
    fn findings(&self) -> Box<dyn Iterator<Item = Cow<'_, Finding>> + '_>;
    /// The columns a cap held back of each finding that has any, by `src_ip` in byte
    /// order.
    fn capped(&self) -> Box<dyn Iterator<Item = (&str, Vec<&'static str>)> + '_>;
}

impl Source for Report {
    fn profile(&self) -> Profile {
        self.profile
    }

    fn offset_secs(&self) -> i32 {
        self.offset_secs
    }

    fn stats(&self) -> &Stats {
        &self.stats
    }

    fn caps(&self) -> &Caps {
        &self.caps
    }

    fn finding_count(&self) -> usize {
        self.findings.len()
    }

    fn findings(&self) -> Box<dyn Iterator<Item = Cow<'_, Finding>> + '_> {
        Box::new(self.findings.iter().map(Cow::Borrowed))
    }

    fn capped(&self) -> Box<dyn Iterator<Item = (&str, Vec<&'static str>)> + '_> {
        let capped = self.findings.iter().filter(|f| !f.capped.is_empty());
        Box::new(capped.map(|f| (f.src_ip.as_str(), f.capped.clone())))
    }
}

impl Source for ReportView<'_> {
    fn profile(&self) -> Profile {
        self.profile
    }

    fn offset_secs(&self) -> i32 {
        self.offset_secs
    }

    fn stats(&self) -> &Stats {
        self.stats
    }

    fn caps(&self) -> &Caps {
        &self.caps
    }

    fn finding_count(&self) -> usize {
        self.len()
    }

    fn findings(&self) -> Box<dyn Iterator<Item = Cow<'_, Finding>> + '_> {
        Box::new(ReportView::findings(self).map(Cow::Owned))
    }

    // Read from the groups: a finding is not made for it, where a report of 100,000
    // findings would make each one a second time.
    fn capped(&self) -> Box<dyn Iterator<Item = (&str, Vec<&'static str>)> + '_> {
        Box::new(ReportView::capped(self))
    }
}

/// The forms a report is rendered in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// The whole report as compact JSON, for a program to parse.
    Object,
    /// The whole report as pretty-printed JSON.
    Json,
    /// One finding a line, as compact JSON.
    Ndjson,
    /// The findings as CSV.
    Csv,
    /// The findings as an aligned table, and a summary.
    Table,
}

impl Output {
    /// Every output, in the order of [`Output::name`]s documented to users.
    pub const ALL: [Output; 5] = [
        Output::Object,
        Output::Json,
        Output::Ndjson,
        Output::Csv,
        Output::Table,
    ];

    /// The output's name: `object`, `json`, `ndjson`, `csv` or `table`.
    pub fn name(self) -> &'static str {
        match self {
            Output::Object => "object",
            Output::Json => "json",
            Output::Ndjson => "ndjson",
            Output::Csv => "csv",
            Output::Table => "table",
        }
    }

    /// The output of a name.
    ///
    /// ```
    /// use smb_egress::render::Output;
    ///
    /// assert_eq!(Output::from_name("csv"), Some(Output::Csv));
    /// assert_eq!(Output::from_name("xml"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Output> {
        Output::ALL.into_iter().find(|o| o.name() == name)
    }
}

/// Writes a report in one of the outputs, finding by finding, so that what is held at
/// once is one finding's text, not the whole report's.
pub fn write<S: Source + ?Sized>(
    report: &S,
    output: Output,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    match output {
        Output::Object => write_json(out, Layout::Compact, &ReportOut(report))?,
        Output::Json => {
            write_json(out, Layout::pretty(), &ReportOut(report))?;
            out.write_all(b"\n")?;
        }
        Output::Ndjson => write_ndjson(report, out)?,
        Output::Csv => write_csv(report, out)?,
        Output::Table => write_table(report, out)?,
    }
    out.flush()
}

/// Writes a value as JSON in a layout.
fn write_json(out: &mut dyn io::Write, layout: Layout, value: &impl Serialize) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(out, layout);
    value.serialize(&mut serializer).map_err(io::Error::from)
}

/// The layout of JSON text, compact or pretty: one formatter type for both, so that
/// the wasm module holds one copy of the code that writes each part of a report.
enum Layout {
    Compact,
    Pretty(PrettyFormatter<'static>),
}

impl Layout {
    fn pretty() -> Layout {
        Layout::Pretty(PrettyFormatter::new())
    }
}

/// Calls a [`Formatter`] method on the layout's formatter.
macro_rules! by_layout {
    ($layout:expr, $method:ident($($arg:expr),*)) => {
        match $layout {
            Layout::Compact => CompactFormatter.$method($($arg),*),
            Layout::Pretty(pretty) => pretty.$method($($arg),*),
        }
    };
}

impl Formatter for Layout {
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        by_layout!(self, begin_array(w))
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        by_layout!(self, end_array(w))
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        by_layout!(self, begin_array_value(w, first))
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        by_layout!(self, end_array_value(w))
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        by_layout!(self, begin_object(w))
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        by_layout!(self, end_object(w))
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        by_layout!(self, begin_object_key(w, first))
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        by_layout!(self, begin_object_value(w))
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        by_layout!(self, end_object_value(w))
    }
}

/// A report rendered whole, as text.
pub fn render<S: Source + ?Sized>(report: &S, output: Output) -> String {
    let mut bytes = Vec::new();
    let _ = write(report, output, &mut bytes);
    String::from_utf8(bytes).unwrap_or_default()
}

/// An [`io::Write`] that hands what is written on as text in pieces of about `size`
/// bytes, each whole UTF-8: how a large report leaves for a consumer that takes text.
///
/// ```
/// use std::io::Write;
/// use smb_egress::render::Pieces;
///
/// let mut got = Vec::new();
/// let mut pieces = Pieces::new(2, |piece: &str| {
///     got.push(piece.to_owned());
///     Ok(())
/// });
/// let text = "aé".as_bytes();
/// pieces.write_all(&text[..2]).unwrap(); // `a` and half of `é`
/// pieces.write_all(&text[2..]).unwrap();
/// pieces.flush().unwrap();
/// drop(pieces);
/// assert_eq!(got, ["a", "é"]);
/// ```
pub struct Pieces<F: FnMut(&str) -> io::Result<()>> {
    size: usize,
    pending: Vec<u8>,
    take: F,
}

impl<F: FnMut(&str) -> io::Result<()>> Pieces<F> {
    /// Pieces of about `size` bytes, each given to `take`.
    pub fn new(size: usize, take: F) -> Pieces<F> {
        Pieces {
            size: size.max(1),
            pending: Vec::new(),
            take,
        }
    }

    /// Hands on the whole characters pending, keeping a character cut at the end.
    fn hand_on(&mut self) -> io::Result<()> {
        let whole = match std::str::from_utf8(&self.pending) {
            Ok(text) => text.len(),
            Err(error) if error.error_len().is_none() => error.valid_up_to(),
            Err(_) => return Err(io::Error::new(io::ErrorKind::InvalidData, "not UTF-8")),
        };
        if whole > 0 {
            let text = std::str::from_utf8(&self.pending[..whole]).unwrap_or_default();
            (self.take)(text)?;
            self.pending.drain(..whole);
        }
        Ok(())
    }
}

impl<F: FnMut(&str) -> io::Result<()>> io::Write for Pieces<F> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= self.size {
            self.hand_on()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.hand_on()
    }
}

/// One cell of a finding.
enum Cell<'a> {
    Text(&'a str),
    List(&'a [String]),
    Number(u64),
    Missing,
}

fn cell<'a>(finding: &'a Finding, column: &str) -> Cell<'a> {
    let text = |t: &'a Option<String>| t.as_deref().map_or(Cell::Missing, Cell::Text);
    let number = |n: Option<u64>| n.map_or(Cell::Missing, Cell::Number);
    match column {
        "src_ip" => Cell::Text(&finding.src_ip),
        "start_time" => text(&finding.start_time),
        "end_time" => text(&finding.end_time),
        "action" => Cell::List(&finding.action),
        "app" => Cell::List(&finding.app),
        "dest_ip" => Cell::List(&finding.dest_ip),
        "dest_port" => Cell::List(&finding.dest_port),
        "sourcetype" => Cell::List(&finding.sourcetype),
        "count" => Cell::Number(finding.count),
        "dest_count" => Cell::Number(finding.dest_count),
        "bytes_out" => number(finding.bytes_out),
        "bytes_in" => number(finding.bytes_in),
        "established" => Cell::Number(finding.established),
        _ => Cell::Missing,
    }
}

impl Serialize for Cell<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Text(t) => serializer.serialize_str(t),
            Cell::List(items) => items.serialize(serializer),
            Cell::Number(n) => serializer.serialize_u64(*n),
            Cell::Missing => serializer.serialize_unit(),
        }
    }
}

/// A finding as JSON: the profile's columns (and, for `default`, its destinations).
struct FindingOut<'a>(Profile, &'a Finding);

impl Serialize for FindingOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let FindingOut(profile, finding) = *self;
        let mut map = serializer.serialize_map(None)?;
        for column in columns(profile) {
            map.serialize_entry(column, &cell(finding, column))?;
        }
        if profile == Profile::Default {
            map.serialize_entry("destinations", &finding.destinations)?;
        }
        map.end()
    }
}

/// The findings as a JSON array, each made as it is written.
struct FindingsOut<'a, S: ?Sized>(&'a S);

impl<R: Source + ?Sized> Serialize for FindingsOut<'_, R> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let report = self.0;
        let mut seq = serializer.serialize_seq(Some(report.finding_count()))?;
        for finding in report.findings() {
            seq.serialize_element(&FindingOut(report.profile(), &finding))?;
        }
        seq.end()
    }
}

/// The columns each finding's cap held back, by source, for the findings that have any.
struct CappedOut<'a, S: ?Sized>(&'a S);

impl<R: Source + ?Sized> Serialize for CappedOut<'_, R> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (src_ip, columns) in self.0.capped() {
            map.serialize_entry(src_ip, &columns)?;
        }
        map.end()
    }
}

/// The statistics as JSON.
struct StatsOut<'a, S: ?Sized>(&'a S);

impl<R: Source + ?Sized> Serialize for StatsOut<'_, R> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let report = self.0;
        let stats = report.stats();
        let files: Map<String, Value> = stats
            .files
            .iter()
            .map(|(name, f)| (name.clone(), json!({ "bytes": f.bytes, "lines": f.lines })))
            .collect();
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("bytes", &stats.bytes)?;
        map.serialize_entry("lines", &stats.lines)?;
        map.serialize_entry("files", &files)?;
        map.serialize_entry("unreadable", &stats.unreadable)?;
        map.serialize_entry("prefiltered_lines", &stats.prefiltered_lines)?;
        map.serialize_entry("records", &stats.records)?;
        map.serialize_entry("formats", &stats.formats)?;
        map.serialize_entry("skipped", &stats.skipped)?;
        map.serialize_entry("skipped_samples", &stats.samples)?;
        map.serialize_entry("invalid_utf8_lines", &stats.invalid_utf8_lines)?;
        map.serialize_entry("utf16_inputs", &stats.utf16_inputs)?;
        map.serialize_entry("nul_lines", &stats.nul_lines)?;
        map.serialize_entry("yearless_dates", &stats.yearless_dates)?;
        map.serialize_entry("assumed_year", &stats.assumed_year)?;
        map.serialize_entry("candidates", &stats.candidates)?;
        map.serialize_entry("excluded", &stats.excluded)?;
        map.serialize_entry("finding_records", &stats.finding_records)?;
        map.serialize_entry("findings", &report.finding_count())?;
        map.serialize_entry("caps", report.caps())?;
        map.serialize_entry("capped_columns", &CappedOut(report))?;
        map.end()
    }
}

/// The whole report as JSON: `profile`, `time_offset`, `findings`, `stats`.
struct ReportOut<'a, S: ?Sized>(&'a S);

impl<R: Source + ?Sized> Serialize for ReportOut<'_, R> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let report = self.0;
        let offset = crate::time::offset_text(report.offset_secs());
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("profile", report.profile().name())?;
        map.serialize_entry("time_offset", &offset)?;
        map.serialize_entry("findings", &FindingsOut(report))?;
        map.serialize_entry("stats", &StatsOut(report))?;
        map.end()
    }
}

/// A finding as a JSON object with the profile's columns (and, for `default`, its
/// destinations).
pub fn finding_json<S: Source + ?Sized>(report: &S, finding: &Finding) -> Value {
    serde_json::to_value(FindingOut(report.profile(), finding)).unwrap_or(Value::Null)
}

/// The statistics as a JSON object.
pub fn stats_json<S: Source + ?Sized>(report: &S) -> Value {
    serde_json::to_value(StatsOut(report)).unwrap_or(Value::Null)
}

/// The whole report as a JSON value: `profile`, `findings`, `stats`.
///
/// A [`Value`]'s objects hold their keys in sorted order (the crate leaves serde_json's
/// `preserve_order` off, as its ordered maps hash every key and made reading JSON logs
/// slower); the text outputs ([`write`], [`render`]) keep the columns in the search's
/// order.
pub fn report_json<S: Source + ?Sized>(report: &S) -> Value {
    serde_json::to_value(ReportOut(report)).unwrap_or(Value::Null)
}

/// The report as pretty-printed JSON.
pub fn to_json<S: Source + ?Sized>(report: &S) -> String {
    render(report, Output::Json)
}

/// One finding a line, as compact JSON.
pub fn to_ndjson<S: Source + ?Sized>(report: &S) -> String {
    render(report, Output::Ndjson)
}

fn write_ndjson<S: Source + ?Sized>(report: &S, out: &mut dyn io::Write) -> io::Result<()> {
    for finding in report.findings() {
        write_json(
            out,
            Layout::Compact,
            &FindingOut(report.profile(), &finding),
        )?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// The findings as CSV with the profile's columns as the header row.
///
/// ```
/// use smb_egress::render::inert_csv_cell;
///
/// assert_eq!(inert_csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
/// assert_eq!(inert_csv_cell("10.0.0.1"), "10.0.0.1");
/// ```
pub fn to_csv<S: Source + ?Sized>(report: &S) -> String {
    render(report, Output::Csv)
}

fn write_csv<S: Source + ?Sized>(report: &S, out: &mut dyn io::Write) -> io::Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let columns = columns(report.profile());
    writer.write_record(columns)?;
    for finding in report.findings() {
        let row = columns
            .iter()
            .map(|c| inert_csv_cell(&cell_text(cell(&finding, c), "\n")));
        writer.write_record(row)?;
    }
    writer.flush()
}

fn cell_text(cell: Cell<'_>, separator: &str) -> String {
    match cell {
        Cell::Text(t) => t.to_owned(),
        Cell::List(items) => items.join(separator),
        Cell::Number(n) => n.to_string(),
        Cell::Missing => String::new(),
    }
}

/// Makes a cell that a spreadsheet would run as a formula inert by prefixing `'`.
pub fn inert_csv_cell(text: &str) -> String {
    match text.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// Writes control characters (C0, DEL, C1), the bidirectional controls, and characters
/// that show nothing (zero-width spaces and joiners, line and paragraph separators, the
/// byte-order mark, tag characters) as visible escapes, so text from a log cannot move
/// the cursor, change colours, reorder what a terminal shows, or hide part of a name.
///
/// ```
/// use smb_egress::render::terminal_safe;
///
/// assert_eq!(terminal_safe("a\x1b[31mb"), "a\\x1b[31mb");
/// assert_eq!(terminal_safe("fs\u{202e}01"), "fs\\u{202e}01");
/// assert_eq!(terminal_safe("evil\u{200b}.exe"), "evil\\u{200b}.exe");
/// ```
pub fn terminal_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\0'..='\x1f' | '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if invisible(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            _ => out.push(c),
        }
    }
    out
}

/// C1 controls, and format characters that move, reorder or hide text on a terminal.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{80}'..='\u{9f}'
        | '\u{ad}'
        | '\u{61c}'
        | '\u{180e}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206f}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}'
        | '\u{e0000}'..='\u{e007f}')
}

/// The findings as an aligned text table; multivalue cells are joined by commas, long
/// cells shortened, and every cell made safe for a terminal.
pub fn to_table<S: Source + ?Sized>(report: &S) -> String {
    render(report, Output::Table)
}

/// The widest a table cell is shown.
const WIDEST: usize = 48;

/// A finding's row of the table.
fn table_row(finding: &Finding, columns: &[&str]) -> Vec<String> {
    columns
        .iter()
        .map(|c| shorten(&terminal_safe(&cell_text(cell(finding, c), ",")), WIDEST))
        .collect()
}

/// Writes the table in two passes over the findings: one for the widths of the
/// columns, one for the rows, so that no more than a row is held at once.
fn write_table<S: Source + ?Sized>(report: &S, out: &mut dyn io::Write) -> io::Result<()> {
    let columns = columns(report.profile());
    let header: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    let mut widths: Vec<usize> = header.iter().map(|c| c.chars().count()).collect();
    for finding in report.findings() {
        for (width, cell) in widths.iter_mut().zip(table_row(&finding, columns)) {
            *width = (*width).max(cell.chars().count());
        }
    }
    write_table_row(out, &header, &widths)?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    writeln!(out, "{}", rule.join("  "))?;
    for finding in report.findings() {
        write_table_row(out, &table_row(&finding, columns), &widths)?;
    }
    out.write_all(summary(report).as_bytes())
}

fn write_table_row(out: &mut dyn io::Write, row: &[String], widths: &[usize]) -> io::Result<()> {
    let cells: Vec<String> = row
        .iter()
        .zip(widths)
        .map(|(c, w)| format!("{c:<w$}"))
        .collect();
    writeln!(out, "{}", cells.join("  ").trim_end())
}

fn shorten(text: &str, widest: usize) -> String {
    if text.chars().count() <= widest {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(widest - 1).collect();
    short.push('…');
    short
}

/// One or two lines that say what the run read and why candidates were excluded.
pub fn summary<S: Source + ?Sized>(report: &S) -> String {
    let stats = report.stats();
    let skipped: u64 = stats.skipped.values().sum();
    let mut out = format!(
        "{} finding(s); {} line(s): {} without SMB port or name, {} record(s), {} skipped; \
         {} SMB candidate(s)\n",
        report.finding_count(),
        stats.lines,
        stats.prefiltered_lines,
        stats.records,
        skipped,
        stats.candidates
    );
    if !stats.excluded.is_empty() {
        let reasons: Vec<String> = stats
            .excluded
            .iter()
            .map(|(reason, n)| format!("{reason} {n}"))
            .collect();
        out.push_str(&format!("excluded: {}\n", reasons.join(", ")));
    }
    out.push_str(&encoding_note(stats));
    out.push_str(&unreadable_note(stats));
    out
}

/// A line naming the inputs that could not be read, when there were any.
fn unreadable_note(stats: &Stats) -> String {
    if stats.unreadable.is_empty() {
        return String::new();
    }
    let inputs: Vec<String> = stats
        .unreadable
        .iter()
        .map(|u| terminal_safe(&format!("{} ({})", u.file, u.reason)))
        .collect();
    format!(
        "not read: {} input(s): {}\n",
        inputs.len(),
        inputs.join(", ")
    )
}

/// A line saying how text that was not plain UTF-8 was read, when there was any.
fn encoding_note(stats: &Stats) -> String {
    let notes = [
        (stats.utf16_inputs, "input(s) decoded from UTF-16"),
        (
            stats.invalid_utf8_lines,
            "line(s) not UTF-8, read with U+FFFD",
        ),
        (stats.nul_lines, "line(s) with NUL bytes, read without them"),
    ];
    let notes: Vec<String> = notes
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    if notes.is_empty() {
        return String::new();
    }
    format!("encoding: {}\n", notes.join(", "))
}
