//! Zeek logs: the kinds this crate reads, the TSV layout they share, and the fields
//! both TSV and JSON rows give.
//!
//! Zeek (formerly Bro) writes one log per kind; the field reference is the Zeek
//! documentation's "Log Files" pages (<https://docs.zeek.org/en/master/logs/>). This
//! crate reads four kinds: `conn` (module [`super::zeek_conn`]) and `smb_mapping`,
//! `smb_files`, `dce_rpc` (module [`super::zeek_smb`]).
//!
//! # TSV
//!
//! Zeek's ASCII writer starts a log with header lines: `#separator \x09` (the value
//! escaped), then, each split from its value by the separator, `#set_separator`,
//! `#empty_field`, `#unset_field`, `#path`, `#open`, `#fields` and `#types`; `#close`
//! ends it. [`header_line`] reads them into a [`TsvLayout`]; a new `#separator` line
//! starts a new layout, so concatenated logs work. Rows are split by the separator;
//! a value equal to `#unset_field` (`-`) or `#empty_field` (`(empty)`) is absent.
//! Values are unescaped: `\\` is a backslash and `\xHH` a byte, as the writer escapes
//! them. `#path` names the kind; without it the kind is guessed from the field names
//! (as for JSON below).
//!
//! # JSON
//!
//! Zeek's JSON writer uses dotted keys (`id.orig_h`), shippers nest them
//! (`{"id":{"orig_h":…}}`), and the json-streaming-logs package writes underscores
//! (`id_orig_h`); all three are read. The kind comes from `_path` (Zeek, Brim) or
//! `@stream` (json-streaming-logs). Without either, a document with Zeek `id` fields is
//! an SMB log when it has that log's own fields (`share_type`, an `SMB::` file action,
//! `named_pipe`/`endpoint`), else a conn log. `ts` is epoch seconds or ISO 8601 (a time
//! without a zone is read at the input's offset).

use std::borrow::Cow;

use serde_json::Value;

use super::json;
use super::{Ctx, Format, Skip, SkipReason};
use crate::addr::Addr;
use crate::record::{Record, parse_port};
use crate::time::{parse_epoch, parse_iso8601};

/// The kind of a Zeek log, from its `#path`, `_path` or `@stream`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum LogKind {
    /// `conn`: one row per connection.
    #[default]
    Conn,
    /// `smb_mapping`: SMB tree connects (share mappings).
    SmbMapping,
    /// `smb_files`: SMB file operations.
    SmbFiles,
    /// `dce_rpc`: DCE/RPC calls, over SMB named pipes or plain TCP.
    DceRpc,
    /// Any other log (`dns`, `http`, …), which this crate does not read.
    Other(String),
}

impl LogKind {
    /// The kind a log path names.
    pub fn from_path(path: &str) -> LogKind {
        match path {
            "conn" => LogKind::Conn,
            "smb_mapping" => LogKind::SmbMapping,
            "smb_files" => LogKind::SmbFiles,
            "dce_rpc" => LogKind::DceRpc,
            other => LogKind::Other(other.to_owned()),
        }
    }

    /// The kind of a log without a path, from its field names and values: an SMB kind
    /// when it has that log's own fields, else `conn`.
    pub(crate) fn guess(has: impl Fn(&str) -> bool, smb_action: bool) -> LogKind {
        if has("share_type") || has("native_file_system") {
            LogKind::SmbMapping
        } else if smb_action || has("prev_name") {
            LogKind::SmbFiles
        } else if has("named_pipe") || (has("endpoint") && has("operation")) {
            LogKind::DceRpc
        } else {
            LogKind::Conn
        }
    }

    /// The format that reads this kind.
    pub fn format(&self) -> Format {
        match self {
            LogKind::SmbMapping | LogKind::SmbFiles | LogKind::DceRpc => Format::ZeekSmb,
            LogKind::Conn | LogKind::Other(_) => Format::ZeekConn,
        }
    }

