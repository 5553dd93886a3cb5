//! The Fluent Bit filter: the detection inside a log pipeline, one record at a time.
//!
//! Fluent Bit's `filter_wasm` plugin (JSON event format) hands every record to an
//! exported function as a JSON object and keeps what the function gives back. A
//! [`Filter`] does the work of that function with no I/O: it reads the record as a
//! format of SPEC §5 (or the text line in its `log` or `message` field), judges each
//! connection in it, and either drops the record or gives it back with the verdict
//! under one key. The exported functions, and the reading of the configuration file
//! from the directories Fluent Bit opens to the module, live in the `wasi` submodule,
//! built for `wasm32-wasip1` only.
//!
//! The module is behind the cargo feature `fluentbit`; `make fluentbit` builds the
//! `.wasm` file.
//!
//! ```
//! use smb_egress::fluentbit::{Filter, Setup};
//!
//! let setup = Setup::from_json("{}", &mut |_| Err("no files".into())).unwrap();
//! let mut filter = Filter::new(Ok(setup));
//! let dns = r#"{"ts":1709028000.25,"id.orig_h":"10.1.2.3","id.orig_p":50312,
//!              "id.resp_h":"10.0.0.2","id.resp_p":53,"proto":"udp"}"#;
//! assert_eq!(filter.process(1_709_028_000, dns), "");
//! ```

use std::borrow::Cow;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::addr::{Addr, is_global};
use crate::config::{Config, Options, Profile};
use crate::filter::{Verdict, is_default_candidate, is_escu_candidate, judge, names_smb};
use crate::formats::{Ctx, FileState, Format, Skip, SkipReason, parse_json_value, parse_line};
use crate::prefilter::Prefilter;
use crate::record::Record;
use crate::time::civil_from_days;

/// The name of the configuration file, looked up in the directories of the filter's
/// `Accessible_Paths`, in their order.
pub const CONFIG_FILE: &str = "smb-egress.json";

/// The key the verdict goes under unless the configuration names another.
pub const DEFAULT_KEY: &str = "smb_egress";

/// The ATT&CK techniques that SMB egress serves: forced authentication (T1187) and
/// file-sharing protocols as a channel (T1071.002).
pub const MITRE_TECHNIQUES: [&str; 2] = ["T1187", "T1071.002"];

/// The configuration keys that belong to the filter rather than to [`Options`].
pub const FILTER_KEYS: [&str; 4] = ["mode", "key", "assetsFile", "allowFile"];

/// What the filter does with records that are not findings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Only findings pass, annotated; every other record is dropped.
    #[default]
    Findings,
    /// Every record passes, each annotated with its verdict.
    Annotate,
}

/// The filter's configuration: the detection's [`Config`], the mode and the key.
#[derive(Clone, Debug)]
pub struct Setup {
    /// The detection's configuration.
    pub config: Config,
    /// What happens to records that are not findings.
    pub mode: Mode,
    /// The key the verdict goes under.
    pub key: String,
}

impl Setup {
    /// Reads the configuration file's text: [`Options`] (camelCase names) plus `mode`
    /// (`findings` or `annotate`), `key`, and `assetsFile` / `allowFile`, files read
    /// through `read` (relative to the configuration file's directory) in place of the
    /// inline `assets` / `allow` text.
    pub fn from_json(
        text: &str,
        read: &mut dyn FnMut(&str) -> Result<String, String>,
    ) -> Result<Setup, String> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| format!("not a JSON object: {e}"))?;
        let Value::Object(mut map) = value else {
            return Err("not a JSON object".into());
        };
        let mode = mode(map.remove("mode"))?;
        let key = key(map.remove("key"))?;
        read_files(&mut map, read)?;
        let options = Options::from_value(&Value::Object(map)).map_err(|e| {
            if e.message.contains("unknown option") {
                format!("{}; filter keys: {}", e.message, FILTER_KEYS.join(", "))
            } else {
                e.message
            }
        })?;
        let config = Config::new(&options).map_err(|e| e.message)?;
        Ok(Setup { config, mode, key })
    }
}

