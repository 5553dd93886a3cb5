//! Google Cloud VPC Flow Logs, as Cloud Logging `LogEntry` JSON.
//!
//! The record format is specified in Google's "VPC Flow Logs record format"
//! (<https://cloud.google.com/vpc/docs/about-flow-logs-records>). The flow is the
//! entry's `jsonPayload`; the bare payload and a Pub/Sub message holding the entry as
//! `data` are read too.
//!
//! | payload | record |
//! | --- | --- |
//! | `connection.src_ip`, `connection.src_port` | `src_ip`, `src_port` |
//! | `connection.dest_ip`, `connection.dest_port` | `dest_ip`, `dest_port` |
//! | `connection.protocol` (IANA number) | `transport` |
//! | `bytes_sent` (from `src` to `dest`) | `bytes_out` |
//! | `start_time` | `_time` |
//!
//! **Which end opened the connection.** A record samples the packets of one direction:
//! `src` is their sender. A request is written client first and the reply to it server
//! first (`10.87.40.76:5601 → 203.0.113.12:33478` is a Kibana server answering). The
//! record does not say which end opened the connection, so records are taken as
//! written: a client's SMB request appears as `client → server:445`, and the reply as a
//! record with an ephemeral `dest_port`, which is no SMB candidate.
//!
//! **Reporter.** `reporter` names the VM that sampled the packets: `SRC` its egress,
//! `DEST` its ingress. When both ends are VMs with flow logs on, the same packets are
//! reported twice, once by each end; both are records (counts double). That only happens
//! between two VMs, so never for an Internet destination.
//!
//! **Action and handshake.** Flow logs sample traffic that passed, so records are
//! `allowed`. `rtt_msec` is measured from a sent segment to its acknowledgement, so its
//! presence shows a reply: `established` is true; otherwise unknown.

use serde_json::Value;

use super::json::{self, get};
use super::{Ctx, Format, Skip};
use crate::record::{Record, transport_name};
use crate::time::parse_iso8601;

/// Whether the JSON document is a VPC flow log entry or payload.
pub fn is_json(v: &Value) -> bool {
    payload(v).is_some()
}

/// Reads one flow log entry.
pub fn from_json(v: &Value, ctx: &mut Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    let flow = payload(v).ok_or_else(|| Skip::missing("jsonPayload.connection"))?;
    let dest_ip = json::addr(flow, &["connection.dest_ip"])
        .ok_or_else(|| Skip::missing("connection.dest_ip"))?;

    let mut record = Record::new(Format::GcpVpcFlow.default_sourcetype());
    record.time = json::text(flow, &["start_time"]).and_then(|t| parse_iso8601(&t, ctx.offset));
    record.src_ip = json::addr(flow, &["connection.src_ip"]);
    record.src_port = json::port(flow, &["connection.src_port"]);
    record.dest_ip = Some(dest_ip);
    record.dest_port = json::port(flow, &["connection.dest_port"]).unwrap_or(0);
    record.transport =
        transport_name(&json::text(flow, &["connection.protocol"]).unwrap_or_default());
    record.bytes_out = json::count(flow, &["bytes_sent"]);
    "allowed".clone_into(&mut record.action);
    record.established = get(flow, "rtt_msec").map(|_| true);
    out.push(record);
    Ok(())
}

/// The flow object: the entry's `jsonPayload`, a Pub/Sub message's entry's, or the
/// document itself when it is a bare payload.
fn payload(v: &Value) -> Option<&Value> {
    let is_flow = |flow: &&Value| {
        get(flow, "connection.src_ip").is_some() || get(flow, "connection.dest_ip").is_some()
    };
    json::get_any(v, &["jsonPayload", "data.jsonPayload"])
        .filter(is_flow)
        .or_else(|| Some(v).filter(is_flow).filter(|v| is_bare_payload(v)))
}

/// Whether a document with a `connection` object is a bare flow log payload.
fn is_bare_payload(v: &Value) -> bool {
    ["reporter", "start_time", "bytes_sent"]
        .iter()
        .any(|key| v.get(key).is_some())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::SkipReason;
    use super::*;

    fn payload_json() -> Value {
        json!({"bytes_sent": "1776", "connection": {"dest_ip": "81.2.69.160",
            "dest_port": 445, "protocol": 6, "src_ip": "10.87.40.76", "src_port": 50112},
            "reporter": "SRC", "rtt_msec": "36",
            "start_time": "2019-06-14T03:45:37.186193305Z",
            "end_time": "2019-06-14T03:45:37.301953198Z"})
    }

    fn read(doc: &Value) -> Result<Record, Skip> {
        assert!(is_json(doc), "{doc}");
        let mut out = Vec::new();
        from_json(doc, &mut Ctx::new(2024, 0), &mut out)?;
        Ok(out.remove(0))
    }

    #[test]
    fn reads_every_wrapping() {
        let entry = json!({"jsonPayload": payload_json(), "logName": "x/vpc_flows"});
        let pubsub = json!({"data": {"jsonPayload": payload_json()}});
        for doc in [entry, pubsub, payload_json()] {
            let r = read(&doc).unwrap();
            assert_eq!(r.src_ip.unwrap().to_string(), "10.87.40.76");
            assert_eq!(r.src_port, Some(50112));
            assert_eq!(r.dest_ip.unwrap().to_string(), "81.2.69.160");
            assert_eq!(r.dest_port, 445);
            assert_eq!(r.transport, "tcp");
            assert_eq!(r.bytes_out, Some(1776));
            assert_eq!(r.bytes_in, None);
            assert_eq!(r.time, Some(1_560_483_937.186_193_3));
            assert_eq!(r.action, "allowed");
            assert_eq!(r.established, Some(true));
            assert_eq!(r.sourcetype, "google:gcp:pubsub:message");
        }
    }

    #[test]
    fn no_rtt_means_unknown_handshake() {
        let mut doc = payload_json();
        doc.as_object_mut().unwrap().remove("rtt_msec");
        assert_eq!(read(&doc).unwrap().established, None);
    }

    #[test]
    fn other_documents_are_not_taken() {
        assert!(!is_json(&json!({"connection": {"src_ip": "10.0.0.1"}})));
        assert!(!is_json(&json!({"jsonPayload": {"message": "hello"}})));
        let doc = json!({"jsonPayload": {"connection": {"src_ip": "10.0.0.1"}}});
        assert_eq!(read(&doc).unwrap_err().reason, SkipReason::MissingField);
    }
}
