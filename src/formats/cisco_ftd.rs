//! Cisco Secure Firewall Threat Defense (FTD) syslog connection events.
//!
//! Specified by Cisco's *Cisco Secure Firewall Threat Defense Syslog Messages* guide
//! (<https://www.cisco.com/c/en/us/td/docs/security/firepower/Syslogs/b_fptd_syslog_guide.html>),
//! "Security Event Syslog Messages": `%FTD-1-430002` is logged at the start of a
//! connection and `%FTD-1-430003` at its end, each a list of `Key: Value` pairs
//! separated by `, `:
//!
//! ```text
//! 2019-08-15T16:07:18Z firepower  %FTD-1-430002: AccessControlRuleAction: Allow,
//!   SrcIP: 10.0.1.20, DstIP: 81.2.69.144, SrcPort: 43228, DstPort: 80, Protocol: tcp, ...
//! ```
//!
//! Fields read: `SrcIP`/`InitiatorIP` → `src_ip`, `DstIP`/`ResponderIP` → `dest_ip`,
//! `SrcPort`/`InitiatorPort`, `DstPort`/`ResponderPort` (absent for ICMP, so
//! `dest_port` 0), `Protocol` → `transport`, `ApplicationProtocol` → `app`,
//! `InitiatorBytes` → `bytes_out`, `ResponderBytes` → `bytes_in`. The event names the
//! initiator, so no turning around is needed. `established` is true when
//! `ResponderPackets` is above 0 (the responder answered), else absent.
//!
//! `AccessControlRuleAction` gives the action ([`fmc_action`]): `Allow`, `Trust` and
//! `Fastpath` are `allowed`; `Block`, `Block with reset` and the interactive blocks are
//! `blocked`; `Monitor`, `Default Action` and an empty value are `unknown`. A 430003
//! end event keeps the rule's verdict rather than `teardown`, since the verdict is what
//! the event reports about the connection.
//!
//! `_time` is `FirstPacketSecond` when present; else, for a 430003 event, the header
//! time less `ConnectionDuration`; else the header time. The corpus has three header
//! styles (ISO 8601 with host, BSD date with year and host, ISO 8601 without host); all
//! go through [`super::syslog`].
//!
//! FTD also writes ASA-style messages (`%FTD-6-302013: Built outbound TCP ...`); those
//! are read by the ASA rules ([`super::cisco_asa`]) with the FTD sourcetype. Other ids
//! (intrusion 430001, file events 430004/430005, system messages) are `not_connection`.

use super::cisco_asa::{self, Message};
use super::{Ctx, Needle, Skip};
use crate::addr::Addr;
use crate::record::{Record, parse_port, transport_name};
use crate::time::parse_iso8601;

const SOURCETYPE: &str = "cisco:ftd:syslog";

/// Whether the line holds an `%FTD-` message tag.
pub fn is_line(line: &str) -> bool {
    static TAG: Needle = Needle::new(b"%FTD-");
    TAG.is_in(line.as_bytes())
}

/// Parses one FTD syslog line.
pub fn parse_line(line: &str, ctx: &mut Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    let message = Message::find(line, "%FTD-", ctx)?;
    let record = match message.id {
        "430002" | "430003" => connection_event(&message, ctx)?,
        _ => cisco_asa::parse_message(&message, SOURCETYPE)?,
    };
    out.push(record);
    Ok(())
}

/// Maps a Firepower access control rule action to a CIM action.
///
/// ```
/// use smb_egress::formats::cisco_ftd::fmc_action;
///
/// assert_eq!(fmc_action("Block with reset"), "blocked");
/// assert_eq!(fmc_action("Trust"), "allowed");
/// assert_eq!(fmc_action("Monitor"), "unknown");
/// ```
pub fn fmc_action(verb: &str) -> &'static str {
    const ALLOWED: [&str; 3] = ["allow", "trust", "fastpath"];
    const BLOCKED: [&str; 4] = [
        "block",
        "block with reset",
        "interactive block",
        "interactive block with reset",
    ];
    let verb = verb.trim();
    let is = |list: &[&str]| list.iter().any(|v| v.eq_ignore_ascii_case(verb));
    if is(&ALLOWED) {
        "allowed"
    } else if is(&BLOCKED) {
        "blocked"
    } else {
        "unknown"
    }
}

/// The fields of a 430002/430003 event that the record needs.
#[derive(Debug, Default)]
struct Fields<'a> {
    action: Option<&'a str>,
    src: Option<&'a str>,
    dest: Option<&'a str>,
    src_port: Option<&'a str>,
    dest_port: Option<&'a str>,
    protocol: Option<&'a str>,
    app: Option<&'a str>,
    initiator_bytes: Option<&'a str>,
    responder_bytes: Option<&'a str>,
    responder_packets: Option<&'a str>,
    duration: Option<&'a str>,
    first_packet: Option<&'a str>,
}

