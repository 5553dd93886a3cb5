//! Records already normalized to the Splunk CIM Network_Traffic data model, as JSON
//! lines or CSV (Splunk search exports).
//!
//! The data model is specified in Splunk's "Network Traffic" page of the Common
//! Information Model add-on manual
//! (<https://docs.splunk.com/Documentation/CIM/latest/User/NetworkTraffic>). Field names
//! are read plain (`src_ip`) or as the data model's dataset prefixes them
//! (`All_Traffic.src_ip`, which `tstats` writes); a JSON document may also nest them
//! (`{"All_Traffic": {"src_ip": …}}`), and Splunk's JSON export wraps each event as
//! `{"result": {…}}`.
//!
//! Fields read: `_time` (epoch seconds or ISO 8601), `src_ip`, `src_port`, `dest_ip`,
//! `dest_port`, `transport`, `app`, `action`, `direction`, `bytes_in`, `bytes_out`,
//! `dest_category`, `dest` and `sourcetype`. They keep their meaning: the values are
//! already CIM, so `action` and `app` are kept as written (`action` `unknown` when
//! missing) and the record's own `sourcetype` is kept (`cim` when missing).
//! `dest_category` is multivalue: a JSON array, or text whose values are joined by
//! newlines as Splunk's CSV export writes them. Elsewhere a JSON array gives its first
//! value. `established` is never set: the data model has no such field.
//!
//! A CSV header row names the columns; it is recognized by a column named `src_ip` and
//! one named `dest_ip` (plain or prefixed). A quoted cell may run over several lines
//! (Splunk joins multivalue cells with newlines): the lines of such a row are held by
//! the layout until the row is complete, and read as one row. A quote left open for
//! more than 256 lines or 1 MiB is reported as one `malformed` row and its lines are
//! dropped.
//!
//! A JSON document or row with neither `src_ip`, `dest_ip` nor `dest` gives
//! `missing_field`.

use std::borrow::Cow;

use serde_json::Value;

use super::json::get_any;
use super::{Ctx, Format, Needle, Skip, SkipReason};
use crate::addr::Addr;
use crate::record::{Direction, Record, parse_port, transport_name};
use crate::time::{parse_epoch, parse_iso8601};

/// The fields read, in one order: the index of a name is its [`Field`].
const NAMES: [&str; 14] = [
    "_time",
    "src_ip",
    "src_port",
    "dest_ip",
    "dest_port",
    "transport",
    "app",
    "action",
    "direction",
    "bytes_in",
    "bytes_out",
    "dest_category",
    "dest",
    "sourcetype",
];

/// The names as the `All_Traffic` dataset prefixes them, in the order of [`NAMES`].
const PREFIXED: [&str; 14] = [
    "All_Traffic._time",
    "All_Traffic.src_ip",
    "All_Traffic.src_port",
    "All_Traffic.dest_ip",
    "All_Traffic.dest_port",
    "All_Traffic.transport",
    "All_Traffic.app",
    "All_Traffic.action",
    "All_Traffic.direction",
    "All_Traffic.bytes_in",
    "All_Traffic.bytes_out",
    "All_Traffic.dest_category",
    "All_Traffic.dest",
    "All_Traffic.sourcetype",
];

/// The dataset prefix of the data model's field names.
const PREFIX: &str = "All_Traffic.";

/// The longest a row running over several lines may grow, in bytes.
const MAX_ROW: usize = 1 << 20;

/// The most lines a row may run over.
const MAX_ROW_LINES: usize = 256;

/// The most columns a header row may have; a longer row is not taken for a header, so
/// that a line of commas does not become a layout of a million columns.
const MAX_COLUMNS: usize = 4096;

/// A field of [`NAMES`], by its index.
#[derive(Clone, Copy)]
enum Field {
    Time,
    SrcIp,
    SrcPort,
    DestIp,
    DestPort,
    Transport,
    App,
    Action,
    Direction,
    BytesIn,
    BytesOut,
    DestCategory,
    Dest,
    Sourcetype,
}

