//! Suricata EVE JSON (`eve.json`), also as AWS Network Firewall writes it.
//!
//! Specified by the Suricata user guide, "Eve JSON Format"
//! (<https://docs.suricata.io/en/latest/output/eve/eve-json-format.html>). AWS Network
//! Firewall wraps each EVE event as `{"firewall_name":…, "event_timestamp":…,
//! "event":{…}}` ("Contents of a firewall log" in the AWS Network Firewall developer
//! guide); the inner event is read. A document is EVE when it has a string
//! `event_type` beside a `timestamp` or `src_ip`. Every event with an address gives
//! one record (`flow`, `netflow`, `alert`, `smb`, `http`, `tls`, …); events without
//! one (`stats`) give `not_connection`. Duplicate keys (AWS writes some twice) keep
//! the last value and do not stop the parse.
//!
//! | record field | EVE field |
//! | --- | --- |
//! | `_time` | `flow.start` for `flow` events, `netflow.start` for `netflow` events, else `timestamp` (AWS: `event_timestamp` when it is missing) |
//! | `src_ip`, `src_port`, `dest_ip`, `dest_port` | `src_ip`, `src_port`, `dest_ip`, `dest_port`, oriented as below |
//! | `transport` | `proto` (`TCP`, `UDP`, or a number) |
//! | `app` | `app_proto` unless `failed`/`unknown`; else, for an application protocol's own event (`smb`, `dns`, `http`, …), the event type |
//! | `bytes_out`, `bytes_in` | `flow.bytes_toserver`, `flow.bytes_toclient`; for `netflow`, `netflow.bytes` (sent by the event's source) |
//! | `action` | `blocked` when `alert.action` is `blocked` or the event is a `drop`, else `allowed` |
//! | `dest` | for `smb` events, the server of the UNC `smb.share` when it is a name |
//!
//! `smb` events are SMB by their kind (`smb_kind`).
//!
//! # Direction
//!
//! Suricata writes `src_*`/`dest_*` in the direction of the packet that produced the
//! event, which for alerts, DNS answers and file events may be the responder's packet.
//! The rule: when the event carries the flow's own endpoints (`flow.src_ip`,
//! `flow.dest_ip`, with `flow.src_port`, `flow.dest_port`; Suricata 7 and later), they
//! are the initiator and the responder. Otherwise the event is turned around when
//! `direction` is `to_client`. Events without `direction` are read as written, with one
//! exception: Suricata before 7 wrote DNS answers in the answer packet's direction
//! (server to client) and later versions in the flow's, so a DNS answer from port 53
//! to another port is turned around. `fileinfo` events are written in the file's
//! direction (a download has the server as source) and say nothing that tells it, so
//! they are read as written; a downloaded file's record names the server as source.
//! `netflow` events are one direction of a flow each and are read as written too.
//!
//! # Established
//!
//! - `netflow` over TCP: SYN and ACK among `tcp.tcp_flags` → true; SYN without ACK →
//!   false (the initiator never acknowledged an answer); else unknown.
//! - Events with `flow.pkts_toclient`: none → false. Over TCP, `tcp.tcp_flags_tc` with
//!   SYN and ACK, or ACK without RST (a session picked up midstream) → true, other
//!   responder flags (a RST) → false; without flags, a `flow.state` of `established`
//!   or a detected `app_proto` → true. Other transports: packets to the client → true.
//! - Application-layer events over TCP (`smb`, `tls`, `http`, …) and TCP events with a
//!   detected `app_proto`: true, since Suricata hands a TCP stream to its application
//!   parsers once the handshake is done. DNS answers: true (a reply). Otherwise
//!   unknown.

use serde_json::Value;

use super::json;
use super::{Ctx, Skip};
use crate::record::{Record, transport_name};
use crate::time::{parse_epoch, parse_iso8601};

/// The sourcetype of every record.
const SOURCETYPE: &str = "suricata";

