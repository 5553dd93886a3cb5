//! Azure network security group (NSG) flow logs, versions 1 and 2, as JSON.
//!
//! The format is specified in Microsoft's "Flow logging for network security groups"
//! (<https://learn.microsoft.com/azure/network-watcher/nsg-flow-logs-overview>, "Log
//! format"). A blob holds `{"records": [...]}`; a single record, or an array of records,
//! is read too. Each record holds `properties.flows[]` (one per rule), each of those
//! `flows[]` (one per MAC address), each of those `flowTuples[]`: comma-separated text.
//! Every tuple gives one record, so a document gives as many records as it has tuples.
//!
//! | tuple field (position) | record |
//! | --- | --- |
//! | time stamp, epoch seconds (0) | `_time` |
//! | source IP, destination IP (1, 2) | `src_ip`, `dest_ip` |
//! | source port, destination port (3, 4) | `src_port`, `dest_port` |
//! | protocol `T`/`U` (5) | `transport` `tcp`/`udp` |
//! | traffic flow `I`/`O` (6) | `direction` `inbound`/`outbound` |
//! | decision `A`/`D` (7) | `action` `allowed`/`blocked` |
//! | version 2: bytes source to destination, destination to source (10, 12) | `bytes_out`, `bytes_in` |
//!
//! **Which end opened the connection.** NSG rules are stateful: a flow is created by
//! its first packet and keeps that orientation, and version 2 counts bytes "from
//! source to destination" and back on the same tuple. So the tuple's source is the
//! initiator whether the flow is inbound or outbound, and tuples are taken as written.
//!
//! **Flow state** (version 2, position 8): `B` when the flow begins (no counts), `C`
//! while it continues (counts every five minutes), `E` when it ends. One connection may
//! thus give several tuples, each a record. Packets from destination to source
//! (position 11) above zero show a reply: `established` is true. A denied flow never
//! completes a handshake: `established` is false. Otherwise it is unknown.

use serde_json::Value;

use super::json::get;
use super::{Ctx, Format, Skip};
use crate::addr::Addr;
use crate::record::{Direction, Record, parse_port};

/// Whether the JSON document is an NSG flow log blob or record.
pub fn is_json(v: &Value) -> bool {
    match v.get("records") {
        Some(Value::Array(records)) => records.first().is_some_and(is_record),
        _ => is_record(v),
    }
}

/// Reads a blob or a record, one record per flow tuple.
pub fn from_json(v: &Value, _ctx: &mut Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    let records = match v.get("records") {
        Some(Value::Array(records)) => records.as_slice(),
        _ => std::slice::from_ref(v),
    };
    let before = out.len();
    let mut first_error = None;
    for tuple in records.iter().flat_map(tuples) {
        match parse_tuple(tuple) {
            Ok(record) => out.push(record),
            Err(skip) => {
                first_error.get_or_insert(skip);
            }
        }
    }
    match first_error {
        Some(skip) if out.len() == before => Err(skip),
        _ if out.len() == before => Err(Skip::not_connection("no flow tuples")),
        _ => Ok(()),
    }
}

fn is_record(v: &Value) -> bool {
    get(v, "properties.flows").is_some_and(Value::is_array)
}

/// Every flow tuple string of a record.
fn tuples(record: &Value) -> impl Iterator<Item = &str> {
    let rules = get(record, "properties").map_or(&[][..], |p| list(p, "flows"));
    rules
        .iter()
        .flat_map(move |rule| list(rule, "flows"))
        .flat_map(move |group| list(group, "flowTuples"))
        .filter_map(Value::as_str)
}