    /// The Splunk sourcetype of this kind, for JSON or TSV input.
    pub fn sourcetype(&self, json: bool) -> &'static str {
        match (self, json) {
            (LogKind::SmbMapping, true) => "bro:smb_mapping:json",
            (LogKind::SmbMapping, false) => "bro:smb_mapping",
            (LogKind::SmbFiles, true) => "bro:smb_files:json",
            (LogKind::SmbFiles, false) => "bro:smb_files",
            (LogKind::DceRpc, true) => "bro:dce_rpc:json",
            (LogKind::DceRpc, false) => "bro:dce_rpc",
            (_, true) => "bro:conn:json",
            (_, false) => "bro:conn",
        }
    }

    /// The skip for rows of a kind this crate does not read.
    fn not_read(&self) -> Skip {
        let name = match self {
            LogKind::Other(path) => path.as_str(),
            _ => "this",
        };
        Skip::not_connection(format!("zeek {name} log is not a conn or SMB log"))
    }
}

/// The Zeek fields the parsers read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Ts,
    OrigH,
    OrigP,
    RespH,
    RespP,
    Proto,
    Service,
    OrigBytes,
    RespBytes,
    ConnState,
    History,
    LocalOrig,
    LocalResp,
    NamedPipe,
    Path,
}

const FIELD_COUNT: usize = 15;

impl Field {
    const ALL: [Field; FIELD_COUNT] = [
        Field::Ts,
        Field::OrigH,
        Field::OrigP,
        Field::RespH,
        Field::RespP,
        Field::Proto,
        Field::Service,
        Field::OrigBytes,
        Field::RespBytes,
        Field::ConnState,
        Field::History,
        Field::LocalOrig,
        Field::LocalResp,
        Field::NamedPipe,
        Field::Path,
    ];

    /// The name in `#fields` and the JSON paths that hold the field.
    pub(crate) fn names(self) -> &'static [&'static str] {
        match self {
            Field::Ts => &["ts"],
            Field::OrigH => &["id.orig_h", "id_orig_h"],
            Field::OrigP => &["id.orig_p", "id_orig_p"],
            Field::RespH => &["id.resp_h", "id_resp_h"],
            Field::RespP => &["id.resp_p", "id_resp_p"],
            Field::Proto => &["proto"],
            Field::Service => &["service"],
            Field::OrigBytes => &["orig_bytes"],
            Field::RespBytes => &["resp_bytes"],
            Field::ConnState => &["conn_state"],
            Field::History => &["history"],
            Field::LocalOrig => &["local_orig"],
            Field::LocalResp => &["local_resp"],
            Field::NamedPipe => &["named_pipe"],
            Field::Path => &["path"],
        }
    }

    fn from_tsv_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.names()[0] == name)
    }
}

/// A row of a Zeek log, TSV or JSON, read field by field.
pub(crate) trait Row {
    /// The field as text; absent, unset and empty values are `None`.
    fn text(&self, field: Field) -> Option<Cow<'_, str>>;

    /// The field as a number.
    fn number(&self, field: Field) -> Option<f64> {
        parse_epoch(&self.text(field)?)
    }

    /// The field as a count.
    fn count(&self, field: Field) -> Option<u64> {
        self.text(field)?.trim().parse().ok()
    }

    /// The field as a port.
    fn port(&self, field: Field) -> Option<u16> {
        parse_port(&self.text(field)?)
    }

    /// The field as a boolean (`T`/`F` in TSV, `true`/`false` in JSON).
    fn flag(&self, field: Field) -> Option<bool> {
        match self.text(field)?.as_ref() {
            "T" | "true" => Some(true),
            "F" | "false" => Some(false),
            _ => None,
        }
    }
}

/// A JSON document read as a Zeek row.
pub(crate) struct JsonRow<'a>(pub &'a Value);