/// Where a record's values come from: a JSON document or a CSV row.
trait Fields {
    /// A field's value; empty values count as missing.
    fn text(&self, field: Field) -> Option<Cow<'_, str>>;

    /// The values of `dest_category`.
    fn categories(&self) -> Vec<String>;
}

/// Whether the JSON document has CIM address fields.
pub fn is_json(v: &Value) -> bool {
    let v = unwrap_result(v);
    [Field::SrcIp, Field::DestIp]
        .iter()
        .any(|f| get_any(v, &[NAMES[*f as usize], PREFIXED[*f as usize]]).is_some())
}

/// Reads one JSON document.
pub fn from_json(v: &Value, ctx: &mut Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    out.push(build(&unwrap_result(v), ctx)?);
    Ok(())
}

/// The event inside Splunk's JSON export wrapper, or the document itself.
fn unwrap_result(v: &Value) -> &Value {
    v.get("result").filter(|r| r.is_object()).unwrap_or(v)
}

impl Fields for &Value {
    fn text(&self, field: Field) -> Option<Cow<'_, str>> {
        let value = get_any(self, &[NAMES[field as usize], PREFIXED[field as usize]])?;
        let value = match value {
            Value::Array(items) => items.first()?,
            value => value,
        };
        match value {
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => Some(Cow::Borrowed(s.trim())),
            Value::Number(n) => Some(Cow::Owned(n.to_string())),
            _ => None,
        }
    }

    fn categories(&self) -> Vec<String> {
        let field = Field::DestCategory as usize;
        match get_any(self, &[NAMES[field], PREFIXED[field]]) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .flat_map(split_values)
                .collect(),
            Some(Value::String(text)) => split_values(text).collect(),
            _ => Vec::new(),
        }
    }
}

/// The values of a multivalue cell, joined by newlines.
fn split_values(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split('\n')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Makes a record of the fields.
fn build(fields: &impl Fields, ctx: &Ctx) -> Result<Record, Skip> {
    let src_ip = fields.text(Field::SrcIp).map(|ip| Addr::parse(&ip));
    let dest_ip = fields.text(Field::DestIp).map(|ip| Addr::parse(&ip));
    let dest = fields.text(Field::Dest).map(Cow::into_owned);
    if src_ip.is_none() && dest_ip.is_none() && dest.is_none() {
        return Err(Skip::missing("src_ip and dest_ip"));
    }
    let sourcetype = fields.text(Field::Sourcetype);
    let mut record = Record::new(
        sourcetype
            .as_deref()
            .unwrap_or(Format::Cim.default_sourcetype()),
    );
    record.time = fields.text(Field::Time).and_then(|t| time(&t, ctx));
    record.src_ip = src_ip;
    record.src_port = fields.text(Field::SrcPort).and_then(|p| parse_port(&p));
    record.dest_ip = dest_ip;
    record.dest_port = fields
        .text(Field::DestPort)
        .and_then(|p| parse_port(&p))
        .unwrap_or(0);
    record.dest = dest;
    record.transport = transport_name(&fields.text(Field::Transport).unwrap_or_default());
    record.app = fields.text(Field::App).map(Cow::into_owned);
    if let Some(action) = fields.text(Field::Action) {
        record.action = action.into_owned();
    }
    record.direction = fields.text(Field::Direction).and_then(|d| direction(&d));
    record.bytes_in = fields.text(Field::BytesIn).and_then(|b| count(&b));
    record.bytes_out = fields.text(Field::BytesOut).and_then(|b| count(&b));
    record.dest_category = fields.categories();
    Ok(record)
}

/// `_time`: epoch seconds, or ISO 8601 (read at the input's offset without a zone).
fn time(text: &str, ctx: &Ctx) -> Option<f64> {
    parse_epoch(text).or_else(|| parse_iso8601(text, ctx.offset))
}

/// A byte count, written as an integer or a decimal.
fn count(text: &str) -> Option<u64> {
    text.parse().ok().or_else(|| {
        text.parse::<f64>()
            .ok()
            .filter(|f| *f >= 0.0)
            .map(|f| f as u64)
    })
}

fn direction(text: &str) -> Option<Direction> {
    if text.eq_ignore_ascii_case("inbound") {
        Some(Direction::Inbound)
    } else if text.eq_ignore_ascii_case("outbound") {
        Some(Direction::Outbound)
    } else {
        None
    }
}

/// The layout a CSV header row gave, and a row running over several lines.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CsvLayout {
    /// Column names as the header writes them, without the `All_Traffic.` prefix.
    pub fields: Vec<String>,
    /// The column of each name of [`NAMES`].
    columns: [Option<usize>; NAMES.len()],
    /// The lines of a row whose quoted cell is still open.
    partial: String,
    /// How many lines `partial` holds.
    partial_lines: usize,
    /// A row that ran over several lines, complete: read instead of its last line.
    joined: Option<String>,
    /// Lines of a row whose quote never closed within the caps, dropped: reported by
    /// the next [`parse_row`].
    dropped: Option<usize>,
}