/// Event types that a packet or the flow engine logs, not an application parser.
const PACKET_EVENTS: [&str; 8] = [
    "alert", "anomaly", "drop", "flow", "netflow", "stats", "frame", "pkthdr",
];

const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const ACK: u8 = 0x10;

/// The EVE event: the document itself, or the AWS Network Firewall wrapper's `event`.
fn event(v: &Value) -> &Value {
    match v.get("event") {
        Some(inner) if inner.get("event_type").is_some_and(Value::is_string) => inner,
        _ => v,
    }
}

/// Whether the JSON document is an EVE event (bare or in the AWS wrapper).
pub fn is_json(v: &Value) -> bool {
    let e = event(v);
    e.get("event_type").is_some_and(Value::is_string)
        && (e.get("timestamp").is_some() || e.get("src_ip").is_some())
}

/// Reads one EVE event.
///
/// ```
/// use serde_json::json;
/// use smb_egress::formats::{suricata_eve, Ctx};
///
/// let doc = json!({"timestamp": "2024-02-27T10:00:00.000000+0000", "event_type": "smb",
///     "src_ip": "10.0.0.5", "src_port": 50100, "dest_ip": "81.2.69.160",
///     "dest_port": 445, "proto": "TCP", "smb": {"command": "SMB2_COMMAND_TREE_CONNECT"}});
/// let mut out = Vec::new();
/// suricata_eve::from_json(&doc, &mut Ctx::new(2024, 0), &mut out).unwrap();
/// assert!(out[0].smb_kind);
/// assert_eq!(out[0].app.as_deref(), Some("smb"));
/// assert_eq!(out[0].time, Some(1_709_028_000.0));
/// ```
pub fn from_json(v: &Value, ctx: &mut Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    let e = event(v);
    let event_type = json::text(e, &["event_type"]).unwrap_or_default();
    let mut record = Record::new(SOURCETYPE);
    record.src_ip = json::addr(e, &["src_ip"]);
    record.dest_ip = json::addr(e, &["dest_ip"]);
    if record.src_ip.is_none() && record.dest_ip.is_none() {
        return Err(Skip::not_connection(format!(
            "suricata {event_type} event has no addresses"
        )));
    }
    record.src_port = json::port(e, &["src_port"]);
    record.dest_port = json::port(e, &["dest_port"]).unwrap_or(0);
    if event_type == "netflow" {
        record.bytes_out = json::count(e, &["netflow.bytes"]);
    }
    orient(e, &mut record);
    if let Some(proto) = json::text(e, &["proto"]) {
        record.transport = transport_name(&proto);
    }
    record.time = time(v, e, &event_type, ctx);
    record.app = app(e, &event_type);
    record.smb_kind = event_type == "smb";
    record.action = action(e, &event_type).to_owned();
    if json::get(e, "flow").is_some() {
        record.bytes_out = json::count(e, &["flow.bytes_toserver"]);
        record.bytes_in = json::count(e, &["flow.bytes_toclient"]);
    }
    record.established = established(e, &event_type, &record.transport);
    if record.smb_kind {
        record.dest = json::text(e, &["smb.share"]).and_then(|s| super::zeek::unc_host(&s));
    }
    out.push(record);
    Ok(())
}

/// Makes `src` the initiator (see the module doc).
fn orient(e: &Value, record: &mut Record) {
    let direction = json::text(e, &["direction"]);
    let reversed = match direction.as_deref() {
        Some(d) => d == "to_client",
        None => is_dns_answer(e) && record.src_port == Some(53) && record.dest_port != 53,
    };
    if reversed {
        record.turn_around();
    }
    let flow_src = json::addr(e, &["flow.src_ip"]);
    let flow_dest = json::addr(e, &["flow.dest_ip"]);
    if let (Some(src), Some(dest)) = (flow_src, flow_dest) {
        record.src_ip = Some(src);
        record.dest_ip = Some(dest);
        if let Some(port) = json::port(e, &["flow.src_port"]) {
            record.src_port = Some(port);
        }
        if let Some(port) = json::port(e, &["flow.dest_port"]) {
            record.dest_port = port;
        }
    }
}

