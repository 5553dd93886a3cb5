//! The input formats, their detection, and the dispatch from a line to its parser.
//!
//! Each format has a module that names the format, where it is specified, and which
//! fields it reads. Detection works at two levels:
//!
//! - per file, for formats whose header lines give the layout of the rows below them
//!   (Zeek TSV `#fields`, W3C `#Fields`, an AWS VPC Flow Logs header, a CSV header);
//!   the layout is kept in [`FileState`] until another header replaces it;
//! - per line, for JSON documents, Windows event XML and syslog lines, so a file that
//!   mixes Suricata, Zeek JSON and ASA lines works.
//!
//! A forced format skips detection; lines that do not fit it are skipped with the
//! reason `format_mismatch`.

use serde_json::Value;

use crate::record::Record;

mod needle;
pub(crate) use needle::Needle;

pub mod json;
pub mod kv;
pub mod syslog;
pub mod winevent;
pub mod xml;

pub mod aws_vpc_flow;
pub mod azure_nsg_flow;
pub mod checkpoint;
pub mod cim;
pub mod cisco_asa;
pub mod cisco_estreamer;
pub mod cisco_ftd;
pub mod ecs;
pub mod fortigate;
pub mod gcp_vpc_flow;
pub mod iptables;
pub mod ocsf;
pub mod panos_traffic;
pub mod pfsense;
pub mod suricata_eve;
pub mod sysmon;
pub mod windows_firewall;
pub mod windows_security;
pub mod zeek;
pub mod zeek_conn;
pub mod zeek_smb;

/// An input format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// Zeek conn.log, TSV or JSON.
    ZeekConn,
    /// Zeek smb_mapping, smb_files and dce_rpc logs, TSV or JSON.
    ZeekSmb,
    /// Suricata eve.json, also inside the AWS Network Firewall wrapper.
    SuricataEve,
    /// Sysmon event 3, JSON or XML.
    Sysmon,
    /// Windows Security 5156/5157, JSON or XML.
    WindowsSecurity,
    /// CIM-normalized JSON lines or CSV.
    Cim,
    /// Elastic Common Schema JSON.
    Ecs,
    /// OCSF Network Activity JSON.
    Ocsf,
    /// AWS VPC Flow Logs.
    AwsVpcFlow,
    /// Azure NSG flow log JSON.
    AzureNsgFlow,
    /// GCP VPC flow log JSON.
    GcpVpcFlow,
    /// Cisco ASA syslog.
    CiscoAsa,
    /// Cisco FTD syslog connection events.
    CiscoFtd,
    /// Cisco Secure Firewall eStreamer connection events.
    CiscoEstreamer,
    /// PAN-OS TRAFFIC CSV.
    PanosTraffic,
    /// FortiGate key=value traffic logs.
    Fortigate,
    /// Check Point syslog.
    Checkpoint,
    /// netfilter kernel log lines.
    Iptables,
    /// pfSense/OPNsense filterlog.
    Pfsense,
    /// Windows Firewall pfirewall.log.
    WindowsFirewall,
}

impl Format {
    /// Every format, in the order of SPEC §5.
    pub const ALL: [Format; 20] = [
        Format::ZeekConn,
        Format::ZeekSmb,
        Format::SuricataEve,
        Format::Sysmon,
        Format::WindowsSecurity,
        Format::Cim,
        Format::Ecs,
        Format::Ocsf,
        Format::AwsVpcFlow,
        Format::AzureNsgFlow,
        Format::GcpVpcFlow,
        Format::CiscoAsa,
        Format::CiscoFtd,
        Format::CiscoEstreamer,
        Format::PanosTraffic,
        Format::Fortigate,
        Format::Checkpoint,
        Format::Iptables,
        Format::Pfsense,
        Format::WindowsFirewall,
    ];