/// Reads a header line into `layout`; true when the line was one.
///
/// Under a layout, it also takes the lines of a row whose quoted cell runs over several
/// lines, and says true for each but the last: the last line's row is then read, whole,
/// by [`parse_row`].
///
/// ```
/// use smb_egress::formats::cim::header_line;
///
/// let mut layout = None;
/// assert!(header_line(r#""_time","All_Traffic.src_ip","All_Traffic.dest_ip""#, &mut layout));
/// assert_eq!(layout.unwrap().fields, ["_time", "src_ip", "dest_ip"]);
/// ```
pub fn header_line(line: &str, layout: &mut Option<CsvLayout>) -> bool {
    if let Some(current) = layout.as_mut() {
        current.joined = None;
        current.dropped = None;
        if current.partial_lines > 0 {
            return current.continue_row(line);
        }
    }
    if let Some(header) = read_header(line) {
        *layout = Some(header);
        return true;
    }
    match layout {
        Some(current) if odd_quotes(line) => {
            line.clone_into(&mut current.partial);
            current.partial_lines = 1;
            true
        }
        _ => false,
    }
}

impl CsvLayout {
    /// Adds a line to an open row; true while the row is still open.
    fn continue_row(&mut self, line: &str) -> bool {
        let lines = self.partial_lines + 1;
        if self.partial.len() + line.len() >= MAX_ROW || lines > MAX_ROW_LINES {
            self.partial.clear();
            self.partial_lines = 0;
            self.dropped = Some(lines);
            return false;
        }
        self.partial.push('\n');
        self.partial.push_str(line);
        self.partial_lines = lines;
        if odd_quotes(line) {
            self.joined = Some(std::mem::take(&mut self.partial));
            self.partial_lines = 0;
            return false;
        }
        true
    }
}

/// The layout of a header row, if the line is one.
fn read_header(line: &str) -> Option<CsvLayout> {
    static SRC: Needle = Needle::new(b"src_ip");
    static DEST: Needle = Needle::new(b"dest_ip");
    if !SRC.is_in(line.as_bytes()) || !DEST.is_in(line.as_bytes()) {
        return None;
    }
    if memchr::memchr_iter(b',', line.as_bytes()).count() >= MAX_COLUMNS {
        return None;
    }
    let names = split_row(line)?;
    let fields: Vec<String> = names
        .iter()
        .map(|name| {
            name.trim()
                .strip_prefix(PREFIX)
                .unwrap_or(name.trim())
                .to_owned()
        })
        .collect();
    let column = |name: &str| fields.iter().position(|f| f == name);
    let columns = NAMES.map(column);
    let (src, dest) = (
        columns[Field::SrcIp as usize],
        columns[Field::DestIp as usize],
    );
    (src.is_some() && dest.is_some()).then_some(CsvLayout {
        fields,
        columns,
        ..CsvLayout::default()
    })
}

