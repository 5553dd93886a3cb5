//! Windows Security events 5156 and 5157: the Windows Filtering Platform permitted or
//! blocked a connection.
//!
//! The events are described on Microsoft's pages "5156(S): The Windows Filtering Platform
//! has permitted a connection" and "5157(F): … has blocked a connection"
//! (<https://learn.microsoft.com/previous-versions/windows/it-pro/windows-10/security/threat-protection/auditing/event-5156>).
//! They are read from XML (one `<Event>` a line) and from the JSON of NXLog, Winlogbeat
//! and EVTX exports ([`super::winevent`] hides the rendering).
//!
//! | event data | record |
//! | --- | --- |
//! | event id 5156 / 5157 | `action` `allowed` / `blocked` |
//! | `SourceAddress`, `SourcePort` | `src_ip`, `src_port` |
//! | `DestAddress`, `DestPort` | `dest_ip`, `dest_port` |
//! | `Protocol` (IANA number) | `transport` |
//! | `Direction`: `%%14593` or `Outbound` / `%%14592` or `Inbound` | `direction` |
//! | `TimeCreated/@SystemTime`; NXLog `EventTime` (local time, read at the input's offset); Winlogbeat `@timestamp` | `_time` |
//!
//! **Which end opened the connection.** Outbound events write the local initiator as
//! `Source*` everywhere. Inbound events are written both ways: Microsoft's page says
//! `Source Address` is the local address that received the connection, and Windows 7-era
//! systems write it so (`127.0.0.2:3389 → 127.0.0.1:49271` for an RDP connection the
//! host accepted), while current systems write the remote initiator first (a file
//! server logs `172.18.39.5:62782 → 172.18.39.6:445`, exactly as the client's outbound
//! event does). The event does not carry the local address, so the ports decide
//! ([`acceptor_first`]): when the source port is the lower one, the local end was written
//! first and the record is turned around.
//!
//! **Handshake.** The filtering platform decides when a connection is attempted, before
//! any handshake: `established` is unknown for 5156, and false for 5157 (the attempt
//! was stopped).
//!
//! Other events of the Security log (5158/5159 port binds, logons, …) give
//! `not_connection`. One connection between two audited hosts appears twice, as the
//! client's outbound event and the server's inbound one; both are records.

use serde_json::Value;

use super::winevent::{WinEvent, acceptor_first};
use super::xml::Event;
use super::{Ctx, Format, Skip};
use crate::addr::Addr;
use crate::record::{Direction, Record, parse_port, transport_name};

/// The provider of the Security log's audit events.
const PROVIDER: &str = "Microsoft-Windows-Security-Auditing";

/// Whether the JSON document is an event of the Security log (of any id).
pub fn is_json(v: &Value) -> bool {
    WinEvent::from_json(v).is_some_and(|event| is_security(&event))
}

/// Reads a Security event written as JSON.
pub fn from_json(v: &Value, ctx: &mut Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    let event = WinEvent::from_json(v).ok_or_else(|| Skip::malformed("not a Windows event"))?;
    read(&event, ctx, out)
}

/// Whether the XML event is an event of the Security log (of any id).
pub fn is_xml(event: &Event) -> bool {
    is_security(&WinEvent::Xml(event))
}

/// Reads a Security event written as XML.
pub fn from_xml(event: &Event, ctx: &mut Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    read(&WinEvent::Xml(event), ctx, out)
}

fn is_security(event: &WinEvent) -> bool {
    let provider = event.provider();
    let channel = event.channel();
    provider.is_some_and(|p| p.eq_ignore_ascii_case(PROVIDER))
        || channel.is_some_and(|c| c.eq_ignore_ascii_case("security"))
}

fn read(event: &WinEvent, ctx: &Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    let (action, established) = match event.event_id() {
        Some(5156) => ("allowed", None),
        Some(5157) => ("blocked", Some(false)),
        Some(id) => {
            return Err(Skip::not_connection(format!(
                "Security event {id} is not a connection (5156/5157)"
            )));
        }
        None => return Err(Skip::missing("EventID")),
    };
    let src_ip = event
        .data("SourceAddress")
        .ok_or_else(|| Skip::missing("SourceAddress"))?;
    let dest_ip = event
        .data("DestAddress")
        .ok_or_else(|| Skip::missing("DestAddress"))?;

    let mut record = Record::new(Format::WindowsSecurity.default_sourcetype());
    record.time = event.created(ctx);
    record.src_ip = Some(Addr::parse(&src_ip));
    record.src_port = event.data("SourcePort").and_then(|p| parse_port(&p));
    record.dest_ip = Some(Addr::parse(&dest_ip));
    record.dest_port = event
        .data("DestPort")
        .and_then(|p| parse_port(&p))
        .unwrap_or(0);
    record.transport = transport_name(&event.data("Protocol").unwrap_or_default());
    action.clone_into(&mut record.action);
    record.established = established;
    record.direction = event.data("Direction").and_then(|d| direction(&d));

    let inbound = record.direction == Some(Direction::Inbound);
    if inbound && acceptor_first(record.src_port, Some(record.dest_port)) {
        record.turn_around();
    }
    out.push(record);
    Ok(())
}

