//! Elastic Common Schema (ECS) JSON documents that describe a connection.
//!
//! ECS is specified at <https://www.elastic.co/guide/en/ecs/current/index.html>. Fields
//! may be nested (`{"source": {"ip": …}}`) or written with dots (`"source.ip"`); both
//! are read.
//!
//! | ECS | record |
//! | --- | --- |
//! | `client.*` and `server.*` when both have an `ip`, else `source.*` and `destination.*`: `ip`, `port` | `src_ip`, `src_port`, `dest_ip`, `dest_port` |
//! | the same sets' `bytes` | `bytes_out` (client/source), `bytes_in` (server/destination) |
//! | `destination.domain` (or `server.domain`) | `dest` |
//! | `network.transport`, else `network.iana_number` | `transport` |
//! | `network.protocol`, else `network.application` | `app` |
//! | `network.direction`: `outbound`/`egress`, `inbound`/`ingress` | `direction` |
//! | `event.start`, else `@timestamp` | `_time` |
//!
//! ECS defines the client as the initiator of a connection and the source as the
//! sender of a packet or exchange, so the client and server sets are preferred when a
//! document has them; network flow records (Packetbeat, Elastic Agent's network
//! traffic) put the initiator in `source`.
//!
//! **Action.** `event.type` containing `denied` → `blocked`, containing `allowed` →
//! `allowed`; else `event.action`, then `event.outcome` through the CIM verb table
//! ([`cim_action`]); else a document whose `event.type` contains `connection` or
//! `flow` is a sensor's record and is `allowed`; anything else is `unknown`.
//!
//! **Handshake.** `destination.packets` or `destination.bytes` above zero shows a
//! reply: `established` is true. Otherwise it is unknown.
//!
//! A document without a destination address or domain gives `missing_field` when its
//! `event.category` is `network`, else `not_connection`.

use std::borrow::Cow;

use serde_json::Value;

use super::json::{self, get};
use super::{Ctx, Format, Skip};
use crate::record::{Direction, Record, cim_action, transport_name};
use crate::time::parse_iso8601;

/// Whether the JSON document has ECS endpoint fields.
pub fn is_json(v: &Value) -> bool {
    ["source.ip", "destination.ip", "client.ip", "server.ip"]
        .iter()
        .any(|path| get(v, path).is_some())
}

/// The fields of one end of a connection.
struct End {
    ip: &'static str,
    port: &'static str,
    bytes: &'static str,
    packets: &'static str,
    domain: &'static str,
}

macro_rules! end {
    ($set:literal) => {
        End {
            ip: concat!($set, ".ip"),
            port: concat!($set, ".port"),
            bytes: concat!($set, ".bytes"),
            packets: concat!($set, ".packets"),
            domain: concat!($set, ".domain"),
        }
    };
}

const CLIENT: End = end!("client");
const SERVER: End = end!("server");
const SOURCE: End = end!("source");
const DESTINATION: End = end!("destination");

/// Reads one ECS document.
pub fn from_json(v: &Value, ctx: &mut Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    let (from, to) = if get(v, CLIENT.ip).is_some() && get(v, SERVER.ip).is_some() {
        (&CLIENT, &SERVER)
    } else {
        (&SOURCE, &DESTINATION)
    };
    let dest_ip = json::addr(v, &[to.ip]);
    let dest = json::text(v, &[to.domain]).map(Cow::into_owned);
    if dest_ip.is_none() && dest.is_none() {
        return Err(no_destination(v));
    }

    let mut record = Record::new(Format::Ecs.default_sourcetype());
    record.time =
        json::text(v, &["event.start", "@timestamp"]).and_then(|t| parse_iso8601(&t, ctx.offset));
    record.src_ip = json::addr(v, &[from.ip]);
    record.src_port = json::port(v, &[from.port]);
    record.dest_ip = dest_ip;
    record.dest_port = json::port(v, &[to.port]).unwrap_or(0);
    record.dest = dest;
    record.transport = transport_name(
        &json::text(v, &["network.transport", "network.iana_number"]).unwrap_or_default(),
    );
    record.app = json::text(v, &["network.protocol", "network.application"]).map(Cow::into_owned);
    record.direction = json::text(v, &["network.direction"]).and_then(|d| direction(&d));
    record.bytes_out = json::count(v, &[from.bytes]);
    record.bytes_in = json::count(v, &[to.bytes]);
    record.action = action(v).to_owned();
    let replies = [to.packets, to.bytes].map(|path| json::count(v, &[path]));
    record.established = replies.iter().flatten().any(|n| *n > 0).then_some(true);
    out.push(record);
    Ok(())
}

fn no_destination(v: &Value) -> Skip {
    if has(v, "event.category", "network") {
        Skip::missing("destination.ip")
    } else {
        Skip::not_connection("ECS document without a destination")
    }
}

