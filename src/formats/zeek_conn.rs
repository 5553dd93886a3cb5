//! Zeek conn.log, TSV or JSON: one record per connection.
//!
//! Specified by the Zeek documentation, "conn.log"
//! (<https://docs.zeek.org/en/master/logs/conn.html>) and the `Conn::Info` record of
//! the base/protocols/conn scripts. The TSV layout and the JSON key styles are read as
//! [`super::zeek`] describes.
//!
//! | record field | conn.log field |
//! | --- | --- |
//! | `_time` | `ts` (the connection's first packet) |
//! | `src_ip`, `src_port` | `id.orig_h`, `id.orig_p` (the originator) |
//! | `dest_ip`, `dest_port` | `id.resp_h`, `id.resp_p` (the responder) |
//! | `transport` | `proto` |
//! | `app` | `service` as written (`smb`, `dce_rpc,smb`, `gssapi,smb,krb`) |
//! | `bytes_out`, `bytes_in` | `orig_bytes`, `resp_bytes` |
//! | `direction` | `local_orig`/`local_resp`: outbound when only the originator is local, inbound when only the responder is |
//! | `established`, `action` | `conn_state` and `history`, below |
//!
//! Zeek already orients each connection (originator = initiator, flipping it when its
//! heuristics say so, marked by `^` in `history`), so rows are never turned around.
//! For ICMP, Zeek writes the type and code in the port fields; they are not ports, so
//! the record has no `src_port` and `dest_port` 0.
//!
//! `established` is true for the states that include a handshake or a reply: `S1`,
//! `SF`, `S2`, `S3`, `RSTO`, `RSTR` (for UDP, `SF` means the responder answered). It is
//! false for `S0`, `REJ`, `RSTOS0` and `SH` (no answer). For `SHR` and `RSTRH` (only the
//! responder's side was seen), `OTH` (midstream) and rows without a state, a `history`
//! with the responder's SYN-ACK (`h`), ACK (`a`) or data (`d`) makes it true, and so
//! does `SHR`/`RSTRH` without a history; otherwise (`^r`: a lone reset) it is unknown. `action` is `blocked` for `REJ` (the responder
//! refused the connection) and `allowed` otherwise, as for any sensor.

use serde_json::Value;

use super::zeek::{self, Field, LogKind, Row};
use super::{Ctx, Skip};
use crate::record::{Direction, Record, transport_name};

/// Whether the JSON document is a Zeek log other than the SMB kinds: conn, or another
/// log (`dns`, `http`, …) that is read as giving no connection.
pub fn is_json(v: &Value) -> bool {
    zeek::json_kind(v).is_some_and(|kind| kind.format() == super::Format::ZeekConn)
}

/// Reads one conn.log JSON document; other Zeek logs give `not_connection`.
///
/// ```
/// use serde_json::json;
/// use smb_egress::formats::{zeek_conn, Ctx};
///
/// let doc = json!({"ts": 1588205199.827696, "id_orig_h": "10.0.1.6", "id_orig_p": 56880,
///     "id_resp_h": "10.0.0.4", "id_resp_p": 445, "proto": "tcp",
///     "service": "gssapi,smb,krb", "conn_state": "RSTO", "@stream": "conn"});
/// let mut out = Vec::new();
/// zeek_conn::from_json(&doc, &mut Ctx::new(2024, 0), &mut out).unwrap();
/// assert_eq!(out[0].dest_port, 445);
/// assert_eq!(out[0].established, Some(true));
/// assert_eq!(out[0].sourcetype, "bro:conn:json");
/// ```
pub fn from_json(v: &Value, ctx: &mut Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    let kind = zeek::json_kind(v).unwrap_or(LogKind::Conn);
    zeek::from_json(v, &kind, ctx, out)
}