impl Row for JsonRow<'_> {
    fn text(&self, field: Field) -> Option<Cow<'_, str>> {
        json::text(self.0, field.names())
    }

    fn number(&self, field: Field) -> Option<f64> {
        json::number(self.0, field.names())
    }

    fn count(&self, field: Field) -> Option<u64> {
        json::count(self.0, field.names())
    }

    fn port(&self, field: Field) -> Option<u16> {
        json::port(self.0, field.names())
    }
}

/// A TSV row split by its layout.
struct TsvRow<'a> {
    values: [Option<&'a str>; FIELD_COUNT],
}

impl Row for TsvRow<'_> {
    fn text(&self, field: Field) -> Option<Cow<'_, str>> {
        self.values[field as usize].map(unescape)
    }
}

/// The kind of a Zeek JSON document, or `None` when it is not one (no `id.orig_h` in
/// any key style).
pub fn json_kind(v: &Value) -> Option<LogKind> {
    json::get_any(v, Field::OrigH.names())?;
    if let Some(path) = json::text(v, &["_path", "@stream"]) {
        return Some(LogKind::from_path(&path));
    }
    let smb_action = json::text(v, &["action"]).is_some_and(|a| a.starts_with("SMB::"));
    Some(LogKind::guess(|k| json::get(v, k).is_some(), smb_action))
}

/// The parts every record of a Zeek row has: time, endpoints and ports, and the
/// sourcetype. A row without either address is skipped.
pub(crate) fn base_record(row: &impl Row, sourcetype: &str, ctx: &Ctx) -> Result<Record, Skip> {
    let mut record = Record::new(sourcetype);
    record.src_ip = row.text(Field::OrigH).map(|t| Addr::parse(&t));
    record.dest_ip = row.text(Field::RespH).map(|t| Addr::parse(&t));
    if record.src_ip.is_none() && record.dest_ip.is_none() {
        return Err(Skip::missing("id.orig_h"));
    }
    record.src_port = row.port(Field::OrigP);
    record.dest_port = row.port(Field::RespP).unwrap_or(0);
    record.time = row.number(Field::Ts).or_else(|| {
        row.text(Field::Ts)
            .and_then(|t| parse_iso8601(&t, ctx.offset))
    });
    Ok(record)
}

/// The host of a UNC path (`\\server\share` gives `server`), when it is a name and
/// not an address.
pub(crate) fn unc_host(path: &str) -> Option<String> {
    let rest = path.strip_prefix("\\\\")?;
    let host = rest.split('\\').next()?.trim();
    let is_name = !host.is_empty() && crate::addr::parse_ip(host).is_none();
    is_name.then(|| host.to_owned())
}

/// The layout a TSV header gave.
#[derive(Clone, Debug, PartialEq)]
pub struct TsvLayout {
    /// Column separator (`#separator`, unescaped).
    pub separator: String,
    /// Separator of set and vector elements (`#set_separator`).
    pub set_separator: String,
    /// The value of an empty field (`#empty_field`).
    pub empty_field: String,
    /// The value of an unset field (`#unset_field`).
    pub unset_field: String,
    /// The log's path (`#path`), if given.
    pub path: Option<String>,
    /// Column names (`#fields`).
    pub fields: Vec<String>,
    /// The log kind, from `path` or the field names.
    pub kind: LogKind,
    columns: Vec<Option<Field>>,
}

impl Default for TsvLayout {
    fn default() -> TsvLayout {
        TsvLayout {
            separator: "\t".to_owned(),
            set_separator: ",".to_owned(),
            empty_field: "(empty)".to_owned(),
            unset_field: "-".to_owned(),
            path: None,
            fields: Vec::new(),
            kind: LogKind::Conn,
            columns: Vec::new(),
        }
    }
}

impl TsvLayout {
    /// The format of the rows: `zeek-conn` or `zeek-smb`, from the log kind.
    pub fn format(&self) -> Format {
        self.kind.format()
    }