/// The CIM action of a document (see the module documentation).
fn action(v: &Value) -> &'static str {
    if has(v, "event.type", "denied") {
        return "blocked";
    }
    if has(v, "event.type", "allowed") {
        return "allowed";
    }
    for path in ["event.action", "event.outcome"] {
        let verb = json::text(v, &[path]).map_or("unknown", |verb| cim_action(&verb));
        if verb != "unknown" {
            return verb;
        }
    }
    if has(v, "event.type", "connection") || has(v, "event.type", "flow") {
        "allowed"
    } else {
        "unknown"
    }
}

/// Whether a field is `value` or a list holding it (ASCII case ignored).
fn has(v: &Value, path: &str, value: &str) -> bool {
    let is = |item: &Value| item.as_str().is_some_and(|s| s.eq_ignore_ascii_case(value));
    match get(v, path) {
        Some(Value::Array(items)) => items.iter().any(is),
        Some(item) => is(item),
        None => false,
    }
}

fn direction(text: &str) -> Option<Direction> {
    match text.to_ascii_lowercase().as_str() {
        "inbound" | "ingress" => Some(Direction::Inbound),
        "outbound" | "egress" => Some(Direction::Outbound),
        _ => None,
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

    #[test]
    fn maps_nested_and_dotted_fields() {
        let nested = json!({"@timestamp": "2024-02-27T10:00:05Z",
            "event": {"start": "2024-02-27T10:00:00Z", "type": ["connection", "end"]},
            "source": {"ip": "10.0.0.5", "port": 50000, "bytes": 300},
            "destination": {"ip": "81.2.69.160", "port": 445, "bytes": 120, "domain": "fs.example"},
            "network": {"transport": "tcp", "protocol": "smb", "direction": "egress"}});
        let dotted = json!({"@timestamp": "2024-02-27T10:00:05Z",
            "event.start": "2024-02-27T10:00:00Z", "event.type": ["connection", "end"],
            "source.ip": "10.0.0.5", "source.port": "50000", "source.bytes": 300,
            "destination.ip": "81.2.69.160", "destination.port": 445,
            "destination.bytes": 120, "destination.domain": "fs.example",
            "network.transport": "tcp", "network.protocol": "smb",
            "network.direction": "outbound"});
        for doc in [nested, dotted] {
            let r = read(&doc).unwrap();
            assert_eq!(r.time, Some(1_709_028_000.0));
            assert_eq!(r.src_ip.unwrap().to_string(), "10.0.0.5");
            assert_eq!(r.src_port, Some(50000));
            assert_eq!(r.dest_ip.unwrap().to_string(), "81.2.69.160");
            assert_eq!(r.dest_port, 445);
            assert_eq!(r.dest.as_deref(), Some("fs.example"));
            assert_eq!(r.transport, "tcp");
            assert_eq!(r.app.as_deref(), Some("smb"));
            assert_eq!(r.direction, Some(Direction::Outbound));
            assert_eq!((r.bytes_out, r.bytes_in), (Some(300), Some(120)));
            assert_eq!(r.action, "allowed");
            assert_eq!(r.established, Some(true));
            assert_eq!(r.sourcetype, "ecs");
        }
    }

    #[test]
    fn client_and_server_name_the_initiator() {
        let doc = json!({"source": {"ip": "81.2.69.160", "port": 445},
            "destination": {"ip": "10.0.0.5", "port": 50000},
            "client": {"ip": "10.0.0.5", "port": 50000},
            "server": {"ip": "81.2.69.160", "port": 445}});
        let r = read(&doc).unwrap();
        assert_eq!(r.src_ip.unwrap().to_string(), "10.0.0.5");
        assert_eq!(r.dest_port, 445);
    }

    #[test]
    fn maps_actions() {
        let cases = [
            (
                json!({"type": ["connection", "denied"], "action": "accept"}),
                "blocked",
            ),
            (json!({"type": ["allowed"]}), "allowed"),
            (json!({"action": "drop"}), "blocked"),
            (
                json!({"action": "network_flow", "outcome": "failure"}),
                "blocked",
            ),
            (
                json!({"action": "network_flow", "type": "connection"}),
                "allowed",
            ),
            (json!({"action": "network_flow"}), "unknown"),
            (json!({}), "unknown"),
        ];
        for (event, expected) in cases {
            let doc = json!({"event": event, "destination": {"ip": "81.2.69.160"}});
            assert_eq!(read(&doc).unwrap().action, expected, "{doc}");
        }
    }

    #[test]
    fn documents_without_a_destination_are_skipped() {
        let logon =
            json!({"source": {"ip": "10.0.0.5"}, "event": {"category": ["authentication"]}});
        assert_eq!(read(&logon).unwrap_err().reason, SkipReason::NotConnection);
        let flow = json!({"source": {"ip": "10.0.0.5"}, "event": {"category": ["network"]}});
        assert_eq!(read(&flow).unwrap_err().reason, SkipReason::MissingField);
        assert!(!is_json(&json!({"src_ip": "10.0.0.5"})));
    }
}
