//! Cisco ASA syslog connection messages (`%ASA-6-302013: Built outbound TCP ...`).
//!
//! Specified by Cisco's *Cisco Secure Firewall ASA Series Syslog Messages* guide
//! (<https://www.cisco.com/c/en/us/td/docs/security/asa/syslog/b_syslog.html>), one
//! entry per message id. The line may carry any syslog header before the `%ASA-`
//! tag ([`super::syslog`]): BSD dates with or without a year, a trailing `:` or zone
//! abbreviation (`Apr 15 2014 09:34:34 EDT:`), ISO 8601, a host name or none. The tag
//! may hold a class (`%ASA-session-5-106100`). `_time` is the header's time.
//!
//! Messages read, and how each maps:
//!
//! | id | text | src → dest | action |
//! | --- | --- | --- | --- |
//! | 302013, 302015 | `Built {inbound\|outbound} TCP\|UDP connection id for IF:A/p (mapped) to IF:B/p (mapped)` | inbound: A → B; outbound: B → A | `allowed` |
//! | 302014, 302016 | `Teardown TCP\|UDP connection id for IF:A/p to IF:B/p duration h:mm:ss bytes n [reason]` | see below | `teardown` |
//! | 106001 | `Inbound TCP connection denied from A/p to B/p flags ... on interface IF` | A → B, inbound | `blocked` |
//! | 106006 | `Deny inbound UDP from A/p to B/p on interface IF` | A → B, inbound | `blocked` |
//! | 106015 | `Deny TCP (no connection) from A/p to B/p flags ... on interface IF` | A → B | `blocked` |
//! | 106023 | `Deny proto src IF:A/p dst IF:B/p ... by access-group "acl"` | A → B | `blocked` |
//! | 106100 | `access-list acl {permitted\|denied\|est-allowed} proto IF/A(p) -> IF/B(p) hit-cnt ...` | A → B | permitted, est-allowed: `allowed`; denied: `blocked` |
//! | 710003 | `{TCP\|UDP} access denied by ACL from A/p to IF:B/port` (traffic to the ASA itself) | A → B, inbound | `blocked` |
//!
//! Every other message id is skipped as `not_connection`.
//!
//! **Which side initiated.** In 302013-302016 the ASA always writes the side on the
//! lower-security interface first and the higher-security side second, whatever the
//! direction. Cisco's entry for 302013: "If inbound is specified, the original control
//! connection was initiated from the outside ... If outbound is specified, the original
//! control connection was initiated from the inside." So `Built outbound ... for
//! outside:A/p to inside:B/p` means B opened the connection to A, and `Built inbound`
//! means A opened it to B. The real (pre-NAT) addresses are used, not the mapped ones
//! in parentheses, so an inside host keeps its private address.
//!
//! A Teardown line does not say the direction. It is judged from the ports: when
//! exactly one side has a port below 1024, that side is the responder; otherwise the
//! second (higher-security) side is taken as the initiator, as in the common outbound
//! case. `direction` is left absent. `_time` is the flow's start: the header time less
//! the `duration`. The Teardown `bytes` count is the total of both directions, so it
//! cannot fill `bytes_in` or `bytes_out`, which stay absent. `established` is true for
//! the reason `TCP FINs` (both sides closed a completed connection) and false for
//! `SYN Timeout`; Built lines are logged on the first packet, before any handshake,
//! so they leave it absent.
//!
//! Host names configured in place of addresses (`dmz:OCSP_Server/5678`) and
//! placeholders stay as text ([`Addr::parse`]). Ports that are service names become 0.

use super::{Ctx, Needle, Skip, syslog};
use crate::addr::Addr;
use crate::record::{Direction, Record, parse_port, transport_name};

const SOURCETYPE: &str = "cisco:asa";

/// Whether the line holds an `%ASA-` message tag.
pub fn is_line(line: &str) -> bool {
    static TAG: Needle = Needle::new(b"%ASA-");
    TAG.is_in(line.as_bytes())
}

/// Parses one ASA syslog line.
pub fn parse_line(line: &str, ctx: &mut Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    let message = Message::find(line, "%ASA-", ctx)?;
    out.push(parse_message(&message, SOURCETYPE)?);
    Ok(())
}

/// A Cisco message found in a line: its six-digit id, its text, and the header time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Message<'a> {
    /// The message id (`302013`).
    pub id: &'a str,
    /// The text after the tag.
    pub body: &'a str,
    /// The syslog header's time.
    pub time: Option<f64>,
}