/// The event time: the flow's start for flow records, else the event's timestamp.
fn time(wrapper: &Value, e: &Value, event_type: &str, ctx: &Ctx) -> Option<f64> {
    let start = match event_type {
        "flow" => json::text(e, &["flow.start"]),
        "netflow" => json::text(e, &["netflow.start"]),
        _ => None,
    };
    let iso = |t: &str| parse_iso8601(t, ctx.offset);
    start
        .and_then(|t| iso(&t))
        .or_else(|| json::text(e, &["timestamp"]).and_then(|t| iso(&t)))
        .or_else(|| json::text(wrapper, &["event_timestamp"]).and_then(|t| parse_epoch(&t)))
}

/// `app_proto`, else the protocol an application-layer event is named after.
fn app(e: &Value, event_type: &str) -> Option<String> {
    let proto = json::text(e, &["app_proto"])
        .filter(|p| !p.eq_ignore_ascii_case("failed") && !p.eq_ignore_ascii_case("unknown"));
    match proto {
        Some(p) => Some(p.into_owned()),
        None => is_protocol_event(event_type).then(|| event_type.to_owned()),
    }
}

/// Whether an event type is an application protocol's own log (`smb`, `dns`, `tls`).
fn is_protocol_event(event_type: &str) -> bool {
    !event_type.is_empty() && !PACKET_EVENTS.contains(&event_type) && event_type != "fileinfo"
}

fn action(e: &Value, event_type: &str) -> &'static str {
    let blocked =
        json::text(e, &["alert.action"]).is_some_and(|a| a.eq_ignore_ascii_case("blocked"));
    if blocked || event_type == "drop" {
        "blocked"
    } else {
        "allowed"
    }
}

/// Whether the connection completed a handshake or got a reply (see the module doc).
fn established(e: &Value, event_type: &str, transport: &str) -> Option<bool> {
    let tcp = transport == "tcp";
    if event_type == "netflow" {
        let flags = tcp_flags(e, "tcp.tcp_flags").filter(|_| tcp)?;
        return match (flags & SYN != 0, flags & ACK != 0) {
            (true, ack) => Some(ack),
            (false, _) => None,
        };
    }
    if let Some(to_client) = json::count(e, &["flow.pkts_toclient"]) {
        return flow_established(e, tcp, to_client);
    }
    let app_layer = is_protocol_event(event_type) || app(e, "").is_some();
    ((tcp && app_layer) || is_dns_answer(e)).then_some(true)
}

fn is_dns_answer(e: &Value) -> bool {
    json::text(e, &["dns.type"]).as_deref() == Some("answer")
}

fn flow_established(e: &Value, tcp: bool, to_client: u64) -> Option<bool> {
    if to_client == 0 {
        return Some(false);
    }
    if !tcp {
        return Some(true);
    }
    if let Some(flags) = tcp_flags(e, "tcp.tcp_flags_tc") {
        let handshake = flags & (SYN | ACK) == SYN | ACK;
        let midstream = flags & ACK != 0 && flags & RST == 0;
        return Some(handshake || midstream);
    }
    let state = json::text(e, &["flow.state"]).is_some_and(|s| s == "established");
    (state || app(e, "").is_some()).then_some(true)
}