fn mode(value: Option<Value>) -> Result<Mode, String> {
    match value.as_ref().map(|v| (v, v.as_str())) {
        None | Some((Value::Null, _)) => Ok(Mode::Findings),
        Some((_, Some("findings"))) => Ok(Mode::Findings),
        Some((_, Some("annotate"))) => Ok(Mode::Annotate),
        Some((other, _)) => Err(format!(
            "option `mode`: expected findings or annotate, found {other}"
        )),
    }
}

fn key(value: Option<Value>) -> Result<String, String> {
    match value {
        None | Some(Value::Null) => Ok(DEFAULT_KEY.to_owned()),
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(other) => Err(format!("option `key`: expected a name, found {other}")),
    }
}

/// Replaces `assetsFile` and `allowFile` with the text of the files they name.
fn read_files(
    map: &mut Map<String, Value>,
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<(), String> {
    for (file_key, text_key) in [("assetsFile", "assets"), ("allowFile", "allow")] {
        let Some(path) = map.remove(file_key).filter(|v| !v.is_null()) else {
            continue;
        };
        if map.get(text_key).is_some_and(|v| !v.is_null()) {
            return Err(format!("give `{text_key}` or `{file_key}`, not both"));
        }
        let path = path
            .as_str()
            .ok_or_else(|| format!("option `{file_key}`: expected a file name, found {path}"))?;
        let text = read(path).map_err(|e| format!("option `{file_key}`: {e}"))?;
        map.insert(text_key.to_owned(), Value::String(text));
    }
    Ok(())
}

/// The filter: records in, kept and annotated records out.
///
/// The text [`Filter::process`] returns is kept in the filter until the next call, so a
/// host can read it after the call returns.
#[derive(Debug)]
pub struct Filter {
    setup: Result<Setup, String>,
    prefilter: Option<Prefilter>,
    records: Vec<Record>,
    out: String,
}

/// The connection that speaks for a record: the first finding, else the first
/// excluded candidate, else the first connection.
struct Judged {
    record: Record,
    verdict: Verdict,
    count: usize,
}

/// What goes under the key of a passing record.
#[derive(Serialize)]
#[serde(untagged)]
enum Note<'a> {
    /// The verdict on a record that was read.
    Judged(Annotation<'a>),
    /// Why a record could not be read.
    Unread {
        verdict: &'static str,
        reason: &'static str,
        detail: &'a str,
    },
    /// Why the filter has no configuration.
    Error { error: &'a str },
}

/// The verdict on a record, with the connection it is about.
#[derive(Serialize)]
struct Annotation<'a> {
    verdict: &'static str,
    profile: &'static str,
    reason: String,
    dest_class: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    mitre: Option<[&'static str; 2]>,
    format: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    connections: Option<usize>,
    record: &'a Record,
}

impl Filter {
    /// A filter for a configuration, or for the error that made the configuration
    /// unusable (then every record passes unchanged, with the error beside it).
    pub fn new(setup: Result<Setup, String>) -> Filter {
        let prefilter = match &setup {
            Ok(s) if s.mode == Mode::Findings => Some(Prefilter::new(&s.config.ports)),
            _ => None,
        };
        Filter {
            setup,
            prefilter,
            records: Vec::new(),
            out: String::new(),
        }
    }

    /// The configuration, or why there is none.
    pub fn setup(&self) -> Result<&Setup, &str> {
        self.setup.as_ref().map_err(String::as_str)
    }

    /// Filters one record, a JSON object; `time_sec` is the event's time, which gives
    /// the year of syslog dates written without one. Returns the record to pass on, as
    /// JSON, or the empty string to drop it.
    pub fn process(&mut self, time_sec: i64, record: &str) -> &str {
        let mut out = std::mem::take(&mut self.out).into_bytes();
        release_if_large(&mut out);
        out.clear();
        self.process_into(time_sec, record.as_bytes(), &mut out);
        // The output is the record's own text and JSON written by serde_json: UTF-8.
        self.out = String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        &self.out
    }

    /// [`Filter::process`] on the record's bytes, for hosts that hand over bytes:
    /// appends the record to pass on to `out`, or nothing to drop it. Bytes that are
    /// not UTF-8 are read as U+FFFD, and so passed on.
    pub fn process_into(&mut self, time_sec: i64, record: &[u8], out: &mut Vec<u8>) {
        if let Some(prefilter) = &self.prefilter {
            // A record with no SMB port or name cannot be a finding: drop it unread.
            if !prefilter.may_hold_smb(record) {
                return;
            }
        }
        let record = match std::str::from_utf8(record) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(record),
        };
        if !self.process_flat(time_sec, &record, out) {
            self.process_value(time_sec, &record, out);
        }
    }

    /// Filters a flat Zeek record without building a [`Value`] (see [`flat`]); false,
    /// with nothing written, when the record is left to [`Filter::process_value`].
    fn process_flat(&mut self, time_sec: i64, record: &str, out: &mut Vec<u8>) -> bool {
        let Ok(setup) = &self.setup else {
            return false;
        };
        if setup.config.format.is_some() {
            return false;
        }
        let Some(doc) = flat::Doc::parse(record).filter(|doc| !doc.has(&setup.key)) else {
            return false;
        };
        let mut ctx = ctx(setup, time_sec);
        self.records.clear();
        let Some(read) = flat::read_zeek(&doc, &mut ctx, &mut self.records) else {
            return false;
        };
        if let Some(judged) = verdict(setup, read, &mut self.records) {
            append_member(out, record, &setup.key, &note(setup, &judged));
        }
        true
    }

    /// Filters a record read into a [`Value`]: any record.
    fn process_value(&mut self, time_sec: i64, record: &str, out: &mut Vec<u8>) {
        let mut value = match serde_json::from_str::<Value>(record) {
            Ok(value) if value.is_object() => value,
            // Fluent Bit only sends objects; anything else goes back untouched.
            _ => {
                out.extend_from_slice(record.as_bytes());
                return;
            }
        };
        let (key, judged) = match &self.setup {
            Err(error) => (DEFAULT_KEY, Err(error.as_str())),
            Ok(setup) => match judge_record(setup, time_sec, &value, &mut self.records) {
                Some(judged) => (setup.key.as_str(), Ok((setup, judged))),
                None => return,
            },
        };
        let note = match &judged {
            Err(error) => Note::Error { error },
            Ok((setup, judged)) => note(setup, judged),
        };
        match &mut value {
            // A record that already holds the key (passed through the filter twice, say)
            // is written anew with the note in its place: its keys come out in sorted
            // order, as `Value` keeps them.
            Value::Object(map) if map.contains_key(key) => {
                let note = serde_json::to_value(&note).unwrap_or(Value::Null);
                map.insert(key.to_owned(), note);
                write_json(out, &value);
            }
            _ => append_member(out, record, key, &note),
        }
    }
}

/// The note on a record that was judged, or that could not be read.
fn note<'a>(setup: &Setup, judged: &'a Result<(Judged, Format), Skip>) -> Note<'a> {
    match judged {
        Ok((judged, format)) => Note::Judged(annotate(judged, *format, &setup.config)),
        Err(skip) => unread(skip),
    }
}