/// The record of a conn.log row.
pub(crate) fn record(row: &impl Row, sourcetype: &str, ctx: &Ctx) -> Result<Record, Skip> {
    let mut record = zeek::base_record(row, sourcetype, ctx)?;
    if let Some(proto) = row.text(Field::Proto) {
        record.transport = transport_name(&proto);
    }
    if record.transport.contains("icmp") {
        record.src_port = None;
        record.dest_port = 0;
    }
    record.app = row.text(Field::Service).map(|s| s.into_owned());
    record.bytes_out = row.count(Field::OrigBytes);
    record.bytes_in = row.count(Field::RespBytes);
    record.direction = direction(row.flag(Field::LocalOrig), row.flag(Field::LocalResp));
    let state = row.text(Field::ConnState);
    let history = row.text(Field::History);
    record.established = established(state.as_deref(), history.as_deref());
    record.action = if state.as_deref() == Some("REJ") {
        "blocked"
    } else {
        "allowed"
    }
    .to_owned();
    Ok(record)
}

/// Whether the connection completed a handshake or got a reply (see the module doc).
fn established(state: Option<&str>, history: Option<&str>) -> Option<bool> {
    let answered = || history.is_some_and(|h| h.contains(['h', 'a', 'd']));
    match state {
        Some("S1" | "SF" | "S2" | "S3" | "RSTO" | "RSTR") => Some(true),
        Some("S0" | "REJ" | "RSTOS0" | "SH") => Some(false),
        Some("SHR" | "RSTRH") if history.is_none() => Some(true),
        _ => answered().then_some(true),
    }
}