impl<'a> Message<'a> {
    /// Finds the tag that starts with `marker` (`%ASA-`, `%FTD-`) after the header.
    pub(crate) fn find(line: &'a str, marker: &str, ctx: &mut Ctx) -> Result<Message<'a>, Skip> {
        let header = syslog::parse(line, ctx);
        let at = header
            .message
            .find(marker)
            .ok_or_else(|| Skip::malformed(format!("no {marker} tag")))?;
        let rest = &header.message[at + marker.len()..];
        let tag_end = rest.find([':', ' ']).unwrap_or(rest.len());
        let id = rest[..tag_end].rsplit('-').next().unwrap_or("");
        if id.len() != 6 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Skip::malformed(format!("no message id after {marker}")));
        }
        let body = rest[tag_end..].trim_start_matches(':').trim_start();
        Ok(Message {
            id,
            body,
            time: header.time,
        })
    }
}

/// Reads an ASA connection message (also used for the same ids from FTD).
pub(crate) fn parse_message(m: &Message, sourcetype: &str) -> Result<Record, Skip> {
    let mut record = match m.id {
        "302013" | "302015" => built(m.body, sourcetype),
        "302014" | "302016" => teardown(m.body, sourcetype),
        "106001" => denied(m.body, sourcetype, 1, Some(Direction::Inbound)),
        "106006" => denied(m.body, sourcetype, 2, Some(Direction::Inbound)),
        "106015" => denied(m.body, sourcetype, 1, None),
        "106023" => acl_deny(m.body, sourcetype),
        "106100" => acl_log(m.body, sourcetype),
        "710003" => device_denied(m.body, sourcetype),
        other => Err(Skip::not_connection(format!(
            "message {other} is not a connection message"
        ))),
    }?;
    record.time = m.time.map(|time| time - flow_duration(m));
    Ok(record)
}

/// The `duration` of a Teardown line in seconds, 0 for other messages.
fn flow_duration(m: &Message) -> f64 {
    match m.id {
        "302014" | "302016" => after(m.body, "duration")
            .and_then(parse_duration)
            .unwrap_or(0.0),
        _ => 0.0,
    }
}

/// An address and port as a message writes them.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Endpoint<'a> {
    addr: &'a str,
    port: Option<u16>,
}

impl<'a> Endpoint<'a> {
    /// `addr/port`, `addr`, with anything from `(` on (a user name) removed.
    fn bare(token: &'a str) -> Endpoint<'a> {
        let token = token.split('(').next().unwrap_or("");
        let token = token.trim_end_matches([',', ';']);
        match token.rsplit_once('/') {
            Some((addr, port)) => Endpoint {
                addr,
                port: parse_port(port),
            },
            None => Endpoint {
                addr: token,
                port: None,
            },
        }
    }

    /// `interface:addr/port`: the interface (up to the first `:`) is dropped.
    fn with_interface(token: &'a str) -> Endpoint<'a> {
        let rest = token.split_once(':').map_or(token, |(_, rest)| rest);
        Endpoint::bare(rest)
    }

    /// `interface/addr(port)`, as access-list messages write it.
    fn acl(token: &'a str) -> Endpoint<'a> {
        let rest = token.split_once('/').map_or(token, |(_, rest)| rest);
        match rest.split_once('(') {
            Some((addr, port)) => Endpoint {
                addr,
                port: parse_port(port.split(')').next().unwrap_or("")),
            },
            None => Endpoint {
                addr: rest,
                port: None,
            },
        }
    }
}

/// The word after the first word equal to `word`.
fn after<'a>(body: &'a str, word: &str) -> Option<&'a str> {
    let mut words = body.split_ascii_whitespace();
    words.find(|w| *w == word)?;
    words.next()
}

/// The word before the first word equal to `word`.
fn before<'a>(body: &'a str, word: &str) -> Option<&'a str> {
    let mut previous = None;
    for w in body.split_ascii_whitespace() {
        if w == word {
            return previous;
        }
        previous = Some(w);
    }
    None
}

fn nth(body: &str, n: usize) -> Option<&str> {
    body.split_ascii_whitespace().nth(n)
}

fn connection(sourcetype: &str, proto: &str, src: Endpoint, dest: Endpoint) -> Record {
    let mut record = Record::new(sourcetype);
    record.src_ip = Some(Addr::parse(src.addr));
    record.src_port = src.port;
    record.dest_ip = Some(Addr::parse(dest.addr));
    record.dest_port = dest.port.unwrap_or(0);
    record.transport = transport_name(proto);
    record
}

fn missing(what: &str) -> Skip {
    Skip::missing(what)
}