/// Writes the record's own text with one member added before its closing brace, so
/// that its fields pass on exactly as they came (number spellings included).
fn append_member(out: &mut Vec<u8>, record: &str, key: &str, value: &impl Serialize) {
    let body = record.trim_end();
    let body = body.strip_suffix('}').unwrap_or(body).trim_end();
    out.extend_from_slice(body.as_bytes());
    if !body.ends_with('{') {
        out.push(b',');
    }
    write_json(out, key);
    out.push(b':');
    write_json(out, value);
    out.push(b'}');
}

fn write_json(out: &mut Vec<u8>, value: &(impl Serialize + ?Sized)) {
    // The values written here serialize without error, and writing to a Vec cannot fail.
    let _ = serde_json::to_writer(out, value);
}

/// Buffers kept between calls are let go once a large record has grown them, so that
/// one huge record does not hold its size for the life of the process.
pub const KEEP_BUFFER_BYTES: usize = 1 << 20;

/// Lets a buffer go when a large record has grown it past [`KEEP_BUFFER_BYTES`].
fn release_if_large(buffer: &mut Vec<u8>) {
    if buffer.capacity() > KEEP_BUFFER_BYTES {
        *buffer = Vec::new();
    }
}

/// The connection that speaks for a record and the format that read it, or why the
/// record could not be read; `None` when the mode drops it.
fn judge_record(
    setup: &Setup,
    time_sec: i64,
    value: &Value,
    records: &mut Vec<Record>,
) -> Option<Result<(Judged, Format), Skip>> {
    let mut ctx = ctx(setup, time_sec);
    records.clear();
    let read = read_record(value, setup.config.format, &mut ctx, records);
    verdict(setup, read, records)
}

