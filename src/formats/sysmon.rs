//! Sysmon event 3, "Network connection detected", as XML or JSON.
//!
//! The event is described in Microsoft's Sysmon documentation
//! (<https://learn.microsoft.com/sysinternals/downloads/sysmon>, "Event ID 3: Network
//! connection") and its manifest: `UtcTime`, `Image`, `Protocol`, `Initiated`,
//! `SourceIp`, `SourceHostname`, `SourcePort`, `DestinationIp`, `DestinationHostname`,
//! `DestinationPort`, and so on. It is read from XML (one `<Event>` a line) and from the
//! JSON of NXLog, Winlogbeat and EVTX exports ([`super::winevent`] hides the rendering).
//!
//! | Sysmon | record |
//! | --- | --- |
//! | `SourceIp`, `SourcePort` | `src_ip`, `src_port` |
//! | `DestinationIp`, `DestinationPort` | `dest_ip`, `dest_port` |
//! | `DestinationHostname` (unless `-`) | `dest` |
//! | `Protocol` | `transport` |
//! | `UtcTime` (UTC), else the event's creation time | `_time` |
//! | `Initiated`: `true` / `false` | `direction`: `outbound` / `inbound` |
//!
//! Winlogbeat's Sysmon module moves these values to ECS fields (`source.ip`,
//! `destination.port`, `network.transport`, `network.direction` `egress`/`ingress`, …);
//! those are read when the event data lacks a value.
//!
//! **Which end opened the connection.** The schema describes `Source*` as the end that
//! made the connection, and `Initiated` as whether the logging process made it. Current
//! Sysmon writes accepted connections (`Initiated=false`) that way: `Source*` is the
//! remote client, `Destination*` the local listener. Releases before about 2020 wrote
//! the local end first instead (a domain controller logs `SourceIp` = itself,
//! `SourcePort` = 445). So for `Initiated=false` the parser works out which end is the
//! local one: the end whose host name is the event's `Computer` (first labels
//! compared), else the end with the lower port ([`acceptor_first`]). When the local end
//! is written first, the record is turned around.
//!
//! **Action and handshake.** Sysmon watches connections and filters none: records are
//! `allowed`. An accepted TCP connection has completed its handshake, so `established`
//! is true for `Initiated=false`; for an initiated one the event cannot tell.
//!
//! Events of other ids give `not_connection`.

use std::borrow::Cow;

use serde_json::Value;

use super::json;
use super::winevent::{WinEvent, acceptor_first};
use super::xml::Event;
use super::{Ctx, Format, Skip};
use crate::addr::Addr;
use crate::record::{Direction, Record, parse_port, transport_name};
use crate::time::parse_iso8601;

/// Whether the JSON document is a Sysmon event (of any id).
pub fn is_json(v: &Value) -> bool {
    WinEvent::from_json(v).is_some_and(|event| event.is_from("sysmon"))
}

/// Reads a Sysmon event written as JSON.
pub fn from_json(v: &Value, ctx: &mut Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    let event = WinEvent::from_json(v).ok_or_else(|| Skip::malformed("not a Windows event"))?;
    read(&event, ctx, out)
}

/// Whether the XML event is a Sysmon event (of any id).
pub fn is_xml(event: &Event) -> bool {
    WinEvent::Xml(event).is_from("sysmon")
}

/// Reads a Sysmon event written as XML.
pub fn from_xml(event: &Event, ctx: &mut Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    read(&WinEvent::Xml(event), ctx, out)
}

fn read(event: &WinEvent, ctx: &Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    match event.event_id() {
        Some(3) => {}
        Some(id) => {
            return Err(Skip::not_connection(format!(
                "Sysmon event {id} is not a network connection"
            )));
        }
        None => return Err(Skip::missing("EventID")),
    }
    let src_ip = value(event, "SourceIp", "source.ip").ok_or_else(|| Skip::missing("SourceIp"))?;
    let dest_ip = value(event, "DestinationIp", "destination.ip")
        .ok_or_else(|| Skip::missing("DestinationIp"))?;

    let mut record = Record::new(Format::Sysmon.default_sourcetype());
    record.time = value(event, "UtcTime", "")
        .and_then(|t| parse_iso8601(&t, 0))
        .or_else(|| event.created(ctx));
    record.src_ip = Some(Addr::parse(&src_ip));
    record.src_port = value(event, "SourcePort", "source.port").and_then(|p| parse_port(&p));
    record.dest_ip = Some(Addr::parse(&dest_ip));
    record.dest_port = value(event, "DestinationPort", "destination.port")
        .and_then(|p| parse_port(&p))
        .unwrap_or(0);
    record.transport =
        transport_name(&value(event, "Protocol", "network.transport").unwrap_or_default());
    record.action = "allowed".to_owned();
    record.dest = host_name(event, "DestinationHostname", "destination.domain");

    match initiated(event) {
        Some(true) => record.direction = Some(Direction::Outbound),
        Some(false) => accepted(event, &mut record),
        None => {}
    }
    out.push(record);
    Ok(())
}

