//! The normalized connection record every parser produces.
//!
//! Field names follow the Splunk CIM Network_Traffic data model, so that the detection
//! reads the same fields whatever the input was.

use serde::{Deserialize, Serialize};

use crate::addr::Addr;

/// One connection, as the CIM Network_Traffic data model names its fields.
///
/// `src` is always the side that opened the connection and `dest` the side that
/// accepted it; parsers turn server-side logs around so that this holds.
///
/// ```
/// use smb_egress::{Addr, Record};
///
/// let mut record = Record::new("bro:conn:json");
/// record.src_ip = Some(Addr::parse("10.0.0.5"));
/// record.dest_ip = Some(Addr::parse("203.0.113.9"));
/// record.dest_port = 445;
/// record.transport = "tcp".into();
/// assert_eq!(record.action, "unknown");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Event time in epoch seconds; for a flow with a start and an end, the start.
    #[serde(rename = "_time", default, skip_serializing_if = "Option::is_none")]
    pub time: Option<f64>,
    /// The initiator's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub src_ip: Option<Addr>,
    /// The initiator's port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub src_port: Option<u16>,
    /// The responder's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dest_ip: Option<Addr>,
    /// The responder's port; `0` when missing or not a number (the CIM rule).
    #[serde(default)]
    pub dest_port: u16,
    /// `tcp`, `udp`, `icmp`, … in lower case, or `unknown`.
    pub transport: String,
    /// The application protocol as the source names it (`smb`, `ms-ds-smb`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// `allowed`, `blocked`, `teardown` or `unknown`; CIM inputs keep their own value.
    pub action: String,
    /// `inbound` or `outbound`, where the source says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// Bytes sent by the responder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_in: Option<u64>,
    /// Bytes sent by the initiator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_out: Option<u64>,
    /// Whether the source saw a completed handshake or a reply; `None` when it cannot tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub established: Option<bool>,
    /// Asset categories of the destination.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dest_category: Vec<String>,
    /// The Splunk sourcetype of the input.
    pub sourcetype: String,
    /// The destination's host name, where the source gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dest: Option<String>,
    /// True for records that are SMB by their kind (a Zeek `smb_mapping` row, a Suricata
    /// `smb` event), whatever their port.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub smb_kind: bool,
}

impl Record {
    /// An empty record of a sourcetype, with the CIM defaults for missing fields.
    pub fn new(sourcetype: &str) -> Record {
        Record {
            time: None,
            src_ip: None,
            src_port: None,
            dest_ip: None,
            dest_port: 0,
            transport: UNKNOWN.to_owned(),
            app: None,
            action: UNKNOWN.to_owned(),
            direction: None,
            bytes_in: None,
            bytes_out: None,
            established: None,
            dest_category: Vec::new(),
            sourcetype: sourcetype.to_owned(),
            dest: None,
            smb_kind: false,
        }
    }

    /// Swaps the two ends, for logs written from the responder's point of view.
    pub fn turn_around(&mut self) {
        std::mem::swap(&mut self.src_ip, &mut self.dest_ip);
        let src_port = self.src_port.take();
        self.src_port = (self.dest_port != 0).then_some(self.dest_port);
        self.dest_port = src_port.unwrap_or(0);
        std::mem::swap(&mut self.bytes_in, &mut self.bytes_out);
    }
}

/// The CIM value for a missing transport or action.
pub const UNKNOWN: &str = "unknown";

/// Which way a connection crossed the device that logged it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Opened from outside toward the logging host or network.
    Inbound,
    /// Opened from the logging host or network toward the outside.
    Outbound,
}

/// Maps a vendor's verb to a CIM action: `allowed`, `blocked`, `teardown` or `unknown`.
///
/// ```
/// use smb_egress::record::cim_action;
///
/// assert_eq!(cim_action("ACCEPT"), "allowed");
/// assert_eq!(cim_action("Deny"), "blocked");
/// assert_eq!(cim_action("Teardown"), "teardown");
/// assert_eq!(cim_action("monitor"), "unknown");
/// ```
pub fn cim_action(verb: &str) -> &'static str {
    const ALLOWED: [&str; 7] = [
        "allow", "accept", "permit", "pass", "built", "success", "allowed",
    ];
    const BLOCKED: [&str; 9] = [
        "deny", "drop", "reject", "reset", "block", "failure", "blocked", "denied", "dropped",
    ];
    const TEARDOWN: [&str; 3] = ["teardown", "close", "closed"];
    let verb = verb.trim();
    let is = |list: &[&str]| list.iter().any(|v| v.eq_ignore_ascii_case(verb));
    if is(&ALLOWED) {
        "allowed"
    } else if is(&BLOCKED) {
        "blocked"
    } else if is(&TEARDOWN) {
        "teardown"
    } else {
        UNKNOWN
    }
}

/// Maps an IANA protocol number or name to the CIM transport name.
///
/// ```
/// use smb_egress::record::transport_name;
///
/// assert_eq!(transport_name("6"), "tcp");
/// assert_eq!(transport_name("UDP"), "udp");
/// assert_eq!(transport_name(""), "unknown");
/// ```
pub fn transport_name(value: &str) -> String {
    let value = value.trim();
    match value {
        "6" => "tcp".to_owned(),
        "17" => "udp".to_owned(),
        "1" => "icmp".to_owned(),
        "58" => "ipv6-icmp".to_owned(),
        "2" => "igmp".to_owned(),
        "47" => "gre".to_owned(),
        "50" => "esp".to_owned(),
        "132" => "sctp".to_owned(),
        "" | "-" => UNKNOWN.to_owned(),
        _ => value.to_ascii_lowercase(),
    }
}

/// Reads a port as the CIM rule does: a number from 0 to 65535, else `None`.
pub fn parse_port(value: &str) -> Option<u16> {
    value.trim().parse().ok()
}