impl<'a> Fields<'a> {
    fn read(body: &'a str) -> Fields<'a> {
        let mut f = Fields::default();
        for (key, value) in body.split(", ").filter_map(|p| p.split_once(": ")) {
            let value = Some(value.trim());
            match key.trim() {
                "AccessControlRuleAction" => f.action = value,
                "SrcIP" | "InitiatorIP" => f.src = value,
                "DstIP" | "ResponderIP" => f.dest = value,
                "SrcPort" | "InitiatorPort" => f.src_port = value,
                "DstPort" | "ResponderPort" => f.dest_port = value,
                "Protocol" => f.protocol = value,
                "ApplicationProtocol" => f.app = value,
                "InitiatorBytes" => f.initiator_bytes = value,
                "ResponderBytes" => f.responder_bytes = value,
                "ResponderPackets" => f.responder_packets = value,
                "ConnectionDuration" => f.duration = value,
                "FirstPacketSecond" => f.first_packet = value,
                _ => {}
            }
        }
        f
    }
}

fn connection_event(m: &Message, ctx: &Ctx) -> Result<Record, Skip> {
    let f = Fields::read(m.body);
    let mut record = Record::new(SOURCETYPE);
    record.src_ip = Some(Addr::parse(f.src.ok_or_else(|| Skip::missing("SrcIP"))?));
    record.dest_ip = Some(Addr::parse(f.dest.ok_or_else(|| Skip::missing("DstIP"))?));
    record.src_port = f.src_port.and_then(parse_port);
    record.dest_port = f.dest_port.and_then(parse_port).unwrap_or(0);
    record.transport = transport_name(f.protocol.unwrap_or(""));
    record.app = f.app.filter(|a| !a.is_empty()).map(str::to_owned);
    record.action = fmc_action(f.action.unwrap_or("")).to_owned();
    record.bytes_out = f.initiator_bytes.and_then(|b| b.parse().ok());
    record.bytes_in = f.responder_bytes.and_then(|b| b.parse().ok());
    let replied = f.responder_packets.and_then(|p| p.parse::<u64>().ok());
    record.established = replied.filter(|p| *p > 0).map(|_| true);
    record.time = start_time(m, &f, ctx);
    Ok(record)
}

fn start_time(m: &Message, f: &Fields, ctx: &Ctx) -> Option<f64> {
    if let Some(first) = f.first_packet.and_then(|t| parse_iso8601(t, ctx.offset)) {
        return Some(first);
    }
    let duration = match m.id {
        "430003" => f.duration.and_then(|d| d.parse::<f64>().ok()),
        _ => None,
    };
    m.time.map(|t| t - duration.unwrap_or(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::SkipReason;

    fn parse(line: &str) -> Result<Record, Skip> {
        let mut ctx = Ctx::new(2024, 0);
        let mut out = Vec::new();
        parse_line(line, &mut ctx, &mut out)?;
        Ok(out.remove(0))
    }

    #[test]
    fn reads_connection_events() {
        let r = parse("2019-08-15T16:07:19Z firepower  %FTD-1-430003: AccessControlRuleAction: Allow, SrcIP: 10.0.1.20, DstIP: 81.2.69.144, SrcPort: 43228, DstPort: 80, Protocol: tcp, User: No Authentication Required, ApplicationProtocol: HTTP, ConnectionDuration: 1, InitiatorPackets: 1359, ResponderPackets: 29001, InitiatorBytes: 97454, ResponderBytes: 41319018, URL: http://x/a, b").unwrap();
        assert_eq!(r.src_ip.unwrap().to_string(), "10.0.1.20");
        assert_eq!(r.src_port, Some(43228));
        assert_eq!(r.dest_ip.unwrap().to_string(), "81.2.69.144");
        assert_eq!(r.dest_port, 80);
        assert_eq!(r.transport, "tcp");
        assert_eq!(r.app.as_deref(), Some("HTTP"));
        assert_eq!(r.action, "allowed");
        assert_eq!((r.bytes_out, r.bytes_in), (Some(97454), Some(41_319_018)));
        assert_eq!(r.established, Some(true));
        assert_eq!(r.time, Some(1_565_885_239.0 - 1.0));
        assert_eq!(r.sourcetype, "cisco:ftd:syslog");
    }

    #[test]
    fn maps_actions_and_times() {
        let cases = [
            (
                "AccessControlRuleAction: Block with reset, ResponderPackets: 0",
                "blocked",
                None,
            ),
            ("AccessControlRuleAction: Trust", "allowed", None),
            (
                "AccessControlRuleAction: Monitor, ResponderPackets: 3",
                "unknown",
                Some(true),
            ),
            ("InitiatorPackets: 1", "unknown", None),
        ];
        for (fields, action, established) in cases {
            let line = format!("%FTD-1-430002: {fields}, SrcIP: 10.0.0.1, DstIP: 10.0.0.2");
            let r = parse(&line).unwrap();
            assert_eq!(r.action, action, "{line}");
            assert_eq!(r.established, established, "{line}");
            assert_eq!(r.time, None);
        }
        let first = "2023-03-27T08:41:37Z   %FTD-1-430003: FirstPacketSecond: 2023-03-27T08:41:07Z, SrcIP: 10.0.1.20, DstIP: 10.0.100.30, ConnectionDuration: 30";
        assert_eq!(parse(first).unwrap().time, Some(1_679_906_467.0));
    }

    #[test]
    fn reads_asa_style_messages_with_the_ftd_sourcetype() {
        let r = parse("%FTD-6-302013: Built outbound TCP connection 9 for outside:81.2.69.160/445 (81.2.69.160/445) to inside:10.1.1.2/53496 (1.2.3.4/1)").unwrap();
        assert_eq!(r.src_ip.unwrap().to_string(), "10.1.1.2");
        assert_eq!(r.dest_port, 445);
        assert_eq!(r.sourcetype, "cisco:ftd:syslog");
    }

    #[test]
    fn skips_other_events_and_incomplete_ones() {
        let cases = [
            ("%FTD-1-430001: Intrusion event", SkipReason::NotConnection),
            ("%FTD-1-430002: SrcIP: 10.0.0.1", SkipReason::MissingField),
            ("%FTD-1-43000: x", SkipReason::Malformed),
        ];
        for (line, reason) in cases {
            assert_eq!(parse(line).unwrap_err().reason, reason, "{line}");
        }
    }
}