    /// The format's id (`zeek-conn`, `cisco-asa`, …).
    pub fn id(self) -> &'static str {
        match self {
            Format::ZeekConn => "zeek-conn",
            Format::ZeekSmb => "zeek-smb",
            Format::SuricataEve => "suricata-eve",
            Format::Sysmon => "sysmon",
            Format::WindowsSecurity => "windows-security",
            Format::Cim => "cim",
            Format::Ecs => "ecs",
            Format::Ocsf => "ocsf",
            Format::AwsVpcFlow => "aws-vpc-flow",
            Format::AzureNsgFlow => "azure-nsg-flow",
            Format::GcpVpcFlow => "gcp-vpc-flow",
            Format::CiscoAsa => "cisco-asa",
            Format::CiscoFtd => "cisco-ftd",
            Format::CiscoEstreamer => "cisco-estreamer",
            Format::PanosTraffic => "panos-traffic",
            Format::Fortigate => "fortigate",
            Format::Checkpoint => "checkpoint",
            Format::Iptables => "iptables",
            Format::Pfsense => "pfsense",
            Format::WindowsFirewall => "windows-firewall",
        }
    }

    /// The format of an id.
    pub fn from_id(id: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.id() == id)
    }

    /// A one-line description.
    pub fn describe(self) -> &'static str {
        match self {
            Format::ZeekConn => "Zeek conn.log (TSV with #fields, or JSON lines)",
            Format::ZeekSmb => "Zeek smb_mapping, smb_files and dce_rpc logs (TSV or JSON)",
            Format::SuricataEve => "Suricata eve.json, also in the AWS Network Firewall wrapper",
            Format::Sysmon => "Sysmon event 3 (network connection), JSON or XML",
            Format::WindowsSecurity => "Windows Security 5156/5157 (WFP connection), JSON or XML",
            Format::Cim => "CIM Network_Traffic JSON lines or CSV (Splunk exports)",
            Format::Ecs => "Elastic Common Schema JSON",
            Format::Ocsf => "OCSF Network Activity JSON",
            Format::AwsVpcFlow => "AWS VPC Flow Logs (default v2 or custom layout with header)",
            Format::AzureNsgFlow => "Azure NSG flow log JSON (flow tuples)",
            Format::GcpVpcFlow => "GCP VPC flow log JSON",
            Format::CiscoAsa => "Cisco ASA syslog connection messages",
            Format::CiscoFtd => "Cisco FTD syslog connection events (430002/430003)",
            Format::CiscoEstreamer => "Cisco Secure Firewall eStreamer connection events",
            Format::PanosTraffic => "Palo Alto Networks PAN-OS TRAFFIC CSV",
            Format::Fortigate => "FortiGate key=value traffic logs",
            Format::Checkpoint => "Check Point syslog (key:\"value\" pairs)",
            Format::Iptables => "netfilter kernel log lines (SRC= DST= PROTO= DPT=)",
            Format::Pfsense => "pfSense/OPNsense filterlog CSV",
            Format::WindowsFirewall => "Windows Firewall pfirewall.log (W3C)",
        }
    }

    /// The Splunk sourcetype the format's records get unless they carry their own.
    pub fn default_sourcetype(self) -> &'static str {
        match self {
            Format::ZeekConn => "bro:conn:json",
            Format::ZeekSmb => "bro:smb_mapping:json",
            Format::SuricataEve => "suricata",
            Format::Sysmon => "XmlWinEventLog:Microsoft-Windows-Sysmon/Operational",
            Format::WindowsSecurity => "XmlWinEventLog:Security",
            Format::Cim => "cim",
            Format::Ecs => "ecs",
            Format::Ocsf => "ocsf",
            Format::AwsVpcFlow => "aws:cloudwatchlogs:vpcflow",
            Format::AzureNsgFlow => "mscs:nsg:flow",
            Format::GcpVpcFlow => "google:gcp:pubsub:message",
            Format::CiscoAsa => "cisco:asa",
            Format::CiscoFtd => "cisco:ftd:syslog",
            Format::CiscoEstreamer => "cisco:sfw:estreamer",
            Format::PanosTraffic => "pan:traffic",
            Format::Fortigate => "fortigate_traffic",
            Format::Checkpoint => "cp_log",
            Format::Iptables => "linux:netfilter",
            Format::Pfsense => "pfsense:filterlog",
            Format::WindowsFirewall => "windows:firewall",
        }
    }
}

/// Why a line gave no record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SkipReason {
    /// No format recognizes the line.
    Unrecognized,
    /// The format was recognized but the line could not be read (bad JSON, too few
    /// fields, a value of the wrong kind).
    Malformed,
    /// A field the record needs is missing or empty.
    MissingField,
    /// A line of the format that describes no connection (a status message, a NODATA
    /// row, an event of another kind).
    NotConnection,
    /// The line is longer than the cap.
    TooLong,
    /// The user forced a format the line does not fit.
    FormatMismatch,
}