/// The array under a key, or nothing.
fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Reads one flow tuple.
///
/// ```
/// use smb_egress::formats::azure_nsg_flow::parse_tuple;
///
/// let record = parse_tuple("1542110379,10.0.0.4,81.2.69.160,59932,445,T,O,A,E,5,600,4,300")
///     .unwrap();
/// assert_eq!(record.dest_port, 445);
/// assert_eq!(record.bytes_out, Some(600));
/// assert_eq!(record.established, Some(true));
/// ```
pub fn parse_tuple(tuple: &str) -> Result<Record, Skip> {
    let mut fields = [""; 13];
    let mut count = 0;
    for (slot, part) in fields.iter_mut().zip(tuple.split(',')) {
        *slot = part.trim();
        count += 1;
    }
    if count < 8 {
        return Err(Skip::malformed(format!(
            "flow tuple of {count} fields, expected 8 or more"
        )));
    }
    let field = |i: usize| fields.get(i).copied().filter(|f| !f.is_empty());

    let mut record = Record::new(Format::AzureNsgFlow.default_sourcetype());
    record.time = field(0).and_then(crate::time::parse_epoch);
    record.src_ip = field(1).map(Addr::parse);
    record.dest_ip = Some(Addr::parse(
        field(2).ok_or_else(|| Skip::missing("destination IP"))?,
    ));
    record.src_port = field(3).and_then(parse_port);
    record.dest_port = field(4).and_then(parse_port).unwrap_or(0);
    record.transport = match field(5) {
        Some("T") => "tcp".to_owned(),
        Some("U") => "udp".to_owned(),
        other => crate::record::transport_name(other.unwrap_or_default()),
    };
    record.direction = match field(6) {
        Some("I") => Some(Direction::Inbound),
        Some("O") => Some(Direction::Outbound),
        _ => None,
    };
    let denied = field(7) == Some("D");
    record.action = match field(7) {
        Some("A") => "allowed",
        Some("D") => "blocked",
        _ => "unknown",
    }
    .to_owned();
    record.bytes_out = field(10).and_then(|b| b.parse().ok());
    record.bytes_in = field(12).and_then(|b| b.parse().ok());
    let replies = field(11).and_then(|p| p.parse::<u64>().ok());
    record.established = if denied {
        Some(false)
    } else {
        replies.filter(|n| *n > 0).map(|_| true)
    };
    Ok(record)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::SkipReason;
    use super::*;

    fn read(doc: &Value) -> Result<Vec<Record>, Skip> {
        assert!(is_json(doc), "{doc}");
        let mut out = Vec::new();
        from_json(doc, &mut Ctx::new(2024, 0), &mut out)?;
        Ok(out)
    }

    fn record(tuples: &[&str]) -> Value {
        json!({"time": "2018-11-13T12:00:35.3899262Z",
            "category": "NetworkSecurityGroupFlowEvent",
            "properties": {"Version": 2, "flows": [{"rule": "R",
                "flows": [{"mac": "000D3AF87856", "flowTuples": tuples}]}]}})
    }

    #[test]
    fn maps_tuple_fields() {
        let cases = [
            (
                "1542110379,10.0.0.4,81.2.69.160,59932,445,T,O,A,E,5,600,4,300",
                ("tcp", Some(Direction::Outbound), "allowed", Some(true)),
                (Some(600), Some(300)),
            ),
            (
                "1542110379,81.2.69.160,10.0.0.4,59932,445,T,I,D,B,,,,",
                ("tcp", Some(Direction::Inbound), "blocked", Some(false)),
                (None, None),
            ),
            (
                "1542110379,10.0.0.4,81.2.69.160,59932,53,U,O,A",
                ("udp", Some(Direction::Outbound), "allowed", None),
                (None, None),
            ),
            (
                "1542110379,10.0.0.4,81.2.69.160,59932,445,T,O,A,C,1,60,0,0",
                ("tcp", Some(Direction::Outbound), "allowed", None),
                (Some(60), Some(0)),
            ),
        ];
        for (tuple, (transport, direction, action, established), bytes) in cases {
            let r = parse_tuple(tuple).unwrap();
            assert_eq!(r.time, Some(1_542_110_379.0), "{tuple}");
            assert_eq!(r.src_port, Some(59932), "{tuple}");
            assert_eq!(r.transport, transport, "{tuple}");
            assert_eq!(r.direction, direction, "{tuple}");
            assert_eq!(r.action, action, "{tuple}");
            assert_eq!(r.established, established, "{tuple}");
            assert_eq!((r.bytes_out, r.bytes_in), bytes, "{tuple}");
            assert_eq!(r.sourcetype, "mscs:nsg:flow");
        }
    }

    #[test]
    fn every_tuple_of_every_record_is_a_record() {
        let one = record(&[
            "1,10.0.0.4,81.2.69.160,1,445,T,O,A",
            "2,10.0.0.4,81.2.69.160,2,445,T,O,A",
        ]);
        let blob =
            json!({"records": [one.clone(), record(&["3,10.0.0.4,81.2.69.160,3,445,T,O,D"])]});
        assert_eq!(read(&one).unwrap().len(), 2);
        let records = read(&blob).unwrap();
        let times: Vec<_> = records.iter().map(|r| r.time.unwrap()).collect();
        assert_eq!(times, [1.0, 2.0, 3.0]);
    }

    #[test]
    fn bad_and_empty_tuples_are_skipped() {
        let skip = read(&record(&["1542110379,10.0.0.4"])).unwrap_err();
        assert_eq!(skip.reason, SkipReason::Malformed);
        let skip = read(&record(&[])).unwrap_err();
        assert_eq!(skip.reason, SkipReason::NotConnection);
        let mixed = read(&record(&["bad", "1,10.0.0.4,81.2.69.160,1,445,T,O,A"])).unwrap();
        assert_eq!(mixed.len(), 1);
        assert!(!is_json(&json!({"records": [{"properties": {}}]})));
    }
}
