//! FortiGate (FortiOS) traffic logs in the key=value syslog form.
//!
//! Specified by Fortinet's *FortiOS Log Message Reference* (traffic log ids such as
//! `0000000013` forward, `0001000014` local, `0002000012` multicast, `0004000017`
//! sniffer): one line of `key=value` pairs, values quoted when they hold spaces,
//! optionally after a syslog header.
//!
//! ```text
//! date=2019-05-10 time=11:37:47 logid="0000000013" type="traffic" subtype="forward"
//!   eventtime=1557513467369913239 srcip=10.1.100.11 srcport=58012 dstip=81.2.69.142
//!   dstport=80 proto=6 action="close" service="HTTP" duration=116 sentbyte=1188 ...
//! ```
//!
//! Only `type="traffic"` lines give records; event, UTM and other types are
//! `not_connection`. Fields read: `srcip`, `srcport`, `dstip`, `dstport`, `proto` (a
//! protocol number), `app` (else `service`) → `app`, `sentbyte` → `bytes_out`,
//! `rcvdbyte` → `bytes_in`. The source is the session's originator, so no turning
//! around is needed.
//!
//! **Action.** The reference defines `action` as the status of the session: `deny` is
//! blocked by policy, `start` a session-start log of an allowed session, and every
//! other value an allowed session and how it was closed. So `accept` and `start` are
//! `allowed`; `deny`, `block` and `dropped` are `blocked`; the closing statuses
//! `close`, `timeout`, `server-rst`, `client-rst` and `ip-conn` are `teardown` (SPEC:
//! close lines are teardown); anything else is `unknown`.
//!
//! **Time.** `eventtime` is epoch time in seconds, milliseconds, microseconds or
//! nanoseconds (judged by its digit count); without it, `date` and `time` are read at
//! `tz` (`-0800`) or at the user's offset. A traffic log is written when the session
//! ends, so `_time` is that time less `duration`.
//!
//! **Direction** is set from the interface roles when they say it: `srcintfrole`
//! `lan` or `dmz` to `dstintfrole` `wan` is outbound, the reverse inbound.
//! **Established** is true when the responder sent packets (`rcvdpkt` above 0), except
//! a lone packet in a `server-rst` session, which is the server refusing.
//! `dstcountry` is not read: the detection judges addresses itself.

use super::{Ctx, Needle, Skip, kv, syslog};
use crate::addr::Addr;
use crate::record::{Direction, Record, cim_action, parse_port, transport_name};
use crate::time::{parse_epoch, parse_iso8601, parse_offset};

const SOURCETYPE: &str = "fortigate_traffic";

/// Whether the line looks like a FortiGate log (it has `logid=` and `type=`).
pub fn is_line(line: &str) -> bool {
    static LOGID: Needle = Needle::new(b"logid=");
    static TYPE: Needle = Needle::new(b"type=");
    LOGID.is_in(line.as_bytes()) && TYPE.is_in(line.as_bytes())
}

/// Parses one FortiGate log line.
pub fn parse_line(line: &str, ctx: &mut Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    let header = syslog::parse(line, ctx);
    let f = Fields::read(header.message);
    match f.log_type {
        Some("traffic") => {}
        Some(other) => return Err(Skip::not_connection(format!("{other} log"))),
        None => return Err(Skip::missing("type")),
    }
    let mut record = f.record()?;
    record.time = f.end_time(ctx).or(header.time).map(|t| t - f.duration());
    out.push(record);
    Ok(())
}

/// The CIM action of a FortiGate session status.
///
/// ```
/// use smb_egress::formats::fortigate::action;
///
/// assert_eq!(action("accept"), "allowed");
/// assert_eq!(action("server-rst"), "teardown");
/// assert_eq!(action("deny"), "blocked");
/// ```
pub fn action(status: &str) -> &'static str {
    match status {
        "accept" | "start" => "allowed",
        "deny" | "block" | "blocked" | "dropped" => "blocked",
        "close" | "timeout" | "server-rst" | "client-rst" | "ip-conn" => "teardown",
        other => cim_action(other),
    }
}