/// TCP flags written as hex (`"1b"`), or from the `tcp.syn`/`tcp.ack` booleans.
fn tcp_flags(e: &Value, path: &str) -> Option<u8> {
    if let Some(hex) = json::text(e, &[path]) {
        return u8::from_str_radix(hex.trim(), 16).ok();
    }
    if path != "tcp.tcp_flags" {
        return None;
    }
    let bit = |name: &str, value: u8| match json::get(e, name) {
        Some(Value::Bool(true)) => value,
        _ => 0,
    };
    let flags = bit("tcp.syn", SYN) | bit("tcp.ack", ACK) | bit("tcp.rst", RST);
    (json::get(e, "tcp").is_some()).then_some(flags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::Addr;
    use crate::formats::{FileState, Format, SkipReason, parse_line};
    use crate::record::UNKNOWN;

    fn parse(doc: &str) -> Result<Record, Skip> {
        let v: Value = serde_json::from_str(doc).unwrap();
        assert!(is_json(&v), "{doc}");
        let mut out = Vec::new();
        from_json(&v, &mut Ctx::new(2024, 0), &mut out)?;
        assert_eq!(out.len(), 1);
        Ok(out.remove(0))
    }

    fn ends(r: &Record) -> (String, Option<u16>, String, u16) {
        let text = |a: &Option<Addr>| a.as_ref().map(Addr::to_string).unwrap_or_default();
        (text(&r.src_ip), r.src_port, text(&r.dest_ip), r.dest_port)
    }

    #[test]
    fn maps_a_flow_event() {
        let r = parse(
            r#"{"timestamp":"2018-07-05T15:51:54.001329-0400","event_type":"flow","src_ip":"fe80:0000:0000:0000:fada:0cff:fedc:87f1","src_port":546,"dest_ip":"ff02:0000:0000:0000:0000:0000:0001:0002","dest_port":547,"proto":"UDP","app_proto":"failed","flow":{"pkts_toserver":1,"pkts_toclient":0,"bytes_toserver":110,"bytes_toclient":0,"start":"2018-07-05T15:51:23.453468-0400","state":"new"}}"#,
        )
        .unwrap();
        assert_eq!(
            ends(&r),
            (
                "fe80::fada:cff:fedc:87f1".into(),
                Some(546),
                "ff02::1:2".into(),
                547
            )
        );
        assert_eq!(r.time, Some(1530820283.453468));
        assert_eq!(r.transport, "udp");
        assert_eq!(r.app, None);
        assert_eq!((r.bytes_out, r.bytes_in), (Some(110), Some(0)));
        assert_eq!(r.established, Some(false));
        assert_eq!(r.action, "allowed");
        assert_eq!(r.sourcetype, "suricata");
    }

    #[test]
    fn reads_the_aws_network_firewall_wrapper_with_duplicate_keys() {
        let r = parse(
            r#"{"firewall_name":"outbound","event_timestamp":"1674225318","event":{"app_proto":"tls","src_ip":"216.160.83.61","src_port":5302,"event_type":"alert","alert":{"action":"allowed"},"dest_ip":"89.160.20.156","proto":"TCP","tls":{"subject":"a","subject":"a"},"dest_port":443,"timestamp":"2023-01-20T14:35:18.307095+0000"}}"#,
        )
        .unwrap();
        assert_eq!(
            ends(&r),
            (
                "216.160.83.61".into(),
                Some(5302),
                "89.160.20.156".into(),
                443
            )
        );
        assert_eq!(r.app.as_deref(), Some("tls"));
        assert_eq!(r.time, Some(1674225318.307095));
        assert_eq!(r.established, Some(true));
    }

    #[test]
    fn wrapper_time_is_the_fallback() {
        let r = parse(
            r#"{"event_timestamp":"1636381332","event":{"event_type":"alert","src_ip":"81.2.69.143","dest_ip":"216.160.83.57","alert":{"action":"blocked"}}}"#,
        )
        .unwrap();
        assert_eq!(r.time, Some(1636381332.0));
        assert_eq!(r.action, "blocked");
    }

    #[test]
    fn actions() {
        for (doc, action) in [
            (
                r#""event_type":"alert","alert":{"action":"blocked"}"#,
                "blocked",
            ),
            (
                r#""event_type":"alert","alert":{"action":"allowed"}"#,
                "allowed",
            ),
            (r#""event_type":"drop","drop":{"len":60}"#, "blocked"),
            (r#""event_type":"flow""#, "allowed"),
        ] {
            let doc = format!(
                r#"{{"timestamp":"2024-01-01T00:00:00Z","src_ip":"10.0.0.1","dest_ip":"8.8.8.8",{doc}}}"#
            );
            assert_eq!(parse(&doc).unwrap().action, action, "{doc}");
        }
    }

    #[test]
    fn orients_by_flow_fields_then_direction_then_dns_answers() {
        let cases = [
            (
                r#""event_type":"alert","src_ip":"188.190.10.10","src_port":55123,"dest_ip":"10.10.23.101","dest_port":49697,"direction":"to_client","flow":{"src_ip":"10.10.23.101","dest_ip":"188.190.10.10","src_port":49697,"dest_port":55123}"#,
                ("10.10.23.101", Some(49697), "188.190.10.10", 55123),
            ),
            (
                r#""event_type":"alert","src_ip":"81.2.69.160","src_port":445,"dest_ip":"10.0.0.5","dest_port":50100,"direction":"to_client""#,
                ("10.0.0.5", Some(50100), "81.2.69.160", 445),
            ),
            (
                r#""event_type":"alert","src_ip":"10.0.0.25","dest_ip":"10.0.0.20","direction":"to_client","flow":{"src_ip":"10.0.0.20","dest_ip":"10.0.0.25"}"#,
                ("10.0.0.20", None, "10.0.0.25", 0),
            ),
            (
                r#""event_type":"alert","src_ip":"10.0.0.5","src_port":50100,"dest_ip":"81.2.69.160","dest_port":445,"direction":"to_server""#,
                ("10.0.0.5", Some(50100), "81.2.69.160", 445),
            ),
            (
                r#""event_type":"dns","src_ip":"192.168.86.1","src_port":53,"dest_ip":"192.168.86.85","dest_port":39464,"proto":"UDP","dns":{"type":"answer"}"#,
                ("192.168.86.85", Some(39464), "192.168.86.1", 53),
            ),
            (
                r#""event_type":"dns","src_ip":"192.168.86.85","src_port":39464,"dest_ip":"192.168.86.1","dest_port":53,"proto":"UDP","dns":{"type":"query"}"#,
                ("192.168.86.85", Some(39464), "192.168.86.1", 53),
            ),
            (
                r#""event_type":"dns","src_ip":"192.168.86.85","src_port":39464,"dest_ip":"192.168.86.1","dest_port":53,"proto":"UDP","dns":{"type":"answer","version":2}"#,
                ("192.168.86.85", Some(39464), "192.168.86.1", 53),
            ),
            (
                r#""event_type":"dns","src_ip":"192.168.86.7","src_port":5353,"dest_ip":"224.0.0.251","dest_port":5353,"proto":"UDP","dns":{"type":"answer"}"#,
                ("192.168.86.7", Some(5353), "224.0.0.251", 5353),
            ),
        ];
        for (fields, (src, sport, dest, dport)) in cases {
            let doc = format!(r#"{{"timestamp":"2024-01-01T00:00:00Z",{fields}}}"#);
            let r = parse(&doc).unwrap();
            assert_eq!(ends(&r), (src.into(), sport, dest.into(), dport), "{doc}");
        }
    }

    #[test]
    fn app_comes_from_app_proto_or_the_protocol_event() {
        for (fields, app) in [
            (r#""event_type":"http","app_proto":"http""#, Some("http")),
            (r#""event_type":"dns""#, Some("dns")),
            (r#""event_type":"smb""#, Some("smb")),
            (r#""event_type":"fileinfo""#, None),
            (r#""event_type":"flow","app_proto":"failed""#, None),
            (r#""event_type":"alert""#, None),
            (r#""event_type":"alert","app_proto":"smb""#, Some("smb")),
        ] {
            let doc =
                format!(r#"{{"timestamp":"2024-01-01T00:00:00Z","src_ip":"10.0.0.1",{fields}}}"#);
            assert_eq!(parse(&doc).unwrap().app.as_deref(), app, "{doc}");
        }
    }

    #[test]
    fn turned_around_netflow_keeps_its_bytes_with_the_sender() {
        let r = parse(
            r#"{"timestamp":"2024-01-01T00:00:00Z","event_type":"netflow","src_ip":"81.2.69.160","src_port":445,"dest_ip":"10.0.0.5","dest_port":50100,"direction":"to_client","proto":"TCP","netflow":{"bytes":40,"start":"2024-01-01T00:00:00Z"}}"#,
        )
        .unwrap();
        assert_eq!((r.bytes_out, r.bytes_in), (None, Some(40)));
        assert_eq!(r.dest_port, 445);
    }

    #[test]
    fn established_rules() {
        let cases = [
            (
                r#""event_type":"netflow","proto":"TCP","tcp":{"tcp_flags":"02","syn":true}"#,
                Some(false),
            ),
            (
                r#""event_type":"netflow","proto":"TCP","tcp":{"tcp_flags":"1b"}"#,
                Some(true),
            ),
            (
                r#""event_type":"netflow","proto":"TCP","tcp":{"syn":true,"ack":true}"#,
                Some(true),
            ),
            (
                r#""event_type":"netflow","proto":"TCP","tcp":{"tcp_flags":"04"}"#,
                None,
            ),
            (r#""event_type":"netflow","proto":"UDP""#, None),
            (
                r#""event_type":"flow","proto":"TCP","flow":{"pkts_toclient":0},"tcp":{"tcp_flags_tc":"00"}"#,
                Some(false),
            ),
            (
                r#""event_type":"flow","proto":"TCP","flow":{"pkts_toclient":1},"tcp":{"tcp_flags_tc":"14"}"#,
                Some(false),
            ),
            (
                r#""event_type":"flow","proto":"TCP","flow":{"pkts_toclient":9},"tcp":{"tcp_flags_tc":"1a"}"#,
                Some(true),
            ),
            (
                r#""event_type":"flow","proto":"TCP","flow":{"pkts_toclient":9},"tcp":{"tcp_flags_tc":"18"}"#,
                Some(true),
            ),
            (
                r#""event_type":"flow","proto":"TCP","flow":{"pkts_toclient":2,"state":"established"}"#,
                Some(true),
            ),
            (
                r#""event_type":"flow","proto":"TCP","flow":{"pkts_toclient":2,"state":"closed"}"#,
                None,
            ),
            (
                r#""event_type":"alert","proto":"TCP","app_proto":"tls","flow":{"pkts_toclient":3}"#,
                Some(true),
            ),
            (
                r#""event_type":"flow","proto":"UDP","flow":{"pkts_toclient":1}"#,
                Some(true),
            ),
            (r#""event_type":"smb","proto":"TCP""#, Some(true)),
            (r#""event_type":"tls","proto":"TCP""#, Some(true)),
            (
                r#""event_type":"dns","proto":"UDP","dns":{"type":"query"}"#,
                None,
            ),
            (
                r#""event_type":"dns","proto":"UDP","dns":{"type":"answer"}"#,
                Some(true),
            ),
            (r#""event_type":"alert","proto":"TCP""#, None),
            (
                r#""event_type":"alert","proto":"TCP","app_proto":"http""#,
                Some(true),
            ),
            (
                r#""event_type":"alert","proto":"TCP","app_proto":"failed""#,
                None,
            ),
            (
                r#""event_type":"alert","proto":"UDP","app_proto":"dns""#,
                None,
            ),
        ];
        for (fields, want) in cases {
            let doc = format!(
                r#"{{"timestamp":"2024-01-01T00:00:00Z","src_ip":"10.0.0.1","dest_ip":"8.8.8.8",{fields}}}"#
            );
            assert_eq!(parse(&doc).unwrap().established, want, "{doc}");
        }
    }

    #[test]
    fn smb_events_name_the_share_server() {
        let r = parse(
            r#"{"timestamp":"2024-01-01T00:00:00Z","event_type":"smb","src_ip":"10.0.0.5","dest_ip":"81.2.69.160","dest_port":445,"proto":"TCP","smb":{"share":"\\\\files.example.net\\c$"}}"#,
        )
        .unwrap();
        assert_eq!(r.dest.as_deref(), Some("files.example.net"));
        assert!(r.smb_kind);
    }

    #[test]
    fn events_without_addresses_are_not_connections() {
        let skip = parse(r#"{"timestamp":"2024-01-01T00:00:00Z","event_type":"stats","stats":{}}"#)
            .unwrap_err();
        assert_eq!(skip.reason, SkipReason::NotConnection);
    }

    #[test]
    fn icmp_and_unknown_proto() {
        let r = parse(
            r#"{"timestamp":"2024-01-01T00:00:00Z","event_type":"alert","src_ip":"10.0.0.25","dest_ip":"10.0.0.20","proto":"ICMP","icmp_type":0}"#,
        )
        .unwrap();
        assert_eq!(
            (r.transport.as_str(), r.dest_port, r.src_port),
            ("icmp", 0, None)
        );
        let r = parse(r#"{"timestamp":"x","event_type":"alert","src_ip":"10.0.0.1"}"#).unwrap();
        assert_eq!((r.transport.as_str(), r.time), (UNKNOWN, None));
    }

    #[test]
    fn detection_leaves_other_json_alone() {
        for doc in [
            r#"{"src_ip":"10.0.0.1","dest_ip":"8.8.8.8","dest_port":445}"#,
            r#"{"event":{"action":"x"},"source":{"ip":"10.0.0.1"}}"#,
            r#"{"_path":"conn","id.orig_h":"10.0.0.1"}"#,
            r#"{"event_type":1,"src_ip":"10.0.0.1"}"#,
        ] {
            let v: Value = serde_json::from_str(doc).unwrap();
            assert!(!is_json(&v), "{doc}");
        }
        let mut file = FileState::default();
        let mut out = Vec::new();
        let line = r#"{"timestamp":"2024-01-01T00:00:00Z","event_type":"flow","src_ip":"10.0.0.1","dest_ip":"8.8.8.8"}"#;
        let parsed = parse_line(line, &mut file, None, &mut Ctx::new(2024, 0), &mut out);
        assert_eq!(parsed, Ok(Some(Format::SuricataEve)));
    }

    fn leaf() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "[-0-9a-z:._]{0,10}".prop_map(Value::from),
        ]
    }

    fn event() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let keys = prop_oneof![
            Just("event_type"),
            Just("src_ip"),
            Just("dest_ip"),
            Just("src_port"),
            Just("dest_port"),
            Just("proto"),
            Just("timestamp"),
            Just("direction"),
            Just("app_proto"),
            Just("flow.start"),
            Just("flow.pkts_toclient"),
            Just("flow.src_ip"),
            Just("tcp.tcp_flags"),
            Just("tcp.tcp_flags_tc"),
            Just("dns.type"),
            Just("alert.action"),
            Just("netflow.start"),
            Just("smb.share"),
        ];
        proptest::collection::vec((keys, leaf()), 0..12).prop_map(|pairs| {
            let mut doc =
                serde_json::json!({"event_type": "flow", "timestamp": "2024-01-01T00:00:00Z"});
            for (key, value) in pairs {
                match key.split_once('.') {
                    Some((outer, inner)) => {
                        if !doc[outer].is_object() {
                            doc[outer] = serde_json::json!({});
                        }
                        doc[outer][inner] = value;
                    }
                    None => doc[key] = value,
                }
            }
            doc
        })
    }

    proptest::proptest! {
        #[test]
        fn events_never_panic(doc in event(), wrap in proptest::prelude::any::<bool>()) {
            let doc = if wrap { serde_json::json!({"event": doc}) } else { doc };
            if is_json(&doc) {
                let _ = from_json(&doc, &mut Ctx::new(2024, 0), &mut Vec::new());
            }
        }
    }
}
