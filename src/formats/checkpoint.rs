//! Check Point firewall logs as the Log Exporter writes them in syslog form.
//!
//! Specified by Check Point's *Log Exporter* guide (sk122323) and its *Log Fields*
//! description: an RFC 5424 header followed by the log's fields as `key:"value"` pairs
//! separated by `; ` inside `[...]`:
//!
//! ```text
//! <134>1 2020-03-29T13:19:22Z gw-da58d3 CheckPoint 1930 - [action:"Accept"; ...
//!   dst:"192.168.1.1"; proto:"17"; s_port:"46915"; service:"53"; service_id:"domain-udp";
//!   src:"192.168.1.100"]
//! ```
//!
//! Fields read: `src` → `src_ip`, `dst` → `dest_ip`, `s_port` → `src_port`, `service`
//! (the destination port number) → `dest_port`, `proto` (a protocol number) →
//! `transport`, `service_id` (the service's name, such as `microsoft-ds`) → `app`,
//! `action` (`Accept`, `Drop`, `Reject`, ...) → `action` by the CIM verb table, `time`
//! (epoch seconds) → `_time`, else the header's time. `src` is the connection's
//! originator in Check Point logs, so no turning around is needed.
//!
//! `conn_direction` (`Outgoing`, `Incoming`, `Internal`) is the connection's direction
//! relative to the protected network and sets `direction`; `ifdir` (`inbound`,
//! `outbound`) is relative to the logging interface and is not used. Logs without `src`
//! and `dst` (System Monitor messages, audit logs) are `not_connection`.

use super::{Ctx, Needle, Skip, kv, syslog};
use crate::addr::Addr;
use crate::record::{Direction, Record, cim_action, parse_port, transport_name};
use crate::time::parse_epoch;

const SOURCETYPE: &str = "cp_log";

/// Whether the line looks like Check Point Log Exporter output.
pub fn is_line(line: &str) -> bool {
    static MARKS: [Needle; 3] = [
        Needle::new(b"loguid:\""),
        Needle::new(b"product:\""),
        Needle::new(b"CheckPoint "),
    ];
    let bytes = line.as_bytes();
    memchr::memchr(b'[', bytes).is_some() && MARKS.iter().any(|mark| mark.is_in(bytes))
}

/// Parses one Check Point line.
pub fn parse_line(line: &str, ctx: &mut Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    let header = syslog::parse(line, ctx);
    let body = header
        .message
        .find('[')
        .map(|i| &header.message[i..])
        .ok_or_else(|| Skip::malformed("no [key:\"value\"] fields"))?;
    let f = Fields::read(body);
    let (src, dest) = match (f.src, f.dest) {
        (Some(src), Some(dest)) => (src, dest),
        (None, None) => return Err(Skip::not_connection("log without src and dst")),
        (None, _) => return Err(Skip::missing("src")),
        (_, None) => return Err(Skip::missing("dst")),
    };
    let mut record = Record::new(SOURCETYPE);
    record.src_ip = Some(Addr::parse(src));
    record.dest_ip = Some(Addr::parse(dest));
    record.src_port = f.src_port.and_then(parse_port);
    record.dest_port = f.service.and_then(parse_port).unwrap_or(0);
    record.transport = transport_name(f.proto.unwrap_or(""));
    record.app = f.service_id.filter(|s| !s.is_empty()).map(str::to_owned);
    record.action = cim_action(f.action.unwrap_or("")).to_owned();
    record.direction = match f.conn_direction {
        Some("Outgoing") => Some(Direction::Outbound),
        Some("Incoming") => Some(Direction::Inbound),
        _ => None,
    };
    record.time = f.time.and_then(parse_epoch).or(header.time);
    out.push(record);
    Ok(())
}

#[derive(Debug, Default)]
struct Fields<'a> {
    src: Option<&'a str>,
    dest: Option<&'a str>,
    src_port: Option<&'a str>,
    service: Option<&'a str>,
    proto: Option<&'a str>,
    service_id: Option<&'a str>,
    action: Option<&'a str>,
    time: Option<&'a str>,
    conn_direction: Option<&'a str>,
}

impl<'a> Fields<'a> {
    fn read(body: &'a str) -> Fields<'a> {
        let mut f = Fields::default();
        for (key, value) in kv::colon_pairs(body) {
            let slot = match key {
                "src" => &mut f.src,
                "dst" => &mut f.dest,
                "s_port" => &mut f.src_port,
                "service" => &mut f.service,
                "proto" => &mut f.proto,
                "service_id" => &mut f.service_id,
                "action" => &mut f.action,
                "time" => &mut f.time,
                "conn_direction" => &mut f.conn_direction,
                _ => continue,
            };
            slot.get_or_insert(value);
        }
        f
    }
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
    fn reads_an_accept_log() {
        let r = parse(r#"<134>1 2020-03-29T23:18:53Z gw-da58d3 CheckPoint 8363 - [action:"Accept"; conn_direction:"Outgoing"; ifdir:"inbound"; __policy_id_tag:"product=VPN-1 & FireWall-1[db_tag={X};policy_name=Standard\]"; dst:"8.8.8.8"; proto:"17"; s_port:"55039"; service:"53"; service_id:"domain-udp"; src:"192.168.2.2"]"#).unwrap();
        assert_eq!(r.src_ip.unwrap().to_string(), "192.168.2.2");
        assert_eq!(r.src_port, Some(55039));
        assert_eq!(r.dest_ip.unwrap().to_string(), "8.8.8.8");
        assert_eq!(r.dest_port, 53);
        assert_eq!(r.transport, "udp");
        assert_eq!(r.app.as_deref(), Some("domain-udp"));
        assert_eq!(r.action, "allowed");
        assert_eq!(r.direction, Some(Direction::Outbound));
        assert_eq!(r.time, Some(1_585_523_933.0));
        assert_eq!(r.sourcetype, "cp_log");
    }

    #[test]
    fn maps_actions_and_the_time_field() {
        let cases = [
            ("Drop", "blocked"),
            ("Reject", "blocked"),
            ("Accept", "allowed"),
            ("Encrypt", "unknown"),
        ];
        for (verb, expected) in cases {
            let line = format!(
                r#"[action:"{verb}"; time:"1608656768"; src:"1.1.1.1"; dst:"2.2.2.2"; loguid:"x"]"#
            );
            let r = parse(&line).unwrap();
            assert_eq!(r.action, expected, "{verb}");
            assert_eq!(r.time, Some(1_608_656_768.0));
            assert_eq!(r.dest_port, 0);
        }
    }

    #[test]
    fn skips_system_logs() {
        let cases = [
            (
                r#"<134>1 2020-03-29T13:19:20Z gw CheckPoint 1930 - [flags:"133440"; product:"System Monitor"; sys_message::"The eth0 interface is not protected"]"#,
                SkipReason::NotConnection,
            ),
            (r#"[src:"1.1.1.1"; product:"x"]"#, SkipReason::MissingField),
            ("CheckPoint without fields", SkipReason::Malformed),
        ];
        for (line, reason) in cases {
            assert_eq!(parse(line).unwrap_err().reason, reason, "{line}");
        }
    }
}
