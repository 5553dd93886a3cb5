//! OCSF Network Activity events (class 4001), as Amazon Security Lake and other OCSF
//! producers write them.
//!
//! The class is specified by the Open Cybersecurity Schema Framework
//! (<https://schema.ocsf.io/classes/network_activity>). OCSF defines `src_endpoint` as
//! the initiator of the connection and `dst_endpoint` as the responder, so records are
//! taken as written.
//!
//! | OCSF | record |
//! | --- | --- |
//! | `src_endpoint.ip`, `src_endpoint.port` | `src_ip`, `src_port` |
//! | `dst_endpoint.ip`, `dst_endpoint.port` | `dest_ip`, `dest_port` |
//! | `dst_endpoint.hostname`, else `dst_endpoint.domain` | `dest` |
//! | `connection_info.protocol_name`, else `connection_info.protocol_num` | `transport` |
//! | `connection_info.direction_id` (1 inbound, 2 outbound), else `direction` | `direction` |
//! | `traffic.bytes_out`, `traffic.bytes_in` | `bytes_out`, `bytes_in` |
//! | `start_time`, else `time` (epoch milliseconds; ISO text is read too) | `_time` |
//!
//! **Action.** `disposition_id` 1 (Allowed) → `allowed`, 2 (Blocked) or 6 (Dropped) →
//! `blocked`; else `action_id` 1 (Allowed) / 2 (Denied); else the `disposition` or
//! `action` caption through the CIM verb table ([`cim_action`]); else `activity_id` 5
//! (Refuse) → `blocked`; anything else is `unknown`.
//!
//! **Handshake.** `traffic.packets_in` or `traffic.bytes_in` above zero shows a reply:
//! `established` is true; otherwise unknown.
//!
//! SMB Activity events (class 4006) carry the same endpoint objects and describe an SMB
//! session, so they are read too, as SMB by their kind (`app` `smb` unless given).
//! Events of other classes give `not_connection`.

use std::borrow::Cow;

use serde_json::Value;

use super::json::{self, get};
use super::{Ctx, Format, Skip};
use crate::record::{Direction, Record, cim_action, transport_name};
use crate::time::parse_iso8601;

/// OCSF's Network Activity class.
const NETWORK_ACTIVITY: u64 = 4001;
/// OCSF's SMB Activity class.
const SMB_ACTIVITY: u64 = 4006;

/// Whether the JSON document is an OCSF event (of any class).
pub fn is_json(v: &Value) -> bool {
    let has = |path| get(v, path).is_some();
    has("class_uid") && (has("metadata.version") || has("src_endpoint") || has("dst_endpoint"))
}

/// Reads one OCSF event.
pub fn from_json(v: &Value, ctx: &mut Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    let class = json::count(v, &["class_uid"]).ok_or_else(|| Skip::malformed("bad class_uid"))?;
    if class != NETWORK_ACTIVITY && class != SMB_ACTIVITY {
        return Err(Skip::not_connection(format!(
            "OCSF class {class} is not Network Activity"
        )));
    }
    let dest_ip = json::addr(v, &["dst_endpoint.ip"]);
    let dest =
        json::text(v, &["dst_endpoint.hostname", "dst_endpoint.domain"]).map(Cow::into_owned);
    if dest_ip.is_none() && dest.is_none() {
        return Err(Skip::missing("dst_endpoint.ip"));
    }

    let mut record = Record::new(Format::Ocsf.default_sourcetype());
    record.time = time(v, ctx);
    record.src_ip = json::addr(v, &["src_endpoint.ip"]);
    record.src_port = json::port(v, &["src_endpoint.port"]);
    record.dest_ip = dest_ip;
    record.dest_port = json::port(v, &["dst_endpoint.port"]).unwrap_or(0);
    record.dest = dest;
    let protocol = json::text(
        v,
        &[
            "connection_info.protocol_name",
            "connection_info.protocol_num",
        ],
    );
    record.transport = transport_name(&protocol.unwrap_or_default());
    record.direction = direction(v);
    record.bytes_out = json::count(v, &["traffic.bytes_out"]);
    record.bytes_in = json::count(v, &["traffic.bytes_in"]);
    record.action = action(v).to_owned();
    let replies = ["traffic.packets_in", "traffic.bytes_in"].map(|p| json::count(v, &[p]));
    record.established = replies.iter().flatten().any(|n| *n > 0).then_some(true);
    if class == SMB_ACTIVITY {
        record.smb_kind = true;
        record.app = Some("smb".to_owned());
    }
    out.push(record);
    Ok(())
}

/// `start_time` or `time`: epoch milliseconds, or ISO text.
fn time(v: &Value, ctx: &Ctx) -> Option<f64> {
    match json::get_any(v, &["start_time", "time"])? {
        Value::String(text) => parse_iso8601(text, ctx.offset)
            .or_else(|| text.trim().parse::<f64>().ok().map(|ms| ms / 1000.0)),
        value => value.as_f64().map(|ms| ms / 1000.0),
    }
    .filter(|t| t.is_finite())
}