/// Sets up a record of an accepted connection so that `src` is the remote client.
fn accepted(event: &WinEvent, record: &mut Record) {
    record.direction = Some(Direction::Inbound);
    if record.transport == "tcp" {
        record.established = Some(true);
    }
    if local_end_first(event, record) {
        record.turn_around();
        record.dest = host_name(event, "SourceHostname", "source.domain");
    }
}

/// Whether an accepted connection's event writes the local end as `Source*`.
fn local_end_first(event: &WinEvent, record: &Record) -> bool {
    let computer = event.computer();
    let is_local = |name, ecs| {
        let host = host_name(event, name, ecs);
        same_host(host.as_deref(), computer.as_deref())
    };
    match (
        is_local("SourceHostname", "source.domain"),
        is_local("DestinationHostname", "destination.domain"),
    ) {
        (true, false) => true,
        (false, true) => false,
        _ => acceptor_first(record.src_port, Some(record.dest_port)),
    }
}

/// Whether two host names name the same machine, by their first labels.
fn same_host(name: Option<&str>, computer: Option<&str>) -> bool {
    let first_label = |name: &str| name.split('.').next().unwrap_or_default().to_owned();
    match (name, computer) {
        (Some(name), Some(computer)) => {
            let label = first_label(name);
            !label.is_empty() && label.eq_ignore_ascii_case(&first_label(computer))
        }
        _ => false,
    }
}

/// `Initiated`, or Winlogbeat's `network.direction` made from it.
fn initiated(event: &WinEvent) -> Option<bool> {
    let text = value(event, "Initiated", "network.direction")?;
    match text.to_ascii_lowercase().as_str() {
        "true" | "egress" | "outbound" => Some(true),
        "false" | "ingress" | "inbound" => Some(false),
        _ => None,
    }
}

/// A host name field, unless Sysmon wrote `-` for none.
fn host_name(event: &WinEvent, name: &str, ecs: &str) -> Option<String> {
    value(event, name, ecs)
        .filter(|h| h != "-")
        .map(Cow::into_owned)
}