/// The direction from Zeek's `local_orig`/`local_resp` flags.
fn direction(local_orig: Option<bool>, local_resp: Option<bool>) -> Option<Direction> {
    match (local_orig?, local_resp?) {
        (true, false) => Some(Direction::Outbound),
        (false, true) => Some(Direction::Inbound),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::{FileState, Format, SkipReason, parse_line};

    fn json(doc: &str) -> Result<Vec<Record>, Skip> {
        let v: Value = serde_json::from_str(doc).unwrap();
        assert!(is_json(&v), "{doc}");
        let mut out = Vec::new();
        from_json(&v, &mut Ctx::new(2024, 0), &mut out).map(|()| out)
    }

    fn one(doc: &str) -> Record {
        let mut records = json(doc).unwrap();
        assert_eq!(records.len(), 1);
        records.remove(0)
    }

    #[test]
    fn maps_the_fields() {
        let r = one(
            r#"{"ts":1547188416.857497,"id.orig_h":"192.168.86.167","id.orig_p":38340,
            "id.resp_h":"89.160.20.156","id.resp_p":53,"proto":"udp","service":"dns",
            "orig_bytes":75,"resp_bytes":178,"conn_state":"SF","local_orig":true,
            "local_resp":false,"history":"Dd"}"#,
        );
        assert_eq!(r.time, Some(1547188416.857497));
        assert_eq!(r.src_ip.unwrap().to_string(), "192.168.86.167");
        assert_eq!(r.src_port, Some(38340));
        assert_eq!(r.dest_ip.unwrap().to_string(), "89.160.20.156");
        assert_eq!(r.dest_port, 53);
        assert_eq!(r.transport, "udp");
        assert_eq!(r.app.as_deref(), Some("dns"));
        assert_eq!((r.bytes_out, r.bytes_in), (Some(75), Some(178)));
        assert_eq!(r.direction, Some(Direction::Outbound));
        assert_eq!(r.established, Some(true));
        assert_eq!(r.action, "allowed");
        assert_eq!(r.sourcetype, "bro:conn:json");
        assert!(!r.smb_kind);
    }

    #[test]
    fn reads_every_key_style_and_iso_time() {
        for doc in [
            r#"{"ts":"2021-06-09T20:55:13.5Z","id.orig_h":"10.0.2.15","id.resp_h":"8.8.8.8","id.resp_p":445,"conn_state":"S0"}"#,
            r#"{"ts":"2021-06-09T20:55:13.5Z","id_orig_h":"10.0.2.15","id_resp_h":"8.8.8.8","id_resp_p":445,"@stream":"conn"}"#,
            r#"{"ts":"2021-06-09T20:55:13.5Z","id":{"orig_h":"10.0.2.15","resp_h":"8.8.8.8","resp_p":445},"_path":"conn"}"#,
            r#"{"ts":1623272113.5,"id.orig_h":"10.0.2.15","id.resp_h":"8.8.8.8","id.resp_p":"445","_path":"conn"}"#,
        ] {
            let r = one(doc);
            assert_eq!(r.time, Some(1623272113.5), "{doc}");
            assert_eq!(r.dest_port, 445, "{doc}");
            assert_eq!(r.src_ip.unwrap().to_string(), "10.0.2.15", "{doc}");
        }
    }

    #[test]
    fn iso_time_without_zone_uses_the_offset() {
        let v: Value =
            serde_json::from_str(r#"{"ts":"2021-06-09T20:55:13","id.orig_h":"10.0.2.15"}"#)
                .unwrap();
        let mut out = Vec::new();
        from_json(&v, &mut Ctx::new(2024, 3600), &mut out).unwrap();
        assert_eq!(out[0].time, Some(1623272113.0 - 3600.0));
    }

    #[test]
    fn conn_state_gives_established_and_action() {
        let cases = [
            ("S0", None, Some(false), "allowed"),
            ("REJ", Some("Sr"), Some(false), "blocked"),
            ("RSTOS0", Some("SR"), Some(false), "allowed"),
            ("SH", Some("SF"), Some(false), "allowed"),
            ("S1", Some("ShAD"), Some(true), "allowed"),
            ("SF", Some("ShADadFf"), Some(true), "allowed"),
            ("S2", None, Some(true), "allowed"),
            ("S3", None, Some(true), "allowed"),
            ("RSTO", Some("ShADdaR"), Some(true), "allowed"),
            ("RSTR", Some("ShADr"), Some(true), "allowed"),
            ("RSTRH", Some("^hr"), Some(true), "allowed"),
            ("RSTRH", Some("^r"), None, "allowed"),
            ("RSTRH", None, Some(true), "allowed"),
            ("SHR", Some("^hf"), Some(true), "allowed"),
            ("SHR", Some("^d"), Some(true), "allowed"),
            ("SHR", Some("^f"), None, "allowed"),
            ("OTH", Some("^hadf"), Some(true), "allowed"),
            ("OTH", Some("C"), None, "allowed"),
            ("OTH", Some("R"), None, "allowed"),
            ("OTH", None, None, "allowed"),
        ];
        for (state, history, established, action) in cases {
            let mut doc = serde_json::json!({"id.orig_h": "10.0.0.1", "conn_state": state});
            if let Some(h) = history {
                doc["history"] = h.into();
            }
            let r = one(&doc.to_string());
            assert_eq!(r.established, established, "{state} {history:?}");
            assert_eq!(r.action, action, "{state}");
        }
    }

    #[test]
    fn local_flags_give_the_direction() {
        let cases = [
            (true, false, Some(Direction::Outbound)),
            (false, true, Some(Direction::Inbound)),
            (true, true, None),
            (false, false, None),
        ];
        for (orig, resp, want) in cases {
            let doc = serde_json::json!({"id.orig_h": "10.0.0.1", "conn_state": "SF",
                "local_orig": orig, "local_resp": resp});
            assert_eq!(one(&doc.to_string()).direction, want);
        }
    }

    #[test]
    fn icmp_types_are_not_ports() {
        let r = one(
            r#"{"id.orig_h":"192.168.2.205","id.orig_p":3,"id.resp_h":"89.160.20.156","id.resp_p":3,"proto":"icmp","conn_state":"OTH"}"#,
        );
        assert_eq!((r.src_port, r.dest_port), (None, 0));
        assert_eq!(r.transport, "icmp");
    }

    #[test]
    fn other_zeek_logs_and_empty_rows_are_skipped() {
        let skip = json(r#"{"_path":"dns","id.orig_h":"10.0.0.1","query":"x"}"#).unwrap_err();
        assert_eq!(skip.reason, SkipReason::NotConnection);
        let skip = json(r#"{"_path":"conn","id.orig_h":"","id.resp_p":445}"#).unwrap_err();
        assert_eq!(skip.reason, SkipReason::MissingField);
        let v: Value = serde_json::from_str(r#"{"_path":"conn","ts":1}"#).unwrap();
        assert!(!is_json(&v));
        let v: Value = serde_json::from_str(r#"{"_path":"smb_files","id.orig_h":"x"}"#).unwrap();
        assert!(!is_json(&v));
    }

    #[test]
    fn reads_tsv_rows_through_the_dispatch() {
        let lines = [
            r"#separator \x09",
            "#set_separator\t,",
            "#empty_field\t(empty)",
            "#unset_field\t-",
            "#path\tconn",
            "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory",
            "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring",
        ];
        let mut file = FileState::default();
        let mut ctx = Ctx::new(2024, 0);
        let mut out = Vec::new();
        for line in lines {
            assert_eq!(
                parse_line(line, &mut file, None, &mut ctx, &mut out),
                Ok(None)
            );
        }
        let row = "1692161643.549491\tCX6po\t192.168.1.41\t55213\t10.0.5.13\t445\ttcp\tsmb\t1.2\t0\t403\tREJ\tT\tF\t0\tSr";
        let parsed = parse_line(row, &mut file, None, &mut ctx, &mut out);
        assert_eq!(parsed, Ok(Some(Format::ZeekConn)));
        let r = &out[0];
        assert_eq!(r.sourcetype, "bro:conn");
        assert_eq!(r.action, "blocked");
        assert_eq!(r.established, Some(false));
        assert_eq!(r.app.as_deref(), Some("smb"));
        assert_eq!(r.direction, Some(Direction::Outbound));
        assert_eq!((r.bytes_out, r.bytes_in), (Some(0), Some(403)));
        let unset =
            "1692161643.5\tCX\t192.168.1.41\t-\t10.0.5.13\t-\t-\t(empty)\t-\t-\t-\t-\t-\t-\t-\t-";
        out.clear();
        parse_line(unset, &mut file, None, &mut ctx, &mut out).unwrap();
        let r = &out[0];
        assert_eq!((r.src_port, r.dest_port), (None, 0));
        assert_eq!((r.transport.as_str(), r.app.as_deref()), ("unknown", None));
        assert_eq!((r.established, r.direction), (None, None));
    }

    use proptest::strategy::Strategy as _;

    proptest::proptest! {
        #[test]
        fn documents_never_panic(
            pairs in proptest::collection::vec((
                proptest::sample::select(vec![
                    "ts", "id.orig_h", "id_orig_h", "id.resp_h", "id.resp_p", "id_orig_p",
                    "proto", "service", "conn_state", "history", "local_orig", "local_resp",
                    "orig_bytes", "_path", "@stream", "named_pipe", "path", "share_type",
                ]),
                proptest::prop_oneof![
                    proptest::strategy::Just(Value::Null),
                    proptest::prelude::any::<f64>().prop_map(Value::from),
                    proptest::prelude::any::<bool>().prop_map(Value::from),
                    "[-0-9a-zA-Z:._\\\\]{0,12}".prop_map(Value::from),
                ],
            ), 0..12),
        ) {
            let mut doc = serde_json::json!({"id.orig_h": "10.0.0.1"});
            for (key, value) in pairs {
                doc[key] = value;
            }
            let mut out = Vec::new();
            let mut ctx = Ctx::new(2024, 0);
            if is_json(&doc) {
                let _ = from_json(&doc, &mut ctx, &mut out);
            }
            if super::super::zeek_smb::is_json(&doc) {
                let _ = super::super::zeek_smb::from_json(&doc, &mut ctx, &mut out);
            }
        }
    }
}
