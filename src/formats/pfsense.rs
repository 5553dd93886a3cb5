//! pfSense and OPNsense `filterlog` lines: one logged packet as CSV.
//!
//! Specified by Netgate's *Raw Filter Log Format* page
//! (<https://docs.netgate.com/pfsense/en/latest/monitoring/raw-filter-log-format.html>)
//! and OPNsense's `filterlog/files/description.txt`. The CSV follows a syslog header
//! and the tag `filterlog[pid]:` (BSD syslog) or the APP-NAME `filterlog` and
//! structured data (RFC 5424).
//!
//! Common fields: rule number, sub rule, anchor, tracker, interface, reason, action
//! (6), direction (7), IP version (8). Then the IP fields differ:
//!
//! | version | fields | protocol text, id | source, destination | protocol data from |
//! | --- | --- | --- | --- | --- |
//! | 4 | TOS, ECN, TTL, ID, offset, flags, protocol id, protocol text, length | 16, 15 | 18, 19 | 20 |
//! | 6 | class, flow label, hop limit, protocol text, protocol id, length | 12, 13 | 15, 16 | 17 |
//!
//! For TCP and UDP the protocol data starts with source port, destination port and data
//! length; TCP goes on with its flags (`S`, `SA`, `FPA`, ...). ICMP, IGMP, CARP and
//! others have no ports (`dest_port` 0).
//!
//! The record: source → `src_ip`, destination → `dest_ip`, ports, protocol text (else
//! id) → `transport`, action `pass` → `allowed`, `block`/`reject` → `blocked`, others
//! (`rdr`, `nat`, ...) `unknown`. `_time` is the syslog header's time.
//!
//! **Direction.** A filterlog line describes a packet, and its source is its sender:
//! the initiator for the first packet of a connection, which is what pf logs for a
//! rule with state (and every packet of a blocked one). The `in`/`out` column says
//! whether the packet was entering or leaving the firewall through the named
//! interface; it says nothing about which side opened the connection (`out` on the WAN
//! and `in` on the LAN are the same outbound traffic), so it does not set `direction`,
//! and src stays the packet's source either way. Only a SYN-ACK (`SA`), the responder's
//! answer, is turned around. `established` is absent: one packet does not show a
//! completed handshake.

use super::{Ctx, Needle, Skip, syslog};
use crate::addr::Addr;
use crate::record::{Record, cim_action, parse_port, transport_name};

const SOURCETYPE: &str = "pfsense:filterlog";

/// The most CSV fields read; the rest (TCP options, ...) are not needed.
const MAX_FIELDS: usize = 28;

/// Whether the line holds a `filterlog` tag.
pub fn is_line(line: &str) -> bool {
    static TAG: Needle = Needle::new(b"filterlog");
    TAG.find_iter(line.as_bytes())
        .any(|i| matches!(line.as_bytes().get(i + 9), Some(b'[' | b':' | b' ')))
}

/// Parses one filterlog line.
pub fn parse_line(line: &str, ctx: &mut Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    let header = syslog::parse(line, ctx);
    let csv = csv_part(&header).ok_or_else(|| Skip::malformed("no filterlog CSV"))?;
    let mut fields = [""; MAX_FIELDS];
    let mut count = 0;
    for (slot, field) in fields.iter_mut().zip(csv.split(',')) {
        *slot = field.trim();
        count += 1;
    }
    let mut record = record(&fields[..count])?;
    record.time = header.time;
    out.push(record);
    Ok(())
}

/// The CSV after the `filterlog` tag or the RFC 5424 structured data.
fn csv_part<'a>(header: &syslog::Header<'a>) -> Option<&'a str> {
    if header.app == Some("filterlog") {
        return Some(syslog::skip_structured_data(header.message));
    }
    let message = header.message;
    let at = memchr::memmem::find(message.as_bytes(), b"filterlog")?;
    let rest = &message[at + "filterlog".len()..];
    let rest = match rest.strip_prefix('[') {
        Some(pid) => pid.split_once(']').map_or("", |(_, after)| after),
        None => rest,
    };
    Some(rest.trim_start_matches(':').trim_start())
}

/// Field positions of one IP version's layout.
struct Layout {
    proto_text: usize,
    proto_id: usize,
    src: usize,
    dest: usize,
    data: usize,
}

const IPV4: Layout = Layout {
    proto_text: 16,
    proto_id: 15,
    src: 18,
    dest: 19,
    data: 20,
};

const IPV6: Layout = Layout {
    proto_text: 12,
    proto_id: 13,
    src: 15,
    dest: 16,
    data: 17,
};