impl SkipReason {
    /// The name the report uses.
    pub fn name(self) -> &'static str {
        match self {
            SkipReason::Unrecognized => "unrecognized",
            SkipReason::Malformed => "malformed",
            SkipReason::MissingField => "missing_field",
            SkipReason::NotConnection => "not_connection",
            SkipReason::TooLong => "too_long",
            SkipReason::FormatMismatch => "format_mismatch",
        }
    }
}

/// A line that gave no record: the reason and one line saying what was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip {
    /// The reason, counted in the report.
    pub reason: SkipReason,
    /// What was wrong.
    pub detail: String,
}

impl Skip {
    /// A skip for a reason, with its detail.
    pub fn new(reason: SkipReason, detail: impl Into<String>) -> Skip {
        Skip {
            reason,
            detail: detail.into(),
        }
    }

    /// `malformed`: the line could not be read.
    pub fn malformed(detail: impl Into<String>) -> Skip {
        Skip::new(SkipReason::Malformed, detail)
    }

    /// `missing_field`: a needed field is missing.
    pub fn missing(field: &str) -> Skip {
        Skip::new(SkipReason::MissingField, format!("no {field}"))
    }

    /// `not_connection`: the line describes no connection.
    pub fn not_connection(detail: impl Into<String>) -> Skip {
        Skip::new(SkipReason::NotConnection, detail)
    }
}

/// What parsers need to know besides the line.
#[derive(Clone, Debug, PartialEq)]
pub struct Ctx {
    /// The year of syslog dates written without one.
    pub year: i32,
    /// Seconds east of UTC of times written without a zone.
    pub offset: i32,
    /// Set by a parser when it used `year` for a date without one.
    pub year_assumed: bool,
}

impl Ctx {
    /// A context for a year and an offset.
    pub fn new(year: i32, offset: i32) -> Ctx {
        Ctx {
            year,
            offset,
            year_assumed: false,
        }
    }
}

/// The result of parsing one line: its format, or why it was skipped.
pub type Parsed = Result<Format, Skip>;

/// Layouts learned from a file's header lines.
#[derive(Clone, Debug, Default)]
pub struct FileState {
    /// Zeek TSV: `#separator`, `#fields` and the rest.
    pub zeek: Option<zeek::TsvLayout>,
    /// Windows Firewall: the W3C `#Fields` line.
    pub w3c: Option<windows_firewall::Layout>,
    /// AWS VPC Flow Logs: a custom layout's header line.
    pub aws: Option<aws_vpc_flow::Layout>,
    /// CIM CSV: the header row.
    pub cim_csv: Option<cim::CsvLayout>,
}

impl FileState {
    /// Whether every line of the file must be parsed, so the prefilter must not pass
    /// over any: Zeek SMB logs, whose rows are SMB by their kind whatever they hold, and
    /// CSV, whose quoted cells can carry a row over several lines.
    pub fn needs_every_line(&self) -> bool {
        let smb_log = self
            .zeek
            .as_ref()
            .is_some_and(|z| z.format() == Format::ZeekSmb);
        smb_log || self.cim_csv.is_some()
    }
}

/// Parses one line (or assembled JSON document), appending its records to `out`.
///
/// `forced` is the user's format, if any. Header lines update `file` and give
/// `Ok(None)`.
pub fn parse_line(
    line: &str,
    file: &mut FileState,
    forced: Option<Format>,
    ctx: &mut Ctx,
    out: &mut Vec<Record>,
) -> Result<Option<Format>, Skip> {
    let trimmed = line.trim_start();
    if trimmed.starts_with('{') || opens_json_array(trimmed) {
        return parse_json(trimmed, forced, ctx, out).map(Some);
    }
    if trimmed.starts_with("<Event") {
        return parse_xml(trimmed, forced, ctx, out).map(Some);
    }
    if header_line(line, file) {
        return Ok(None);
    }
    if let Some(format) = parse_with_layout(line, file, forced, ctx, out) {
        return format.map(Some);
    }
    match forced {
        Some(format) => parse_text_as(format, line, ctx, out).map(Some),
        None => parse_text(line, ctx, out).map(Some),
    }
}

/// Whether `text` opens a JSON array of objects (`[{...}]`, `[]`), as opposed to a
/// line that starts with a bracketed prefix (a dmesg timestamp `[  132.172629]`).
fn opens_json_array(text: &str) -> bool {
    text.strip_prefix('[')
        .is_some_and(|rest| matches!(rest.trim_start().bytes().next(), None | Some(b'{' | b']')))
}