/// The context records are read in: the year of dates without one, and the offset.
fn ctx(setup: &Setup, time_sec: i64) -> Ctx {
    let config = &setup.config;
    Ctx::new(
        config.year.unwrap_or_else(|| year_of(time_sec)),
        config.offset_secs,
    )
}

/// What is said of a record once read into `records`; `None` when the mode drops it.
fn verdict(
    setup: &Setup,
    read: Result<Format, Skip>,
    records: &mut Vec<Record>,
) -> Option<Result<(Judged, Format), Skip>> {
    let annotate_all = setup.mode == Mode::Annotate;
    match read {
        Ok(format) => match best(records, &setup.config) {
            Some(judged) if annotate_all || judged.verdict == Verdict::Finding => {
                Some(Ok((judged, format)))
            }
            Some(_) => None,
            None => annotate_all.then(|| Err(Skip::not_connection("no connection"))),
        },
        Err(skip) => annotate_all.then_some(Err(skip)),
    }
}

/// The year of an epoch time, for syslog dates without one; 1970 when unknown.
fn year_of(time_sec: i64) -> i32 {
    civil_from_days(time_sec.div_euclid(86_400)).0 as i32
}

/// Reads a record: as a JSON format, else as the text line of its `log` or `message`.
fn read_record(
    value: &Value,
    forced: Option<Format>,
    ctx: &mut Ctx,
    out: &mut Vec<Record>,
) -> Result<Format, Skip> {
    let as_json = parse_json_value(value, forced, ctx, out);
    let line = ["log", "message"]
        .iter()
        .find_map(|k| value.get(*k).and_then(Value::as_str));
    let (Err(json_skip), Some(line)) = (&as_json, line) else {
        return as_json;
    };
    if !out.is_empty() {
        return as_json;
    }
    let line = line.trim_end_matches(['\r', '\n']);
    match parse_line(line, &mut FileState::default(), forced, ctx, out) {
        Ok(Some(format)) => Ok(format),
        Ok(None) => Err(Skip::not_connection("the log line is a header")),
        Err(_) if json_skip.reason != SkipReason::Unrecognized => as_json,
        Err(line_skip) => Err(line_skip),
    }
}

fn best(records: &mut Vec<Record>, config: &Config) -> Option<Judged> {
    let count = records.len();
    let mut chosen: Option<(usize, Verdict)> = None;
    for (index, record) in records.iter_mut().enumerate() {
        config.enrich(record);
        let verdict = judge(record, config);
        if rank(verdict) > chosen.map_or(0, |(_, v)| rank(v)) {
            chosen = Some((index, verdict));
        }
    }
    let (index, verdict) = chosen?;
    Some(Judged {
        record: records.swap_remove(index),
        verdict,
        count,
    })
}

fn rank(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::NotCandidate => 1,
        Verdict::Excluded(_) => 2,
        Verdict::Finding => 3,
    }
}

fn annotate<'a>(judged: &'a Judged, format: Format, config: &Config) -> Annotation<'a> {
    let record = &judged.record;
    let (verdict, reason) = match judged.verdict {
        Verdict::Finding => ("finding", finding_reason(record, config)),
        Verdict::Excluded(why) => ("excluded", why.name().to_owned()),
        Verdict::NotCandidate => ("not_candidate", "not SMB by port, app or log kind".into()),
    };
    Annotation {
        verdict,
        profile: config.profile.name(),
        reason,
        dest_class: dest_class(record, config),
        mitre: (judged.verdict != Verdict::NotCandidate).then_some(MITRE_TECHNIQUES),
        format: format.id(),
        connections: (judged.count > 1).then_some(judged.count),
        record,
    }
}