/// `Direction` as the raw message reference or its rendered text.
fn direction(text: &str) -> Option<Direction> {
    match text {
        "%%14592" => Some(Direction::Inbound),
        "%%14593" => Some(Direction::Outbound),
        _ if text.eq_ignore_ascii_case("inbound") => Some(Direction::Inbound),
        _ if text.eq_ignore_ascii_case("outbound") => Some(Direction::Outbound),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::SkipReason;
    use super::*;

    fn nxlog(id: u32, direction: &str, src: (&str, u16), dest: (&str, u16)) -> Value {
        json!({"EventID": id, "SourceName": PROVIDER, "Channel": "security",
            "Hostname": "WS6", "EventTime": "2020-09-22 14:53:30", "Direction": direction,
            "SourceAddress": src.0, "SourcePort": src.1.to_string(),
            "DestAddress": dest.0, "DestPort": dest.1.to_string(), "Protocol": "6"})
    }

    fn read_json(doc: &Value) -> Result<Record, Skip> {
        assert!(is_json(doc));
        let mut out = Vec::new();
        from_json(doc, &mut Ctx::new(2024, -4 * 3600), &mut out)?;
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
    fn src_is_the_initiator_in_every_direction_and_convention() {
        let client = ("172.18.39.5", 62782);
        let server = ("172.18.39.6", 445);
        let expected = (
            "172.18.39.5".to_owned(),
            Some(62782),
            "172.18.39.6".to_owned(),
            445,
        );
        let cases = [
            ("%%14593", client, server, Direction::Outbound),
            ("Outbound", client, server, Direction::Outbound),
            ("%%14592", client, server, Direction::Inbound),
            ("%%14592", server, client, Direction::Inbound),
            ("Inbound", server, client, Direction::Inbound),
        ];
        for (text, src, dest, direction) in cases {
            let record = read_json(&nxlog(5156, text, src, dest)).unwrap();
            assert_eq!(ends(&record), expected, "{text} {src:?}");
            assert_eq!(record.direction, Some(direction), "{text}");
        }
    }

    #[test]
    fn maps_action_transport_and_time() {
        let allowed = read_json(&nxlog(
            5156,
            "%%14593",
            ("10.0.0.5", 50000),
            ("81.2.69.160", 445),
        ));
        let allowed = allowed.unwrap();
        assert_eq!(allowed.action, "allowed");
        assert_eq!(allowed.established, None);
        assert_eq!(allowed.transport, "tcp");
        assert_eq!(allowed.time, Some(1_600_800_810.0));
        assert_eq!(allowed.sourcetype, "XmlWinEventLog:Security");
        let blocked = read_json(&nxlog(
            5157,
            "%%14593",
            ("10.0.0.5", 50000),
            ("81.2.69.160", 445),
        ));
        let blocked = blocked.unwrap();
        assert_eq!(blocked.action, "blocked");
        assert_eq!(blocked.established, Some(false));
    }

    #[test]
    fn reads_xml() {
        let text = "<Event><System><Provider Name='Microsoft-Windows-Security-Auditing'/>\
            <EventID>5156</EventID><TimeCreated SystemTime='2019-02-13 18:03:32.183609+00:00'/>\
            <Channel>Security</Channel></System><EventData>\
            <Data Name='Direction'>%%14593</Data><Data Name='SourceAddress'>10.0.2.17</Data>\
            <Data Name='SourcePort'>49270</Data><Data Name='DestAddress'>10.0.2.15</Data>\
            <Data Name='DestPort'>445</Data><Data Name='Protocol'>6</Data></EventData></Event>";
        let event = Event::parse(text).unwrap();
        assert!(is_xml(&event));
        let mut out = Vec::new();
        from_xml(&event, &mut Ctx::new(2024, 3600), &mut out).unwrap();
        assert_eq!(
            ends(&out[0]),
            ("10.0.2.17".into(), Some(49270), "10.0.2.15".into(), 445)
        );
        assert_eq!(out[0].time, Some(1_550_081_012.183609));
    }

    #[test]
    fn binds_and_other_events_are_not_connections() {
        for id in [5158, 5159, 4624] {
            let skip = read_json(&nxlog(id, "", ("0.0.0.0", 55355), ("", 0))).unwrap_err();
            assert_eq!(skip.reason, SkipReason::NotConnection, "{id}");
        }
        let mut doc = nxlog(5156, "%%14593", ("10.0.0.5", 50000), ("", 0));
        doc["DestAddress"] = json!("");
        assert_eq!(
            read_json(&doc).unwrap_err().reason,
            SkipReason::MissingField
        );
    }
}