/// Reads a header line into `file`; true when the line was one.
fn header_line(line: &str, file: &mut FileState) -> bool {
    if line.starts_with('#') {
        // Lines starting with `#` are headers or comments in every format that has them.
        if !zeek::header_line(line, &mut file.zeek) {
            windows_firewall::header_line(line, &mut file.w3c);
        }
        return true;
    }
    // Under a Zeek layout, which only `#` lines change, every other line is a row: the
    // header words of another format would change nothing but what the prefilter does.
    file.zeek.is_none()
        && (aws_vpc_flow::header_line(line, &mut file.aws)
            || cim::header_line(line, &mut file.cim_csv))
}

fn parse_with_layout(
    line: &str,
    file: &FileState,
    forced: Option<Format>,
    ctx: &mut Ctx,
    out: &mut Vec<Record>,
) -> Option<Parsed> {
    let (format, parsed) = if let Some(layout) = &file.zeek {
        (layout.format(), zeek::parse_row(line, layout, ctx, out))
    } else if let Some(layout) = &file.w3c {
        (
            Format::WindowsFirewall,
            windows_firewall::parse_row(line, layout, ctx, out),
        )
    } else if let Some(layout) = &file.aws {
        (
            Format::AwsVpcFlow,
            aws_vpc_flow::parse_row(line, layout, ctx, out),
        )
    } else if let Some(layout) = &file.cim_csv {
        (Format::Cim, cim::parse_row(line, layout, ctx, out))
    } else {
        return None;
    };
    Some(match forced {
        Some(f) if f != format => Err(mismatch(f)),
        _ => parsed.map(|()| format),
    })
}

fn mismatch(format: Format) -> Skip {
    Skip::new(
        SkipReason::FormatMismatch,
        format!("line is not {}", format.id()),
    )
}

/// The formats read from JSON documents, in the order detection tries them.
const JSON_FORMATS: [Format; 10] = [
    Format::SuricataEve,
    Format::ZeekConn,
    Format::ZeekSmb,
    Format::Sysmon,
    Format::WindowsSecurity,
    Format::AzureNsgFlow,
    Format::GcpVpcFlow,
    Format::Ocsf,
    Format::Ecs,
    Format::Cim,
];

fn parse_json(text: &str, forced: Option<Format>, ctx: &mut Ctx, out: &mut Vec<Record>) -> Parsed {
    let value: Value =
        serde_json::from_str(text).map_err(|e| Skip::malformed(format!("bad JSON: {e}")))?;
    match value {
        Value::Array(items) => {
            let mut last = Err(Skip::not_connection("empty JSON array"));
            for item in &items {
                last = parse_json_value(item, forced, ctx, out);
            }
            last
        }
        value => parse_json_value(&value, forced, ctx, out),
    }
}

/// Reads one JSON object as the forced format or the first that recognizes it.
pub fn parse_json_value(
    value: &Value,
    forced: Option<Format>,
    ctx: &mut Ctx,
    out: &mut Vec<Record>,
) -> Parsed {
    if !value.is_object() {
        return Err(Skip::malformed("JSON value is not an object"));
    }
    let format = match forced {
        Some(format) if JSON_FORMATS.contains(&format) => format,
        Some(format) => return Err(mismatch(format)),
        None => JSON_FORMATS
            .into_iter()
            .find(|f| json_matches(*f, value))
            .ok_or_else(|| Skip::new(SkipReason::Unrecognized, "JSON of no known format"))?,
    };
    json_parse(format, value, ctx, out).map(|()| format)
}

fn json_matches(format: Format, v: &Value) -> bool {
    match format {
        Format::SuricataEve => suricata_eve::is_json(v),
        Format::ZeekConn => zeek_conn::is_json(v),
        Format::ZeekSmb => zeek_smb::is_json(v),
        Format::Sysmon => sysmon::is_json(v),
        Format::WindowsSecurity => windows_security::is_json(v),
        Format::AzureNsgFlow => azure_nsg_flow::is_json(v),
        Format::GcpVpcFlow => gcp_vpc_flow::is_json(v),
        Format::Ocsf => ocsf::is_json(v),
        Format::Ecs => ecs::is_json(v),
        Format::Cim => cim::is_json(v),
        _ => false,
    }
}

