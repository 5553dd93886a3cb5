//! The report as JSON, NDJSON, CSV, or an aligned table for terminals.
//!
//! All four show the profile's columns in order. JSON adds the statistics and, for the
//! `default` profile, each finding's destinations. CSV follows Splunk's export
//! (multivalue cells joined by newlines) and makes formula-like cells inert. The table
//! replaces control characters in log text, so a log cannot drive the terminal.

use serde_json::{Map, Value, json};

use crate::config::Profile;
use crate::report::{Finding, Report, Stats};

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

fn cell_json(cell: Cell<'_>) -> Value {
    match cell {
        Cell::Text(t) => Value::from(t),
        Cell::List(items) => Value::from(items.to_vec()),
        Cell::Number(n) => Value::from(n),
        Cell::Missing => Value::Null,
    }
}

/// A finding as a JSON object with the profile's columns (and, for `default`, its
/// destinations).
pub fn finding_json(report: &Report, finding: &Finding) -> Value {
    let mut object = Map::new();
    for column in report.columns() {
        object.insert((*column).to_owned(), cell_json(cell(finding, column)));
    }
    if report.profile == Profile::Default {
        let destinations = serde_json::to_value(&finding.destinations).unwrap_or(Value::Null);
        object.insert("destinations".into(), destinations);
    }
    Value::Object(object)
}

/// The statistics as a JSON object.
pub fn stats_json(report: &Report) -> Value {
    let stats: &Stats = &report.stats;
    let files: Map<String, Value> = stats
        .files
        .iter()
        .map(|(name, f)| (name.clone(), json!({ "bytes": f.bytes, "lines": f.lines })))
        .collect();
    let capped: Map<String, Value> = report
        .findings
        .iter()
        .filter(|f| !f.capped.is_empty())
        .map(|f| (f.src_ip.clone(), Value::from(f.capped.clone())))
        .collect();
    json!({
        "bytes": stats.bytes,
        "lines": stats.lines,
        "files": files,
        "unreadable": stats.unreadable,
        "prefiltered_lines": stats.prefiltered_lines,
        "records": stats.records,
        "formats": stats.formats,
        "skipped": stats.skipped,
        "skipped_samples": stats.samples,
        "invalid_utf8_lines": stats.invalid_utf8_lines,
        "utf16_inputs": stats.utf16_inputs,
        "nul_lines": stats.nul_lines,
        "yearless_dates": stats.yearless_dates,
        "assumed_year": stats.assumed_year,
        "candidates": stats.candidates,
        "excluded": stats.excluded,
        "finding_records": stats.finding_records,
        "findings": report.findings.len(),
        "caps": report.caps,
        "capped_columns": capped,
    })
}

/// The whole report as a JSON value: `profile`, `findings`, `stats`.
pub fn report_json(report: &Report) -> Value {
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| finding_json(report, f))
        .collect();
    json!({
        "profile": report.profile.name(),
        "time_offset": crate::time::offset_text(report.offset_secs),
        "findings": findings,
        "stats": stats_json(report),
    })
}

/// The report as pretty-printed JSON.
pub fn to_json(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(&report_json(report)).unwrap_or_default();
    text.push('\n');
    text
}

/// One finding a line, as compact JSON.
pub fn to_ndjson(report: &Report) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        out.push_str(&finding_json(report, finding).to_string());
        out.push('\n');
    }
    out
}

/// The findings as CSV with the profile's columns as the header row.
///
/// ```
/// use smb_egress::render::inert_csv_cell;
///
/// assert_eq!(inert_csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
/// assert_eq!(inert_csv_cell("10.0.0.1"), "10.0.0.1");
/// ```
pub fn to_csv(report: &Report) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(vec![]);
    let columns = report.columns();
    let _ = writer.write_record(columns);
    for finding in &report.findings {
        let row = columns
            .iter()
            .map(|c| inert_csv_cell(&cell_text(cell(finding, c), "\n")));
        let _ = writer.write_record(row);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
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
pub fn to_table(report: &Report) -> String {
    const WIDEST: usize = 48;
    let columns = report.columns();
    let mut rows: Vec<Vec<String>> = vec![columns.iter().map(|c| c.to_string()).collect()];
    for finding in &report.findings {
        let row = columns
            .iter()
            .map(|c| shorten(&terminal_safe(&cell_text(cell(finding, c), ",")), WIDEST));
        rows.push(row.collect());
    }
    let widths: Vec<usize> = (0..columns.len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (n, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
        if n == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&rule.join("  "));
            out.push('\n');
        }
    }
    out.push_str(&summary(report));
    out
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
pub fn summary(report: &Report) -> String {
    let stats = &report.stats;
    let skipped: u64 = stats.skipped.values().sum();
    let mut out = format!(
        "{} finding(s); {} line(s): {} without SMB port or name, {} record(s), {} skipped; \
         {} SMB candidate(s)\n",
        report.findings.len(),
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