fn direction(v: &Value) -> Option<Direction> {
    match json::count(v, &["connection_info.direction_id"]) {
        Some(1) => return Some(Direction::Inbound),
        Some(2) => return Some(Direction::Outbound),
        _ => {}
    }
    let text = json::text(v, &["connection_info.direction"])?;
    if text.eq_ignore_ascii_case("inbound") {
        Some(Direction::Inbound)
    } else if text.eq_ignore_ascii_case("outbound") {
        Some(Direction::Outbound)
    } else {
        None
    }
}

/// The CIM action of an event (see the module documentation).
fn action(v: &Value) -> &'static str {
    match json::count(v, &["disposition_id"]) {
        Some(1) => return "allowed",
        Some(2 | 6) => return "blocked",
        _ => {}
    }
    match json::count(v, &["action_id"]) {
        Some(1) => return "allowed",
        Some(2) => return "blocked",
        _ => {}
    }
    for path in ["disposition", "action"] {
        let verb = json::text(v, &[path]).map_or("unknown", |verb| cim_action(&verb));
        if verb != "unknown" {
            return verb;
        }
    }
    if json::count(v, &["activity_id"]) == Some(5) {
        "blocked"
    } else {
        "unknown"
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::SkipReason;
    use super::*;

    fn read(doc: &Value) -> Result<Record, Skip> {
        assert!(is_json(doc), "{doc}");
        let mut out = Vec::new();
        from_json(doc, &mut Ctx::new(2024, 0), &mut out)?;
        Ok(out.remove(0))
    }

    fn event(extra: Value) -> Value {
        let mut doc = json!({"class_uid": 4001, "metadata": {"version": "1.1.0"},
            "src_endpoint": {"ip": "10.0.0.5", "port": 50000},
            "dst_endpoint": {"ip": "81.2.69.160", "port": 445}});
        for (key, value) in extra.as_object().unwrap() {
            doc[key] = value.clone();
        }
        doc
    }

    #[test]
    fn maps_fields() {
        let r = read(&event(json!({"time": 1_709_028_005_000_u64,
            "start_time": 1_709_028_000_500_u64,
            "connection_info": {"protocol_num": 6, "direction_id": 2},
            "traffic": {"bytes_out": 300, "bytes_in": 120, "packets_in": 2},
            "disposition_id": 1})))
        .unwrap();
        assert_eq!(r.time, Some(1_709_028_000.5));
        assert_eq!(r.src_ip.unwrap().to_string(), "10.0.0.5");
        assert_eq!(r.src_port, Some(50000));
        assert_eq!(r.dest_ip.unwrap().to_string(), "81.2.69.160");
        assert_eq!(r.dest_port, 445);
        assert_eq!(r.transport, "tcp");
        assert_eq!(r.direction, Some(Direction::Outbound));
        assert_eq!((r.bytes_out, r.bytes_in), (Some(300), Some(120)));
        assert_eq!(r.action, "allowed");
        assert_eq!(r.established, Some(true));
        assert_eq!(r.sourcetype, "ocsf");
    }

    #[test]
    fn maps_actions() {
        let cases = [
            (json!({"disposition_id": 2, "action_id": 1}), "blocked"),
            (json!({"disposition_id": 6}), "blocked"),
            (json!({"action_id": 2}), "blocked"),
            (json!({"disposition": "Allowed"}), "allowed"),
            (json!({"action": "Denied"}), "blocked"),
            (json!({"activity_id": 5}), "blocked"),
            (json!({"activity_id": 6}), "unknown"),
        ];
        for (extra, expected) in cases {
            assert_eq!(
                read(&event(extra.clone())).unwrap().action,
                expected,
                "{extra}"
            );
        }
    }

    #[test]
    fn reads_iso_times_and_direction_captions() {
        let r = read(&event(json!({"time": "2024-02-27T10:00:00Z",
            "connection_info": {"protocol_name": "TCP", "direction": "Inbound"}})))
        .unwrap();
        assert_eq!(r.time, Some(1_709_028_000.0));
        assert_eq!(r.transport, "tcp");
        assert_eq!(r.direction, Some(Direction::Inbound));
        assert_eq!(r.established, None);
    }

    #[test]
    fn smb_activity_is_smb_by_kind_and_other_classes_are_skipped() {
        let smb = read(&event(json!({"class_uid": 4006}))).unwrap();
        assert!(smb.smb_kind);
        assert_eq!(smb.app.as_deref(), Some("smb"));
        let skip = read(&event(json!({"class_uid": 3002}))).unwrap_err();
        assert_eq!(skip.reason, SkipReason::NotConnection);
        let mut no_dest = event(json!({}));
        no_dest["dst_endpoint"] = json!({"port": 445});
        assert_eq!(read(&no_dest).unwrap_err().reason, SkipReason::MissingField);
    }
}