fn json_parse(format: Format, v: &Value, ctx: &mut Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    match format {
        Format::SuricataEve => suricata_eve::from_json(v, ctx, out),
        Format::ZeekConn => zeek_conn::from_json(v, ctx, out),
        Format::ZeekSmb => zeek_smb::from_json(v, ctx, out),
        Format::Sysmon => sysmon::from_json(v, ctx, out),
        Format::WindowsSecurity => windows_security::from_json(v, ctx, out),
        Format::AzureNsgFlow => azure_nsg_flow::from_json(v, ctx, out),
        Format::GcpVpcFlow => gcp_vpc_flow::from_json(v, ctx, out),
        Format::Ocsf => ocsf::from_json(v, ctx, out),
        Format::Ecs => ecs::from_json(v, ctx, out),
        Format::Cim => cim::from_json(v, ctx, out),
        other => Err(mismatch(other)),
    }
}

fn parse_xml(text: &str, forced: Option<Format>, ctx: &mut Ctx, out: &mut Vec<Record>) -> Parsed {
    let event = xml::Event::parse(text).ok_or_else(|| Skip::malformed("bad event XML"))?;
    let format = match forced {
        Some(f @ (Format::Sysmon | Format::WindowsSecurity)) => f,
        Some(f) => return Err(mismatch(f)),
        None if sysmon::is_xml(&event) => Format::Sysmon,
        None if windows_security::is_xml(&event) => Format::WindowsSecurity,
        None => {
            return Err(Skip::not_connection(format!(
                "event {} is not a connection",
                event.event_id
            )));
        }
    };
    match format {
        Format::Sysmon => sysmon::from_xml(&event, ctx, out),
        _ => windows_security::from_xml(&event, ctx, out),
    }
    .map(|()| format)
}

/// The text formats, in the order detection tries them.
const TEXT_FORMATS: [Format; 10] = [
    Format::CiscoFtd,
    Format::CiscoAsa,
    Format::Checkpoint,
    Format::Pfsense,
    Format::Iptables,
    Format::Fortigate,
    Format::CiscoEstreamer,
    Format::PanosTraffic,
    Format::WindowsFirewall,
    Format::AwsVpcFlow,
];

fn parse_text(line: &str, ctx: &mut Ctx, out: &mut Vec<Record>) -> Parsed {
    if line.trim().is_empty() {
        return Err(Skip::new(SkipReason::Unrecognized, "empty line"));
    }
    let format = TEXT_FORMATS
        .into_iter()
        .find(|f| text_matches(*f, line))
        .ok_or_else(|| Skip::new(SkipReason::Unrecognized, "line of no known format"))?;
    text_parse(format, line, ctx, out).map(|()| format)
}

fn parse_text_as(format: Format, line: &str, ctx: &mut Ctx, out: &mut Vec<Record>) -> Parsed {
    if !TEXT_FORMATS.contains(&format) || !text_matches(format, line) {
        return Err(mismatch(format));
    }
    text_parse(format, line, ctx, out).map(|()| format)
}

fn text_matches(format: Format, line: &str) -> bool {
    match format {
        Format::CiscoFtd => cisco_ftd::is_line(line),
        Format::CiscoAsa => cisco_asa::is_line(line),
        Format::Checkpoint => checkpoint::is_line(line),
        Format::Pfsense => pfsense::is_line(line),
        Format::Iptables => iptables::is_line(line),
        Format::Fortigate => fortigate::is_line(line),
        Format::CiscoEstreamer => cisco_estreamer::is_line(line),
        Format::PanosTraffic => panos_traffic::is_line(line),
        Format::WindowsFirewall => windows_firewall::is_line(line),
        Format::AwsVpcFlow => aws_vpc_flow::is_line(line),
        _ => false,
    }
}

fn text_parse(
    format: Format,
    line: &str,
    ctx: &mut Ctx,
    out: &mut Vec<Record>,
) -> Result<(), Skip> {
    match format {
        Format::CiscoFtd => cisco_ftd::parse_line(line, ctx, out),
        Format::CiscoAsa => cisco_asa::parse_line(line, ctx, out),
        Format::Checkpoint => checkpoint::parse_line(line, ctx, out),
        Format::Pfsense => pfsense::parse_line(line, ctx, out),
        Format::Iptables => iptables::parse_line(line, ctx, out),
        Format::Fortigate => fortigate::parse_line(line, ctx, out),
        Format::CiscoEstreamer => cisco_estreamer::parse_line(line, ctx, out),
        Format::PanosTraffic => panos_traffic::parse_line(line, ctx, out),
        Format::WindowsFirewall => windows_firewall::parse_line(line, ctx, out),
        Format::AwsVpcFlow => aws_vpc_flow::parse_line(line, ctx, out),
        other => Err(mismatch(other)),
    }
}