/// An event data value, or the ECS field Winlogbeat moved it to.
fn value<'a>(event: &WinEvent<'a>, name: &str, ecs: &str) -> Option<Cow<'a, str>> {
    event.data(name).or_else(|| {
        let doc = event.json().filter(|_| !ecs.is_empty())?;
        json::text(doc, &[ecs])
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn xml(initiated: &str, src: (&str, &str, u16), dest: (&str, &str, u16)) -> String {
        format!(
            "<Event><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>3</EventID>\
             <TimeCreated SystemTime='2019-05-14 17:42:53.854380+00:00'/>\
             <Computer>DC1.corp.local</Computer></System><EventData>\
             <Data Name='UtcTime'>2019-05-14 17:42:52.819</Data>\
             <Data Name='Protocol'>tcp</Data><Data Name='Initiated'>{initiated}</Data>\
             <Data Name='SourceIp'>{}</Data><Data Name='SourceHostname'>{}</Data>\
             <Data Name='SourcePort'>{}</Data><Data Name='DestinationIp'>{}</Data>\
             <Data Name='DestinationHostname'>{}</Data>\
             <Data Name='DestinationPort'>{}</Data></EventData></Event>",
            src.0, src.1, src.2, dest.0, dest.1, dest.2
        )
    }

    fn read_xml(text: &str) -> Result<Record, Skip> {
        let event = Event::parse(text).unwrap();
        assert!(is_xml(&event));
        let mut out = Vec::new();
        from_xml(&event, &mut Ctx::new(2024, 0), &mut out)?;
        assert_eq!(out.len(), 1);
        Ok(out.remove(0))
    }

    fn ends(record: &Record) -> (String, Option<u16>, String, u16) {
        let addr = |a: &Option<Addr>| a.as_ref().map(ToString::to_string).unwrap_or_default();
        (
            addr(&record.src_ip),
            record.src_port,
            addr(&record.dest_ip),
            record.dest_port,
        )
    }

    #[test]
    fn src_is_always_the_end_that_opened_the_connection() {
        let client = ("10.59.4.20", "ALICE", 49304);
        let server = ("10.59.4.11", "DC1.corp.local", 445);
        let expected = (
            "10.59.4.20".to_owned(),
            Some(49304),
            "10.59.4.11".to_owned(),
            445,
        );
        let cases = [
            (
                "outbound, as written",
                "True",
                client,
                server,
                Some(Direction::Outbound),
            ),
            (
                "accepted, client first",
                "False",
                client,
                server,
                Some(Direction::Inbound),
            ),
            (
                "accepted, local end first",
                "False",
                server,
                client,
                Some(Direction::Inbound),
            ),
            (
                "accepted, local first, no names",
                "False",
                ("10.59.4.11", "-", 445),
                ("10.59.4.20", "-", 49304),
                Some(Direction::Inbound),
            ),
        ];
        for (label, initiated, src, dest, direction) in cases {
            let record = read_xml(&xml(initiated, src, dest)).unwrap();
            assert_eq!(ends(&record), expected, "{label}");
            assert_eq!(record.direction, direction, "{label}");
        }
    }

    #[test]
    fn the_host_name_beats_the_ports() {
        let local = ("10.0.0.9", "dc1", 50115);
        let remote = ("10.0.0.5", "ws5.corp.local", 49700);
        let record = read_xml(&xml("false", local, remote)).unwrap();
        assert_eq!(ends(&record).0, "10.0.0.5");
        assert_eq!(record.dest.as_deref(), Some("dc1"));
    }

    #[test]
    fn maps_fields() {
        let record = read_xml(&xml(
            "true",
            ("10.0.2.15", "IEWIN7", 49167),
            ("45.76.12.27", "45-76-12-27.example.net", 443),
        ))
        .unwrap();
        assert_eq!(record.time, Some(1_557_855_772.819));
        assert_eq!(record.transport, "tcp");
        assert_eq!(record.action, "allowed");
        assert_eq!(record.established, None);
        assert_eq!(record.dest.as_deref(), Some("45-76-12-27.example.net"));
        assert_eq!(record.sourcetype, Format::Sysmon.default_sourcetype());
        let accepted = read_xml(&xml(
            "False",
            ("10.0.2.15", "-", 57238),
            ("10.0.2.18", "-", 445),
        ));
        assert_eq!(accepted.unwrap().established, Some(true));
    }

    #[test]
    fn reads_winlogbeat_ecs_fields() {
        let doc = json!({"@timestamp": "2024-02-27T10:00:00.000Z",
            "winlog": {"event_id": 3, "provider_name": "Microsoft-Windows-Sysmon",
                "event_data": {"UtcTime": "2024-02-27 10:00:00.250"}},
            "source": {"ip": "10.0.0.5", "port": 50000},
            "destination": {"ip": "81.2.69.160", "port": 445},
            "network": {"transport": "tcp", "direction": "egress"}});
        assert!(is_json(&doc));
        let mut out = Vec::new();
        from_json(&doc, &mut Ctx::new(2024, 0), &mut out).unwrap();
        let record = &out[0];
        assert_eq!(
            ends(record),
            ("10.0.0.5".into(), Some(50000), "81.2.69.160".into(), 445)
        );
        assert_eq!(record.time, Some(1_709_028_000.25));
        assert_eq!(record.direction, Some(Direction::Outbound));
    }

    #[test]
    fn other_events_and_gaps_are_skipped() {
        let other = "<Event><System><Provider Name='Microsoft-Windows-Sysmon'/>\
                     <EventID>22</EventID></System></Event>";
        let skip = read_xml(other).unwrap_err();
        assert_eq!(skip.reason, super::super::SkipReason::NotConnection);
        let no_dest = "<Event><System><Provider Name='Microsoft-Windows-Sysmon'/>\
                       <EventID>3</EventID></System><EventData>\
                       <Data Name='SourceIp'>10.0.0.1</Data></EventData></Event>";
        let skip = read_xml(no_dest).unwrap_err();
        assert_eq!(skip.reason, super::super::SkipReason::MissingField);
        assert!(!is_json(
            &json!({"EventID": 5156, "SourceName": "Microsoft-Windows-Security-Auditing"})
        ));
    }
}