fn built(body: &str, sourcetype: &str) -> Result<Record, Skip> {
    let direction = match after(body, "Built") {
        Some("inbound") => Direction::Inbound,
        Some("outbound") => Direction::Outbound,
        _ => return Err(Skip::malformed("Built line without inbound/outbound")),
    };
    let proto = before(body, "connection").ok_or_else(|| missing("protocol"))?;
    let first = Endpoint::with_interface(after(body, "for").ok_or_else(|| missing("for"))?);
    let second = Endpoint::with_interface(after(body, "to").ok_or_else(|| missing("to"))?);
    let (src, dest) = match direction {
        Direction::Inbound => (first, second),
        Direction::Outbound => (second, first),
    };
    let mut record = connection(sourcetype, proto, src, dest);
    record.action = "allowed".into();
    record.direction = Some(direction);
    Ok(record)
}

fn teardown(body: &str, sourcetype: &str) -> Result<Record, Skip> {
    let proto = before(body, "connection").ok_or_else(|| missing("protocol"))?;
    let first = Endpoint::with_interface(after(body, "for").ok_or_else(|| missing("for"))?);
    let second = Endpoint::with_interface(after(body, "to").ok_or_else(|| missing("to"))?);
    let (src, dest) = if first_is_responder(first.port, second.port) {
        (second, first)
    } else {
        (first, second)
    };
    let mut record = connection(sourcetype, proto, src, dest);
    record.action = "teardown".into();
    record.established = teardown_established(body);
    Ok(record)
}

/// Whether the first side of a Teardown line is the responder, judged by the ports.
fn first_is_responder(first: Option<u16>, second: Option<u16>) -> bool {
    !matches!((first, second), (Some(a), Some(b)) if b < 1024 && a >= 1024)
}

fn teardown_established(body: &str) -> Option<bool> {
    let reason = body.split_once(" bytes ").map_or("", |(_, rest)| rest);
    if reason.contains("TCP FINs") {
        Some(true)
    } else if reason.contains("SYN Timeout") {
        Some(false)
    } else {
        None
    }
}

/// Reads `h:mm:ss` (hours may exceed 24) into seconds.
fn parse_duration(text: &str) -> Option<f64> {
    let mut parts = text.split(':');
    let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let number = |p: &str| p.parse::<u32>().ok().map(f64::from);
    Some(number(h)? * 3600.0 + number(m)? * 60.0 + number(s)?)
}

/// 106001, 106006, 106015: `... PROTO ... from A/p to B/p ...`, the protocol being word
/// `proto_at`.
fn denied(
    body: &str,
    sourcetype: &str,
    proto_at: usize,
    direction: Option<Direction>,
) -> Result<Record, Skip> {
    let proto = nth(body, proto_at).ok_or_else(|| missing("protocol"))?;
    let src = Endpoint::bare(after(body, "from").ok_or_else(|| missing("from"))?);
    let dest = Endpoint::bare(after(body, "to").ok_or_else(|| missing("to"))?);
    let mut record = connection(sourcetype, proto, src, dest);
    record.action = "blocked".into();
    record.direction = direction;
    Ok(record)
}

fn acl_deny(body: &str, sourcetype: &str) -> Result<Record, Skip> {
    let proto = nth(body, 1).ok_or_else(|| missing("protocol"))?;
    let src = Endpoint::with_interface(after(body, "src").ok_or_else(|| missing("src"))?);
    let dest = Endpoint::with_interface(after(body, "dst").ok_or_else(|| missing("dst"))?);
    let mut record = connection(sourcetype, proto, src, dest);
    record.action = "blocked".into();
    Ok(record)
}

fn acl_log(body: &str, sourcetype: &str) -> Result<Record, Skip> {
    let action = match nth(body, 2) {
        Some("permitted" | "est-allowed") => "allowed",
        Some("denied") => "blocked",
        _ => return Err(Skip::malformed("access-list line without a verdict")),
    };
    let proto = nth(body, 3).ok_or_else(|| missing("protocol"))?;
    let src = Endpoint::acl(nth(body, 4).ok_or_else(|| missing("source"))?);
    let dest = Endpoint::acl(after(body, "->").ok_or_else(|| missing("destination"))?);
    let mut record = connection(sourcetype, proto, src, dest);
    record.action = action.into();
    Ok(record)
}