fn odd_quotes(text: &str) -> bool {
    memchr::memchr_iter(b'"', text.as_bytes()).count() % 2 == 1
}

/// Splits one CSV row (RFC 4180 quoting; a quoted cell may hold newlines).
fn split_row(row: &str) -> Option<csv::StringRecord> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(row.as_bytes());
    let mut record = csv::StringRecord::new();
    reader.read_record(&mut record).ok()?.then_some(record)
}

/// A CSV row under its layout.
struct Row<'a> {
    layout: &'a CsvLayout,
    cells: csv::StringRecord,
}

impl Fields for Row<'_> {
    fn text(&self, field: Field) -> Option<Cow<'_, str>> {
        let column = self.layout.columns[field as usize]?;
        let cell = self.cells.get(column)?.trim();
        (!cell.is_empty()).then_some(Cow::Borrowed(cell))
    }

    fn categories(&self) -> Vec<String> {
        self.text(Field::DestCategory)
            .map(|text| split_values(&text).collect())
            .unwrap_or_default()
    }
}

/// Parses a row under a header's layout.
pub fn parse_row(
    line: &str,
    layout: &CsvLayout,
    ctx: &mut Ctx,
    out: &mut Vec<Record>,
) -> Result<(), Skip> {
    if let Some(lines) = layout.dropped {
        return Err(Skip::malformed(format!(
            "quoted cell not closed within {lines} lines; the lines were dropped"
        )));
    }
    let row = layout.joined.as_deref().unwrap_or(line);
    if row.trim().is_empty() {
        return Err(Skip::new(SkipReason::Unrecognized, "empty line"));
    }
    let cells = split_row(row).ok_or_else(|| Skip::malformed("bad CSV row"))?;
    out.push(build(&Row { layout, cells }, ctx)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read_json(doc: &Value) -> Result<Record, Skip> {
        assert!(is_json(doc), "{doc}");
        let mut out = Vec::new();
        from_json(doc, &mut Ctx::new(2024, 0), &mut out)?;
        Ok(out.remove(0))
    }

    /// Feeds lines as the dispatcher does: header lines, then rows.
    fn read_csv(lines: &[&str]) -> Vec<Result<Record, Skip>> {
        let mut layout = None;
        let mut results = Vec::new();
        for line in lines {
            if header_line(line, &mut layout) {
                continue;
            }
            let mut out = Vec::new();
            let layout = layout.as_ref().expect("a header first");
            let result = parse_row(line, layout, &mut Ctx::new(2024, 0), &mut out);
            results.push(result.map(|()| out.remove(0)));
        }
        results
    }

    fn check_full(r: &Record) {
        assert_eq!(r.time, Some(1_709_028_000.0));
        assert_eq!(r.src_ip.as_ref().unwrap().to_string(), "10.0.0.5");
        assert_eq!(r.src_port, Some(50000));
        assert_eq!(r.dest_ip.as_ref().unwrap().to_string(), "81.2.69.160");
        assert_eq!(r.dest_port, 445);
        assert_eq!(r.transport, "tcp");
        assert_eq!(r.app.as_deref(), Some("smb"));
        assert_eq!(r.action, "Allowed");
        assert_eq!(r.direction, Some(Direction::Outbound));
        assert_eq!((r.bytes_in, r.bytes_out), (Some(120), Some(300)));
        assert_eq!(r.dest_category, ["external", "fileserver"]);
        assert_eq!(r.dest.as_deref(), Some("fs.example"));
        assert_eq!(r.sourcetype, "pan:traffic");
    }

    #[test]
    fn json_fields_plain_prefixed_nested_and_wrapped() {
        let plain = json!({"_time": 1_709_028_000, "src_ip": "10.0.0.5", "src_port": "50000",
            "dest_ip": "81.2.69.160", "dest_port": 445, "transport": "tcp", "app": "smb",
            "action": "Allowed", "direction": "outbound", "bytes_in": 120, "bytes_out": "300",
            "dest_category": ["external", "fileserver"], "dest": "fs.example",
            "sourcetype": "pan:traffic"});
        let mut prefixed = serde_json::Map::new();
        for (key, value) in plain.as_object().unwrap() {
            let key = if key == "_time" || key == "sourcetype" {
                key.clone()
            } else {
                format!("{PREFIX}{key}")
            };
            prefixed.insert(key, value.clone());
        }
        let nested = json!({"_time": "2024-02-27T10:00:00.000+00:00",
            "sourcetype": "pan:traffic", "All_Traffic": plain});
        let wrapped = json!({"preview": false, "result": prefixed.clone()});
        for doc in [plain.clone(), Value::Object(prefixed), nested, wrapped] {
            check_full(&read_json(&doc).unwrap());
        }
    }

    #[test]
    fn json_defaults() {
        let r = read_json(&json!({"src_ip": "10.0.0.5", "dest_ip": "host-name"})).unwrap();
        assert_eq!(r.action, "unknown");
        assert_eq!(r.transport, "unknown");
        assert_eq!(r.dest_port, 0);
        assert_eq!(r.sourcetype, "cim");
        assert_eq!(r.dest_ip, Some(Addr::Text("host-name".into())));
        assert_eq!(r.established, None);
        let skip = read_json(&json!({"src_ip": "", "dest_ip": ""})).unwrap_err();
        assert_eq!(skip.reason, SkipReason::MissingField);
    }

    #[test]
    fn csv_rows_with_quotes_and_multiline_cells() {
        let rows = read_csv(&[
            r#""_time","All_Traffic.src_ip","All_Traffic.src_port","All_Traffic.dest_ip","All_Traffic.dest_port","All_Traffic.transport","All_Traffic.app","All_Traffic.action","All_Traffic.direction","All_Traffic.bytes_in","All_Traffic.bytes_out","All_Traffic.dest_category","All_Traffic.dest","sourcetype""#,
            r#""2024-02-27T10:00:00.000+0000","10.0.0.5","50000","81.2.69.160","445","tcp","smb","Allowed","outbound","120","300","external"#,
            r#"fileserver","fs.example","pan:traffic""#,
            r#"1709028000,10.0.0.5,50000,81.2.69.160,445,tcp,smb,Allowed,outbound,120,300,"external, ""big"""#,
            r#"fileserver",fs.example,pan:traffic"#,
        ]);
        assert_eq!(rows.len(), 2);
        check_full(rows[0].as_ref().unwrap());
        let second = rows[1].as_ref().unwrap();
        assert_eq!(second.dest_category, ["external, \"big\"", "fileserver"]);
    }

    #[test]
    fn an_unclosed_quote_is_reported_not_swallowed() {
        let mut lines = vec![
            "src_ip,dest_ip,dest_category",
            "10.0.0.5,81.2.69.160,\"open",
        ];
        lines.extend(std::iter::repeat_n("more", MAX_ROW_LINES));
        lines.push("10.0.0.5,81.2.69.160,closed");
        let rows = read_csv(&lines);
        assert_eq!(rows.len(), 2);
        let skip = rows[0].as_ref().unwrap_err();
        assert_eq!(skip.reason, SkipReason::Malformed);
        assert!(skip.detail.contains("257 lines"), "{}", skip.detail);
        assert_eq!(rows[1].as_ref().unwrap().dest_category, ["closed"]);
    }

    #[test]
    fn csv_header_needs_both_addresses_and_short_rows_work() {
        let mut layout = None;
        assert!(!header_line("src_ip,dest_port", &mut layout));
        assert!(!header_line(
            "plain text with src_ip and dest_ip",
            &mut layout
        ));
        let rows = read_csv(&["src_ip,dest_ip,dest_port", "10.0.0.5,81.2.69.160", ""]);
        let first = rows[0].as_ref().unwrap();
        assert_eq!(first.dest_port, 0);
        assert_eq!(
            rows[1].as_ref().unwrap_err().reason,
            SkipReason::Unrecognized
        );
    }
}