    fn set_fields(&mut self, names: &str) {
        self.fields = names
            .split(self.separator.as_str())
            .map(unescape_owned)
            .collect();
        self.columns = self
            .fields
            .iter()
            .map(|n| Field::from_tsv_name(n))
            .collect();
        self.update_kind();
    }

    fn update_kind(&mut self) {
        self.kind = match &self.path {
            Some(path) => LogKind::from_path(path),
            None => LogKind::guess(|k| self.fields.iter().any(|f| f == k), false),
        };
    }

    /// Sets a directive of a header line; false when the key is not Zeek's.
    fn directive(&mut self, key: &str, value: &str) -> bool {
        match key {
            "set_separator" => self.set_separator = unescape_owned(value),
            "empty_field" => self.empty_field = unescape_owned(value),
            "unset_field" => self.unset_field = unescape_owned(value),
            "path" => {
                self.path = Some(unescape_owned(value));
                self.update_kind();
            }
            "fields" => self.set_fields(value),
            "types" | "open" | "close" => {}
            _ => return false,
        }
        true
    }

    /// Splits a row into the fields the parsers read; `None` when the number of
    /// values differs from the header's.
    fn split<'a>(&self, line: &'a str) -> Option<TsvRow<'a>> {
        match self.separator.as_bytes() {
            // One ASCII byte (a tab, as a rule) is looked for byte by byte: values are
            // a few bytes long, too short for a vector search to pay for its set-up,
            // and a search for a string is slower still.
            &[byte] if byte.is_ascii() => self.row(ByteSplit {
                rest: Some(line),
                separator: byte,
            }),
            _ => self.row(line.split(self.separator.as_str())),
        }
    }

    /// The fields the parsers read, from a row's values.
    fn row<'a>(&self, values: impl Iterator<Item = &'a str>) -> Option<TsvRow<'a>> {
        let mut row = TsvRow {
            values: [None; FIELD_COUNT],
        };
        let mut count = 0;
        for (i, value) in values.enumerate() {
            let column = self.columns.get(i)?;
            count = i + 1;
            let absent = value == self.unset_field || value == self.empty_field;
            if let (Some(field), false) = (column, absent) {
                row.values[*field as usize] = Some(value);
            }
        }
        (count == self.columns.len()).then_some(row)
    }
}

/// The values of a row cut at an ASCII separator byte, as `str::split` would give them.
struct ByteSplit<'a> {
    rest: Option<&'a str>,
    separator: u8,
}