fn device_denied(body: &str, sourcetype: &str) -> Result<Record, Skip> {
    let proto = nth(body, 0).ok_or_else(|| missing("protocol"))?;
    let src = Endpoint::bare(after(body, "from").ok_or_else(|| missing("from"))?);
    let dest = Endpoint::with_interface(after(body, "to").ok_or_else(|| missing("to"))?);
    let mut record = connection(sourcetype, proto, src, dest);
    record.action = "blocked".into();
    record.direction = Some(Direction::Inbound);
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::SkipReason;

    fn parse(line: &str) -> Result<Record, Skip> {
        let mut ctx = Ctx::new(2024, 0);
        let mut out = Vec::new();
        parse_line(line, &mut ctx, &mut out)?;
        assert_eq!(out.len(), 1);
        Ok(out.remove(0))
    }

    /// (line, src, src_port, dest, dest_port, transport, action)
    type Case = (
        &'static str,
        &'static str,
        Option<u16>,
        &'static str,
        u16,
        &'static str,
        &'static str,
    );

    #[test]
    fn maps_each_message_id() {
        let cases: &[Case] = &[
            (
                "%ASA-6-302013: Built outbound TCP connection 9 for outside:81.2.69.160/445 (81.2.69.160/445) to inside:10.1.1.2/53496 (198.51.100.9/53496)",
                "10.1.1.2",
                Some(53496),
                "81.2.69.160",
                445,
                "tcp",
                "allowed",
            ),
            (
                "%ASA-6-302013: Built inbound TCP connection 27215708 for internet:10.2.3.4/49926 (81.2.69.144/49926)(LOCAL\\u) to vlan-42:81.2.69.144/80 (81.2.69.144/80) (u)",
                "10.2.3.4",
                Some(49926),
                "81.2.69.144",
                80,
                "tcp",
                "allowed",
            ),
            (
                "%ASA-6-302013: Built outbound Probe TCP connection 1 for outside:2001:db8::1/445 (2001:db8::1/445) to inside:fd00::5/50000 (fd00::5/50000)",
                "fd00::5",
                Some(50000),
                "2001:db8::1",
                445,
                "tcp",
                "allowed",
            ),
            (
                "%ASA-6-302015: Built outbound UDP connection 89743275 for outside:192.168.2.222/53 (192.168.2.43/53) to outside:10.123.1.35/52925 (10.123.1.35/25882)",
                "10.123.1.35",
                Some(52925),
                "192.168.2.222",
                53,
                "udp",
                "allowed",
            ),
            (
                "%ASA-6-302014: Teardown TCP connection 4211 for external:171.70.168.183/53 to mgmt:192.168.1.185/1032 duration 0:00:00 bytes 526",
                "192.168.1.185",
                Some(1032),
                "171.70.168.183",
                53,
                "tcp",
                "teardown",
            ),
            (
                "%ASA-6-302014: Teardown TCP connection 5 for outside:67.43.156.15/50120(LOCAL\\x) to OUTSIDE:1.128.3.4/443 duration 0:02:05 bytes 9610 TCP FINs",
                "67.43.156.15",
                Some(50120),
                "1.128.3.4",
                443,
                "tcp",
                "teardown",
            ),
            (
                "%ASA-2-106001: Inbound TCP connection denied from 111.93.241.59/54322 to 116.6.127.122/1433 flags SYN on interface outside",
                "111.93.241.59",
                Some(54322),
                "116.6.127.122",
                1433,
                "tcp",
                "blocked",
            ),
            (
                "%ASA-2-106006: Deny inbound UDP from 185.158.113.158/53306 to 116.6.127.123/53413 on interface outside",
                "185.158.113.158",
                Some(53306),
                "116.6.127.123",
                53413,
                "udp",
                "blocked",
            ),
            (
                "%ASA-6-106015: Deny TCP (no connection) from 192.168.0.1/11 to 192.168.0.2/22 flags tcp_flags on interface x",
                "192.168.0.1",
                Some(11),
                "192.168.0.2",
                22,
                "tcp",
                "blocked",
            ),
            (
                "%ASA-4-106023: Deny tcp src inside:111.11.11.1/2143 dst YYY:172.11.1.11/139 by access-group \"inside_inbound\"",
                "111.11.11.1",
                Some(2143),
                "172.11.1.11",
                139,
                "tcp",
                "blocked",
            ),
            (
                "%ASA-4-106023: Deny icmp src outside:1.2.3.4 dst inside:10.0.0.1 (type 8, code 0) by access-group \"a\"",
                "1.2.3.4",
                None,
                "10.0.0.1",
                0,
                "icmp",
                "blocked",
            ),
            (
                "%ASA-session-5-106100: access-list acl_in permitted tcp inside/10.1.2.16(2241) -> outside/192.168.0.89(2000) hit-cnt 1 first hit [0x71a87d94, 0x0]",
                "10.1.2.16",
                Some(2241),
                "192.168.0.89",
                2000,
                "tcp",
                "allowed",
            ),
            (
                "%ASA-6-106100: access-list inside denied udp inside/172.29.2.101(1039) -> outside/192.168.2.10(53) hit-cnt 1 first hit",
                "172.29.2.101",
                Some(1039),
                "192.168.2.10",
                53,
                "udp",
                "blocked",
            ),
            (
                "%ASA-3-710003: TCP access denied by ACL from 192.168.0.1/11 to outside:192.168.0.2/ssh",
                "192.168.0.1",
                Some(11),
                "192.168.0.2",
                0,
                "tcp",
                "blocked",
            ),
        ];
        for (line, src, src_port, dest, dest_port, transport, action) in cases {
            let r = parse(line).unwrap();
            assert_eq!(r.src_ip.unwrap().to_string(), *src, "{line}");
            assert_eq!(r.src_port, *src_port, "{line}");
            assert_eq!(r.dest_ip.unwrap().to_string(), *dest, "{line}");
            assert_eq!(r.dest_port, *dest_port, "{line}");
            assert_eq!(r.transport, *transport, "{line}");
            assert_eq!(r.action, *action, "{line}");
            assert_eq!(r.sourcetype, "cisco:asa");
        }
    }

    #[test]
    fn sets_direction_established_and_start_time() {
        let r = parse("Apr 29 2013 12:59:50: %ASA-6-302013: Built outbound TCP connection 1 for outside:1.1.1.1/80 (1.1.1.1/80) to inside:10.0.0.1/5000 (2.2.2.2/5000)").unwrap();
        assert_eq!(r.direction, Some(Direction::Outbound));
        assert_eq!(r.established, None);
        assert_eq!(r.time, Some(1_367_240_390.0));

        let r = parse("Apr 29 2013 12:59:50: %ASA-6-302016: Teardown UDP connection 666 for outside:192.168.2.222/53 user1 to inside:10.123.1.35/52925 user2 duration 1:23:45 bytes 140").unwrap();
        assert_eq!(r.time, Some(1_367_240_390.0 - 5025.0));
        assert_eq!(r.direction, None);
        assert_eq!((r.bytes_in, r.bytes_out), (None, None));

        let fins = "%ASA-6-302014: Teardown TCP connection 1 for o:1.1.1.1/445 to i:10.0.0.1/5000 duration 0:00:09 bytes 9 TCP FINs";
        assert_eq!(parse(fins).unwrap().established, Some(true));
        let syn = "%ASA-6-302014: Teardown TCP connection 1 for o:1.1.1.1/445 to i:10.0.0.1/5000 duration 0:00:30 bytes 0 SYN Timeout";
        assert_eq!(parse(syn).unwrap().established, Some(false));
    }

    #[test]
    fn keeps_host_names_as_text() {
        let r = parse("%ASA-6-302013: Built outbound TCP connection 447236 for outside:192.168.2.222/1234 (192.168.2.222/1234) to dmz:OCSP_Server/5678 (OCSP_Server/5678)").unwrap();
        assert_eq!(r.src_ip, Some(Addr::Text("OCSP_Server".into())));
        assert_eq!(r.dest_port, 1234);
    }

    #[test]
    fn skips_other_messages() {
        let cases = [
            (
                "%ASA-6-302021: Teardown ICMP connection for faddr 1.1.1.1/0 gaddr 2.2.2.2/1 laddr 2.2.2.2/1",
                SkipReason::NotConnection,
            ),
            (
                "%ASA-4-411001: Line protocol on Interface GigabitEthernet0/0, changed state to up",
                SkipReason::NotConnection,
            ),
            (
                "%ASA-4-401004 Shunned packet: 192.168.0.1 = 192.168.0.2 on interface x",
                SkipReason::NotConnection,
            ),
            (
                "%ASA-6-302013: Built sideways TCP connection",
                SkipReason::Malformed,
            ),
            (
                "%ASA-6-302013: Built inbound TCP connection 1 for",
                SkipReason::MissingField,
            ),
            ("%ASA-x: nothing", SkipReason::Malformed),
        ];
        for (line, reason) in cases {
            assert_eq!(parse(line).unwrap_err().reason, reason, "{line}");
        }
    }

    #[test]
    fn never_panics_on_truncated_lines() {
        let line = "Apr 29 2013 12:59:50: %ASA-6-302014: Teardown TCP connection 5 for outside:67.43.156.15/50120(LOCAL\\x) to OUTSIDE:1.128.3.4/443 duration 0:02:05 bytes 9610 TCP FINs";
        for end in 0..=line.len() {
            if let Some(part) = line.get(..end) {
                let _ = parse(part);
            }
        }
    }
}