#[derive(Debug, Default)]
struct Fields<'a> {
    log_type: Option<&'a str>,
    src: Option<&'a str>,
    dest: Option<&'a str>,
    src_port: Option<&'a str>,
    dest_port: Option<&'a str>,
    proto: Option<&'a str>,
    action: Option<&'a str>,
    app: Option<&'a str>,
    service: Option<&'a str>,
    sent: Option<&'a str>,
    received: Option<&'a str>,
    received_packets: Option<&'a str>,
    src_role: Option<&'a str>,
    dest_role: Option<&'a str>,
    date: Option<&'a str>,
    time: Option<&'a str>,
    tz: Option<&'a str>,
    eventtime: Option<&'a str>,
    duration: Option<&'a str>,
}

impl<'a> Fields<'a> {
    fn read(text: &'a str) -> Fields<'a> {
        let mut f = Fields::default();
        for (key, value) in kv::pairs(text) {
            let slot = match key {
                "type" => &mut f.log_type,
                "srcip" => &mut f.src,
                "dstip" => &mut f.dest,
                "srcport" => &mut f.src_port,
                "dstport" => &mut f.dest_port,
                "proto" => &mut f.proto,
                "action" => &mut f.action,
                "app" => &mut f.app,
                "service" => &mut f.service,
                "sentbyte" => &mut f.sent,
                "rcvdbyte" => &mut f.received,
                "rcvdpkt" => &mut f.received_packets,
                "srcintfrole" => &mut f.src_role,
                "dstintfrole" => &mut f.dest_role,
                "date" => &mut f.date,
                "time" => &mut f.time,
                "tz" => &mut f.tz,
                "eventtime" => &mut f.eventtime,
                "duration" => &mut f.duration,
                _ => continue,
            };
            slot.get_or_insert(value);
        }
        f
    }

    fn record(&self) -> Result<Record, Skip> {
        let mut record = Record::new(SOURCETYPE);
        record.src_ip = Some(Addr::parse(self.src.ok_or_else(|| Skip::missing("srcip"))?));
        record.dest_ip = Some(Addr::parse(
            self.dest.ok_or_else(|| Skip::missing("dstip"))?,
        ));
        record.src_port = self.src_port.and_then(parse_port);
        record.dest_port = self.dest_port.and_then(parse_port).unwrap_or(0);
        record.transport = transport_name(self.proto.unwrap_or(""));
        let status = self.action.unwrap_or("");
        record.action = action(status).to_owned();
        let app = self.app.filter(|a| !a.is_empty()).or(self.service);
        record.app = app.filter(|a| !a.is_empty()).map(str::to_owned);
        record.bytes_out = self.sent.and_then(|b| b.parse().ok());
        record.bytes_in = self.received.and_then(|b| b.parse().ok());
        record.direction = self.direction();
        record.established = self.established(status);
        Ok(record)
    }

    fn direction(&self) -> Option<Direction> {
        let inside = |role: Option<&str>| matches!(role, Some("lan" | "dmz"));
        let outside = |role: Option<&str>| role == Some("wan");
        if inside(self.src_role) && outside(self.dest_role) {
            Some(Direction::Outbound)
        } else if outside(self.src_role) && inside(self.dest_role) {
            Some(Direction::Inbound)
        } else {
            None
        }
    }

    fn established(&self, status: &str) -> Option<bool> {
        let packets = self.received_packets?.parse::<u64>().ok()?;
        let refused = status == "server-rst" && packets <= 1;
        (packets > 0 && !refused).then_some(true)
    }

    /// The time the log was written: `eventtime`, else `date` and `time`.
    fn end_time(&self, ctx: &Ctx) -> Option<f64> {
        if let Some(t) = self.eventtime.and_then(epoch_any_unit) {
            return Some(t);
        }
        let offset = self.tz.and_then(parse_offset).unwrap_or(ctx.offset);
        let text = format!("{}T{}", self.date?, self.time?);
        parse_iso8601(&text, offset)
    }

    fn duration(&self) -> f64 {
        self.duration.and_then(parse_epoch).unwrap_or(0.0)
    }
}

/// Reads epoch time in seconds, milliseconds, microseconds or nanoseconds, judged by
/// the number of digits (10, 13, 16, 19 for dates after 2001).
fn epoch_any_unit(text: &str) -> Option<f64> {
    let value = parse_epoch(text)?;
    let digits = text.split('.').next().unwrap_or("").len();
    let scale = match digits {
        0..=11 => 1.0,
        12..=14 => 1e3,
        15..=17 => 1e6,
        _ => 1e9,
    };
    Some(value / scale)
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
    fn reads_a_forward_traffic_log() {
        let r = parse(r#"date=2019-05-10 time=11:37:47 logid="0000000013" type="traffic" subtype="forward" eventtime=1557513467369913239 srcip=10.1.100.11 srcport=58012 srcintf="port12" srcintfrole="lan" dstip=81.2.69.142 dstport=80 dstintfrole="wan" proto=6 action="close" service="HTTP" app="HTTP.BROWSER_Firefox" duration=116 sentbyte=1188 rcvdbyte=1224 sentpkt=17 rcvdpkt=16"#).unwrap();
        assert_eq!(r.src_ip.unwrap().to_string(), "10.1.100.11");
        assert_eq!(r.src_port, Some(58012));
        assert_eq!(r.dest_ip.unwrap().to_string(), "81.2.69.142");
        assert_eq!(r.dest_port, 80);
        assert_eq!(r.transport, "tcp");
        assert_eq!(r.action, "teardown");
        assert_eq!(r.app.as_deref(), Some("HTTP.BROWSER_Firefox"));
        assert_eq!((r.bytes_out, r.bytes_in), (Some(1188), Some(1224)));
        assert_eq!(r.direction, Some(Direction::Outbound));
        assert_eq!(r.established, Some(true));
        let time = r.time.unwrap();
        assert!(
            (time - (1_557_513_467.369_913 - 116.0)).abs() < 1e-3,
            "{time}"
        );
    }

    #[test]
    fn maps_statuses() {
        let cases = [
            ("accept", "allowed"),
            ("start", "allowed"),
            ("deny", "blocked"),
            ("close", "teardown"),
            ("timeout", "teardown"),
            ("client-rst", "teardown"),
            ("ip-conn", "teardown"),
            ("dns", "unknown"),
            ("", "unknown"),
        ];
        for (status, expected) in cases {
            assert_eq!(action(status), expected, "{status}");
        }
    }

    #[test]
    fn reads_times_in_every_unit_and_from_date() {
        let cases: [(&str, f64); 5] = [
            ("eventtime=1554039772", 1_554_039_772.0),
            ("eventtime=1554039772123", 1_554_039_772.123),
            ("eventtime=1554039772123456", 1_554_039_772.123_456),
            (
                "date=2021-01-26 time=15:51:37 tz=\"-0800\"",
                1_611_705_097.0,
            ),
            ("date=2021-01-26 time=15:51:37", 1_611_676_297.0),
        ];
        for (fields, expected) in cases {
            let line = format!("logid=\"1\" type=\"traffic\" srcip=1.1.1.1 dstip=2.2.2.2 {fields}");
            let time = parse(&line).unwrap().time.unwrap();
            assert!((time - expected).abs() < 1e-3, "{fields}: {time}");
        }
    }

    #[test]
    fn judges_established_from_replies() {
        let cases = [
            ("action=\"server-rst\" rcvdpkt=1", None),
            ("action=\"server-rst\" rcvdpkt=6", Some(true)),
            ("action=\"accept\" rcvdpkt=0", None),
            ("action=\"timeout\"", None),
        ];
        for (fields, expected) in cases {
            let line = format!("logid=\"1\" type=\"traffic\" srcip=1.1.1.1 dstip=2.2.2.2 {fields}");
            assert_eq!(parse(&line).unwrap().established, expected, "{fields}");
        }
    }

    #[test]
    fn skips_other_types() {
        let cases = [
            (
                "logid=\"0113022923\" type=\"event\" subtype=\"sdwan\"",
                SkipReason::NotConnection,
            ),
            (
                "logid=\"1\" type=\"traffic\" srcip=1.1.1.1",
                SkipReason::MissingField,
            ),
            ("logid=\"1\" subtype=\"x\"", SkipReason::MissingField),
        ];
        for (line, reason) in cases {
            assert_eq!(parse(line).unwrap_err().reason, reason, "{line}");
        }
    }
}