fn unread(skip: &Skip) -> Note<'_> {
    Note::Unread {
        verdict: "unread",
        reason: skip.reason.name(),
        detail: &skip.detail,
    }
}

/// Why a record is SMB egress, in one line: what made it SMB, and where it went.
fn finding_reason(record: &Record, config: &Config) -> String {
    let smb = smb_reason(record, config);
    let src = record.src_ip.as_ref().map_or("-".into(), Addr::to_string);
    let dest = record.dest_ip.as_ref().map_or("-".into(), Addr::to_string);
    match config.profile {
        Profile::Default => format!("{smb} from internal {src} to Internet address {dest}"),
        Profile::Escu => format!("{smb} from {src} to {dest}, outside the private ranges"),
    }
}

fn smb_reason(record: &Record, config: &Config) -> String {
    let port = config.ports.contains(&record.dest_port);
    let app = record.app.as_deref().filter(|a| match config.profile {
        Profile::Default => names_smb(a),
        Profile::Escu => a.eq_ignore_ascii_case("smb"),
    });
    let candidate = match config.profile {
        Profile::Default => is_default_candidate(record, config),
        Profile::Escu => is_escu_candidate(record, config),
    };
    match (port, app) {
        _ if !candidate => "SMB".into(),
        (true, _) => format!("dest_port {}/{}", record.dest_port, record.transport),
        (false, Some(app)) => format!("app {app}"),
        (false, None) => format!("SMB log ({})", record.sourcetype),
    }
}

/// Where the destination is: `internet`, `internal`, `reserved` (not globally
/// reachable), `name` (a host name, not an address) or `none`.
pub fn dest_class(record: &Record, config: &Config) -> &'static str {
    match &record.dest_ip {
        None => "none",
        Some(Addr::Text(_)) => "name",
        Some(Addr::Ip(ip)) if config.internal.contains(*ip) => "internal",
        Some(Addr::Ip(ip)) if !is_global(*ip) => "reserved",
        Some(Addr::Ip(_)) => "internet",
    }
}