fn record(fields: &[&str]) -> Result<Record, Skip> {
    let field = |i: usize| fields.get(i).copied().unwrap_or("");
    let layout = match field(8) {
        "4" => IPV4,
        "6" => IPV6,
        "" => return Err(Skip::malformed("filterlog line without IP version")),
        other => return Err(Skip::malformed(format!("IP version {other}"))),
    };
    let (src, dest) = (field(layout.src), field(layout.dest));
    if src.is_empty() || dest.is_empty() {
        return Err(Skip::missing("source or destination address"));
    }
    let mut record = Record::new(SOURCETYPE);
    record.src_ip = Some(Addr::parse(src));
    record.dest_ip = Some(Addr::parse(dest));
    let proto = match field(layout.proto_text) {
        "" => field(layout.proto_id),
        text => text,
    };
    record.transport = transport_name(proto);
    record.action = cim_action(field(6)).to_owned();
    if matches!(record.transport.as_str(), "tcp" | "udp") {
        record.src_port = parse_port(field(layout.data));
        record.dest_port = parse_port(field(layout.data + 1)).unwrap_or(0);
    }
    let flags = field(layout.data + 3);
    if record.transport == "tcp" && flags.contains('S') && flags.contains('A') {
        record.turn_around();
    }
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
    fn reads_each_layout() {
        let cases: &[Case] = &[
            (
                "<134>Jul  3 19:10:30 filterlog[72237]: 146,,,1535324496,igb1.12,match,block,in,4,0x0,,63,12617,0,DF,6,tcp,60,10.170.12.50,1.1.1.1,49724,853,0,S,1891286705,,64240,,mss;sackOK;TS;nop;wscale",
                "10.170.12.50",
                Some(49724),
                "1.1.1.1",
                853,
                "tcp",
                "blocked",
            ),
            (
                "<134>Jul  3 19:10:30 filterlog[72237]: 176,,,1520797901,igb1.27,match,pass,in,4,0xb8,,64,58355,0,none,17,udp,76,10.170.27.27,216.229.4.66,123,123,56",
                "10.170.27.27",
                Some(123),
                "216.229.4.66",
                123,
                "udp",
                "allowed",
            ),
            (
                "<134>Jul  3 19:10:31 filterlog[72237]: 6,,,1000000105,igb1.27,match,block,in,6,0x00,0xf6279,1,UDP,17,32,fe80::208:9bff:fef3:652b,ff02::1:2,546,547,32",
                "fe80::208:9bff:fef3:652b",
                Some(546),
                "ff02::1:2",
                547,
                "udp",
                "blocked",
            ),
            (
                "<134>Jul  4 11:10:45 filterlog[72237]: 176,,,1520797901,igb1.10,match,pass,in,4,0x0,,64,62096,0,DF,1,icmp,84,10.100.10.30,142.250.114.105,request,37728,164",
                "10.100.10.30",
                None,
                "142.250.114.105",
                0,
                "icmp",
                "allowed",
            ),
            (
                "<134>1 2024-02-27T10:00:00+01:00 fw filterlog 53814 - [meta sequenceId=\"3\"] 82,,,0,vtnet0,match,pass,out,4,0x0,,64,0,0,DF,6,tcp,60,10.0.0.5,81.2.69.160,50000,445,0,S,1,,64240,,mss",
                "10.0.0.5",
                Some(50000),
                "81.2.69.160",
                445,
                "tcp",
                "allowed",
            ),
            (
                "Feb 27 10:00:00 fw filterlog: 82,,,0,vtnet0,match,pass,in,4,0x0,,64,0,0,DF,6,tcp,60,81.2.69.160,10.0.0.5,445,50000,0,SA,1,2,64240,,mss",
                "10.0.0.5",
                Some(50000),
                "81.2.69.160",
                445,
                "tcp",
                "allowed",
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
            assert_eq!(r.direction, None);
            assert_eq!(r.sourcetype, "pfsense:filterlog");
            assert!(r.time.is_some());
        }
    }

    #[test]
    fn skips_broken_lines() {
        let cases = [
            ("filterlog: 1,2,3", SkipReason::Malformed),
            (
                "filterlog: 1,,,0,em0,match,pass,in,5,x",
                SkipReason::Malformed,
            ),
            (
                "filterlog: 1,,,0,em0,match,pass,in,4,0x0,,64,0,0,DF,6,tcp,60",
                SkipReason::MissingField,
            ),
        ];
        for (line, reason) in cases {
            assert_eq!(parse(line).unwrap_err().reason, reason, "{line}");
        }
        assert!(is_line("Jul 3 x filterlog[1]: 1"));
        assert!(!is_line("filterlogger"));
    }
}