impl<'a> Iterator for ByteSplit<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match rest.bytes().position(|b| b == self.separator) {
            // An ASCII byte is a character boundary, so both slices are whole text.
            Some(at) => {
                self.rest = Some(&rest[at + 1..]);
                Some(&rest[..at])
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

/// Reads a header line into `layout`; true when the line was a Zeek header.
///
/// ```
/// use smb_egress::formats::zeek::{header_line, LogKind};
///
/// let mut layout = None;
/// assert!(header_line("#separator \\x09", &mut layout));
/// assert!(header_line("#path\tsmb_mapping", &mut layout));
/// assert!(header_line("#fields\tts\tuid\tid.orig_h", &mut layout));
/// let layout = layout.unwrap();
/// assert_eq!(layout.kind, LogKind::SmbMapping);
/// assert_eq!(layout.fields, ["ts", "uid", "id.orig_h"]);
/// assert!(!header_line("#Fields: date time", &mut None));
/// ```
pub fn header_line(line: &str, layout: &mut Option<TsvLayout>) -> bool {
    if let Some(separator) = line.strip_prefix("#separator ") {
        let separator = unescape_owned(separator);
        let mut new = TsvLayout::default();
        if !separator.is_empty() {
            new.separator = separator;
        }
        *layout = Some(new);
        return true;
    }
    let Some(body) = line.strip_prefix('#') else {
        return false;
    };
    let separator = layout.as_ref().map_or("\t", |l| l.separator.as_str());
    let Some((key, value)) = body.split_once(separator) else {
        return false;
    };
    let had_layout = layout.is_some();
    let mut current = layout.take().unwrap_or_default();
    let known = current.directive(key, value);
    if known || had_layout {
        *layout = Some(current);
    }
    known
}

/// Parses a row under a header's layout, appending its record to `out`.
pub fn parse_row(
    line: &str,
    layout: &TsvLayout,
    ctx: &mut Ctx,
    out: &mut Vec<Record>,
) -> Result<(), Skip> {
    if line.trim().is_empty() {
        return Err(Skip::new(SkipReason::Unrecognized, "empty line"));
    }
    if layout.fields.is_empty() {
        return Err(Skip::malformed("zeek row before the #fields header"));
    }
    let row = layout.split(line).ok_or_else(|| {
        Skip::malformed(format!(
            "zeek row does not have the {} fields of its header",
            layout.fields.len()
        ))
    })?;
    let sourcetype = layout.kind.sourcetype(false);
    let record = match &layout.kind {
        LogKind::Conn => super::zeek_conn::record(&row, sourcetype, ctx)?,
        LogKind::Other(_) => return Err(layout.kind.not_read()),
        kind => super::zeek_smb::record(&row, kind, sourcetype, ctx)?,
    };
    out.push(record);
    Ok(())
}

/// Reads a JSON document of a known kind, appending its record to `out`.
pub(crate) fn from_json(
    v: &Value,
    kind: &LogKind,
    ctx: &Ctx,
    out: &mut Vec<Record>,
) -> Result<(), Skip> {
    from_json_row(&JsonRow(v), kind, ctx, out)
}

/// [`from_json`] on a JSON document read by other means than a [`Value`].
pub(crate) fn from_json_row(
    row: &impl Row,
    kind: &LogKind,
    ctx: &Ctx,
    out: &mut Vec<Record>,
) -> Result<(), Skip> {
    let sourcetype = kind.sourcetype(true);
    let record = match kind {
        LogKind::Conn => super::zeek_conn::record(row, sourcetype, ctx)?,
        LogKind::Other(_) => return Err(kind.not_read()),
        kind => super::zeek_smb::record(row, kind, sourcetype, ctx)?,
    };
    out.push(record);
    Ok(())
}

/// Undoes the ASCII writer's escapes: `\\` and `\xHH`.
fn unescape(value: &str) -> Cow<'_, str> {
    if !value.contains('\\') {
        return Cow::Borrowed(value);
    }
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let escaped = match (b, bytes.get(i + 1)) {
            (b'\\', Some(b'\\')) => Some((b'\\', 2)),
            (b'\\', Some(b'x')) => bytes.get(i + 2..i + 4).and_then(hex_byte).map(|h| (h, 4)),
            _ => None,
        };
        let (byte, len) = escaped.unwrap_or((b, 1));
        out.push(byte);
        i += len;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn unescape_owned(value: &str) -> String {
    unescape(value).into_owned()
}

fn hex_byte(digits: &[u8]) -> Option<u8> {
    let text = std::str::from_utf8(digits).ok()?;
    u8::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(lines: &[&str]) -> TsvLayout {
        let mut layout = None;
        for line in lines {
            assert!(header_line(line, &mut layout), "{line}");
        }
        layout.unwrap()
    }

    #[test]
    fn byte_split_cuts_as_str_split() {
        for line in [
            "",
            "\t",
            "a",
            "a\tb",
            "\ta\t\tb\t",
            "café\t(empty)\t-\té",
            "x\t\t",
        ] {
            let split = ByteSplit {
                rest: Some(line),
                separator: b'\t',
            };
            assert_eq!(
                split.collect::<Vec<_>>(),
                line.split('\t').collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn unescapes_as_the_ascii_writer_escapes() {
        for (raw, want) in [
            ("plain", "plain"),
            (r"\\\\10.47.21.25\\ADMIN$", r"\\10.47.21.25\ADMIN$"),
            (r"\x09", "\t"),
            (r"a\x2cb", "a,b"),
            (r"trailing\", r"trailing\"),
            (r"bad\xZZ", r"bad\xZZ"),
            (r"short\x4", r"short\x4"),
            ("caf\\xc3\\xa9", "café"),
        ] {
            assert_eq!(unescape(raw), want, "{raw}");
        }
    }

    #[test]
    fn reads_header_directives() {
        let l = layout(&[
            r"#separator \x09",
            "#set_separator\t,",
            "#empty_field\t(empty)",
            "#unset_field\t-",
            "#path\tconn",
            "#open\t2023-08-16-01-28-55",
            "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p",
            "#types\ttime\tstring\taddr\tport\taddr\tport",
        ]);
        assert_eq!(l.separator, "\t");
        assert_eq!(l.path.as_deref(), Some("conn"));
        assert_eq!(l.kind, LogKind::Conn);
        assert_eq!(l.fields.len(), 6);
        assert_eq!(l.columns[2], Some(Field::OrigH));
        assert_eq!(l.columns[1], None);
    }

    #[test]
    fn honours_another_separator_and_markers() {
        let l = layout(&[
            r"#separator \x7c",
            "#unset_field|NONE",
            "#empty_field|EMPTY",
            "#fields|ts|id.orig_h|id.resp_h|id.resp_p|service",
        ]);
        let row = l.split("1.5|10.0.0.1|NONE|445|EMPTY").unwrap();
        assert_eq!(row.text(Field::OrigH).as_deref(), Some("10.0.0.1"));
        assert_eq!(row.text(Field::RespH), None);
        assert_eq!(row.text(Field::Service), None);
        assert_eq!(row.port(Field::RespP), Some(445));
        assert!(l.split("1.5|10.0.0.1|x|445").is_none());
        assert!(l.split("1.5|10.0.0.1|x|445|a|b").is_none());
    }

    #[test]
    fn new_separator_line_starts_a_new_layout() {
        let mut state = None;
        for line in [r"#separator \x09", "#path\tdns", "#fields\tts\tquery"] {
            header_line(line, &mut state);
        }
        header_line(r"#separator \x09", &mut state);
        let l = state.unwrap();
        assert!(l.fields.is_empty());
        assert_eq!(l.path, None);
        let mut empty = None;
        header_line("#separator ", &mut empty);
        assert_eq!(empty.unwrap().separator, "\t");
    }

    #[test]
    fn fields_without_a_separator_line_use_tabs() {
        let l = layout(&["#fields\tts\tid.orig_h"]);
        assert_eq!(l.separator, "\t");
        assert_eq!(l.fields, ["ts", "id.orig_h"]);
    }

    #[test]
    fn claims_only_zeek_headers() {
        for line in [
            "#Version: 1.5",
            "#Fields: date time action",
            "# comment",
            "#",
        ] {
            assert!(!header_line(line, &mut None), "{line}");
        }
        let mut state = None;
        assert!(!header_line(
            "#Software: Microsoft Windows Firewall",
            &mut state
        ));
        assert!(state.is_none());
    }

    #[test]
    fn guesses_the_kind_without_a_path() {
        let cases: [(&str, LogKind); 5] = [
            ("#fields\tts\tid.orig_h\tconn_state", LogKind::Conn),
            (
                "#fields\tts\tid.orig_h\tpath\tshare_type",
                LogKind::SmbMapping,
            ),
            (
                "#fields\tts\tid.orig_h\tfuid\taction\tprev_name",
                LogKind::SmbFiles,
            ),
            (
                "#fields\tts\tid.orig_h\tnamed_pipe\tendpoint",
                LogKind::DceRpc,
            ),
            ("#fields\tts\tid.orig_h\tquery", LogKind::Conn),
        ];
        for (fields, kind) in cases {
            assert_eq!(layout(&[fields]).kind, kind, "{fields}");
        }
    }

    #[test]
    fn reads_the_json_kind_from_path_stream_or_fields() {
        let cases = [
            (
                r#"{"_path":"conn","id.orig_h":"10.0.0.1"}"#,
                Some(LogKind::Conn),
            ),
            (
                r#"{"@stream":"smb_files","id_orig_h":"10.0.0.1"}"#,
                Some(LogKind::SmbFiles),
            ),
            (
                r#"{"_path":"dns","id.orig_h":"10.0.0.1"}"#,
                Some(LogKind::Other("dns".into())),
            ),
            (
                r#"{"id":{"orig_h":"10.0.0.1"},"action":"SMB::FILE_OPEN"}"#,
                Some(LogKind::SmbFiles),
            ),
            (
                r#"{"id.orig_h":"10.0.0.1","share_type":"DISK"}"#,
                Some(LogKind::SmbMapping),
            ),
            (
                r#"{"id.orig_h":"10.0.0.1","named_pipe":"135"}"#,
                Some(LogKind::DceRpc),
            ),
            (
                r#"{"id.orig_h":"10.0.0.1","proto":"tcp"}"#,
                Some(LogKind::Conn),
            ),
            (r#"{"src_ip":"10.0.0.1","_path":"conn"}"#, None),
        ];
        for (doc, kind) in cases {
            let v: Value = serde_json::from_str(doc).unwrap();
            assert_eq!(json_kind(&v), kind, "{doc}");
        }
    }

    #[test]
    fn finds_the_unc_host() {
        for (path, host) in [
            (
                r"\\NEWYORK.dmevals.local\sysvol",
                Some("NEWYORK.dmevals.local"),
            ),
            (r"\\SNOZBERRY\IPC$", Some("SNOZBERRY")),
            (r"\\10.47.21.25\ADMIN$", None),
            (r"\\[fe80::1]\c$", None),
            (r"dmevals.local\Policies", None),
            (r"\\", None),
        ] {
            assert_eq!(unc_host(path).as_deref(), host, "{path}");
        }
    }

    #[test]
    fn rows_need_a_header_and_the_right_width() {
        let mut ctx = Ctx::new(2024, 0);
        let mut out = Vec::new();
        let empty = TsvLayout::default();
        let skip = parse_row("1.0\tx", &empty, &mut ctx, &mut out).unwrap_err();
        assert_eq!(skip.reason, SkipReason::Malformed);
        let l = layout(&["#fields\tts\tid.orig_h\tid.resp_h"]);
        let skip = parse_row("1.0\t10.0.0.1", &l, &mut ctx, &mut out).unwrap_err();
        assert_eq!(skip.reason, SkipReason::Malformed);
        let skip = parse_row("", &l, &mut ctx, &mut out).unwrap_err();
        assert_eq!(skip.reason, SkipReason::Unrecognized);
        let l = layout(&["#path\tdns", "#fields\tts\tid.orig_h\tquery"]);
        let skip = parse_row("1.0\t10.0.0.1\tx", &l, &mut ctx, &mut out).unwrap_err();
        assert_eq!(skip.reason, SkipReason::NotConnection);
        assert!(out.is_empty());
    }

    proptest::proptest! {
        #[test]
        fn rows_never_panic(values in proptest::collection::vec("[-0-9a-z:.()\\\\x]{0,12}", 0..20)) {
            let l = layout(&[
                "#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tconn_state\thistory\tlocal_orig\tlocal_resp\torig_bytes\tresp_bytes",
            ]);
            let line = values.join("\t");
            let _ = parse_row(&line, &l, &mut Ctx::new(2024, 0), &mut Vec::new());
            let _ = header_line(&format!("#{line}"), &mut Some(l));
        }
    }
}