mod flat;
#[cfg(all(target_arch = "wasm32", target_os = "wasi"))]
mod wasi;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn filter(config: &str) -> Filter {
        Filter::new(Setup::from_json(config, &mut |_| Err("no files".into())))
    }

    #[test]
    fn setup_reads_filter_keys_and_options() {
        let mut files = |name: &str| Ok(format!("ip,category\n192.0.2.0/24,internal # {name}\n"));
        let setup = Setup::from_json(
            r#"{"mode":"annotate","key":"smb","profile":"escu","assetsFile":"a.csv"}"#,
            &mut files,
        );
        let setup = setup.unwrap();
        assert_eq!(setup.mode, Mode::Annotate);
        assert_eq!(setup.key, "smb");
        assert_eq!(setup.config.profile, Profile::Escu);
        assert_eq!(setup.config.assets.len(), 1);
    }

    #[test]
    fn setup_errors_name_the_option() {
        let cases = [
            (r#"{"prots":[445]}"#, "filter keys: mode, key"),
            (r#"{"mode":"all"}"#, "option `mode`"),
            (r#"{"key":""}"#, "option `key`"),
            (r#"{"allowFile":"x"}"#, "option `allowFile`: no files"),
            (r#"{"allow":"","allowFile":"x"}"#, "not both"),
            (r#"{"assetsFile":3}"#, "expected a file name, found 3"),
            ("[1]", "not a JSON object"),
            ("{", "not a JSON object"),
        ];
        for (text, expected) in cases {
            let error = Setup::from_json(text, &mut |_| Err("no files".into())).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn bad_config_passes_records_with_the_error() {
        let mut filter = filter(r#"{"profile":"strict"}"#);
        let out = filter.process(0, r#"{"a":1}"#);
        let out: Value = serde_json::from_str(out).unwrap();
        assert_eq!(out["a"], 1);
        let error = out[DEFAULT_KEY]["error"].as_str().unwrap();
        assert!(error.contains("option `profile`"), "{error}");
    }

    #[test]
    fn unreadable_records_drop_or_pass_by_mode() {
        assert_eq!(filter("{}").process(0, r#"{"a":1}"#), "");
        let mut annotate = filter(r#"{"mode":"annotate"}"#);
        let out: Value = serde_json::from_str(annotate.process(0, r#"{"a":1}"#)).unwrap();
        assert_eq!(out["a"], 1);
        assert_eq!(out[DEFAULT_KEY]["verdict"], "unread");
        assert_eq!(annotate.process(0, "not json"), "not json");
    }

    #[test]
    fn kept_records_read_back_as_cim_give_the_same_finding() {
        let zeek = concat!(
            r#"{"ts":1709028000.25,"id.orig_h":"10.1.2.3","id.orig_p":50312,"#,
            r#""id.resp_h":"89.160.20.156","id.resp_p":445,"proto":"tcp","conn_state":"SF"}"#
        );
        let out: Value = serde_json::from_str(filter("{}").process(0, zeek)).unwrap();
        assert_eq!(out[DEFAULT_KEY]["verdict"], "finding");
        let cim = out[DEFAULT_KEY]["record"].to_string();
        let report = crate::Analyzer::analyze(Config::default(), cim.as_bytes());
        assert_eq!(report.stats.formats.keys().collect::<Vec<_>>(), ["cim"]);
        assert_eq!(report.findings.len(), 1);
        assert_eq!(report.findings[0].src_ip, "10.1.2.3");
    }

    #[test]
    fn findings_say_why_under_each_profile() {
        let zeek = concat!(
            r#"{"ts":1709028000.25,"id.orig_h":"10.1.2.3","id.orig_p":50312,"#,
            r#""id.resp_h":"89.160.20.156","id.resp_p":445,"proto":"tcp"}"#
        );
        let cases = [
            (
                "{}",
                "dest_port 445/tcp from internal 10.1.2.3 to Internet address",
            ),
            (r#"{"profile":"escu"}"#, "outside the private ranges"),
        ];
        for (config, reason) in cases {
            let out: Value = serde_json::from_str(filter(config).process(0, zeek)).unwrap();
            let verdict = &out[DEFAULT_KEY];
            assert!(
                verdict["reason"].as_str().unwrap().contains(reason),
                "{verdict}"
            );
            assert_eq!(verdict["mitre"], json!(MITRE_TECHNIQUES));
        }
    }

    /// The JSON records of the fixtures, and the test cases.
    fn json_records() -> Vec<String> {
        let mut records = Vec::new();
        for dir in ["tests/fixtures/corpus", "tests/fixtures/made"] {
            let mut dirs = vec![std::path::PathBuf::from(dir)];
            while let Some(dir) = dirs.pop() {
                for entry in std::fs::read_dir(dir).unwrap() {
                    let path = entry.unwrap().path();
                    let name = path.to_string_lossy().into_owned();
                    if path.is_dir() {
                        dirs.push(path);
                    } else if !name.ends_with(".golden.json") && !name.ends_with(".md") {
                        let text =
                            String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
                        let lines = text.lines().filter(|l| l.trim_start().starts_with('{'));
                        records.extend(lines.map(str::to_owned));
                    }
                }
            }
        }
        let cases = std::fs::read_to_string("tests/fluentbit/cases.json").unwrap();
        let cases: Vec<Value> = serde_json::from_str(&cases).unwrap();
        records.extend(cases.iter().map(|c| c["record"].to_string()));
        records
    }

    /// Zeek records changed the ways that matter to the flat path: members removed,
    /// values of other types, members that name the log's kind, repeated keys, the
    /// verdict's key, a log line.
    fn zeek_variants(records: &[String]) -> Vec<String> {
        let zeek: Vec<Map<String, Value>> = records
            .iter()
            .filter_map(|r| serde_json::from_str::<Map<String, Value>>(r).ok())
            .filter(|m| m.contains_key("id.orig_h") || m.contains_key("id_orig_h"))
            .collect();
        let keys = [
            "_path",
            "@stream",
            "action",
            "share_type",
            "named_pipe",
            "endpoint",
            "operation",
            "prev_name",
            "log",
            "message",
            "event_type",
            "id.orig_h",
            "id_orig_h",
            "id.resp_h",
            "id_resp_p",
            "id.resp_p",
            "proto",
            "service",
            "conn_state",
            "history",
            "ts",
            "orig_bytes",
            "local_orig",
            DEFAULT_KEY,
            "smb",
        ];
        let values = [
            json!(null),
            json!(""),
            json!("abc"),
            json!(0),
            json!(-1),
            json!(1.5),
            json!("445"),
            json!(445),
            json!(" 139 "),
            json!(true),
            json!("F"),
            json!([]),
            json!([1, {"a": 1}]),
            json!("SMB::FILE_OPEN"),
            json!("conn"),
            json!("smb_mapping"),
            json!("dns"),
            json!("89.160.20.156"),
            json!("tcp"),
            json!("S0"),
            json!(99_999_999_999u64),
            json!("caf\u{e9}\n"),
            json!(1_709_028_000.5),
        ];
        let mut next = crate::testing::xorshift(0x9E37_79B9_7F4A_7C15);
        let mut variants = Vec::new();
        for _ in 0..20_000 {
            let mut map = zeek[next() % zeek.len()].clone();
            for _ in 0..1 + next() % 3 {
                let key = keys[next() % keys.len()];
                match next() % 3 {
                    0 => drop(map.remove(key)),
                    _ => drop(map.insert(key.to_owned(), values[next() % values.len()].clone())),
                }
            }
            let mut text = Value::Object(map).to_string();
            if next().is_multiple_of(8) {
                // A repeated key: the later one counts.
                let key = keys[next() % keys.len()];
                text.insert_str(1, &format!(r#""{key}":"10.9.9.9","#));
            }
            variants.push(text);
        }
        variants
    }

    /// The flat path, where it takes a record, gives what the `Value` path gives, over
    /// every JSON record of the fixtures and many changed Zeek records, in each mode
    /// and profile; and it takes every Zeek conn record of the corpus.
    #[test]
    fn flat_path_gives_what_the_value_path_gives() {
        let records = json_records();
        let variants = zeek_variants(&records);
        let configs = [
            "{}",
            r#"{"mode":"annotate"}"#,
            r#"{"mode":"annotate","profile":"escu"}"#,
            r#"{"mode":"annotate","includeBlocked":true,"requireEstablished":true}"#,
            r#"{"mode":"annotate","internal":["10.0.0.0/8"],"key":"smb","year":2020}"#,
        ];
        for config in configs {
            let mut filter = filter(config);
            let mut taken = 0;
            for record in records.iter().chain(&variants) {
                let (mut flat, mut value) = (Vec::new(), Vec::new());
                if !filter.process_flat(1_709_028_000, record, &mut flat) {
                    continue;
                }
                taken += 1;
                filter.process_value(1_709_028_000, record, &mut value);
                let [flat, value] = [flat, value].map(|v| String::from_utf8(v).unwrap());
                assert_eq!(flat, value, "{config}: {record}");
            }
            assert!(taken > 10_000, "{config}: {taken}");
        }
        let mut filter = filter(r#"{"mode":"annotate"}"#);
        let zeek_conn = std::fs::read_dir("tests/fixtures/corpus/zeek_conn_json").unwrap();
        for entry in zeek_conn {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "log") {
                for line in std::fs::read_to_string(&path).unwrap().lines() {
                    assert!(filter.process_flat(0, line, &mut Vec::new()), "{line}");
                }
            }
        }
    }

    #[test]
    fn years_come_from_the_event_time() {
        assert_eq!(year_of(1_709_028_000), 2024);
        assert_eq!(year_of(0), 1970);
    }

    #[test]
    fn destination_classes() {
        let config = Config::default();
        let class = |dest: Option<&str>| {
            let mut record = Record::new("cim");
            record.dest_ip = dest.map(Addr::parse);
            dest_class(&record, &config)
        };
        assert_eq!(class(Some("8.8.8.8")), "internet");
        assert_eq!(class(Some("10.0.0.1")), "internal");
        assert_eq!(class(Some("198.51.100.1")), "reserved");
        assert_eq!(class(Some("files.example")), "name");
        assert_eq!(class(None), "none");
    }
}
