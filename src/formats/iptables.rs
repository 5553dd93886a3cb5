//! Linux netfilter (iptables, nftables, ufw) packet log lines from the kernel.
//!
//! The format is the one the kernel's `LOG` target writes (`net/netfilter`'s
//! `nf_log_syslog`, documented in the `iptables-extensions` man page under `LOG`): an
//! optional `--log-prefix`, then `IN=` `OUT=` `MAC=` `SRC=` `DST=` ... `PROTO=` and the
//! protocol's fields (`SPT=` `DPT=` and TCP flag words such as `SYN` `ACK`):
//!
//! ```text
//! Jan  8 03:37:09 host kernel: iptables DROP_INPUT: IN=eth0 OUT= MAC=... SRC=81.2.69.143
//!   DST=172.16.54.114 LEN=52 ... PROTO=TCP SPT=17805 DPT=445 WINDOW=8192 RES=0x00 SYN URGP=0
//! ```
//!
//! It arrives with a syslog header and host, without a host, or as `dmesg` output
//! (`[  132.172629] Inbound IN=ppp0 ...`), which has no date: `_time` is then absent.
//!
//! Each line is one packet. `SRC` → `src_ip`, `DST` → `dest_ip`, `SPT` → `src_port`,
//! `DPT` → `dest_port`, `PROTO` → `transport`. The sender of a packet is taken as the
//! initiator, which holds for the first packet of a connection; a SYN-ACK is the
//! responder's answer, so such a line is turned around. `established` is absent: one
//! packet does not show a completed handshake.
//!
//! ICMP error messages quote the packet that caused them in brackets
//! (`PROTO=ICMP TYPE=3 CODE=3 [SRC=... DST=... PROTO=UDP SPT=... DPT=...]`): only the
//! outer packet is read, so the quoted ports are not mistaken for the ICMP packet's.
//!
//! **Direction**: `IN=` set and `OUT=` empty is a packet arriving for the host itself
//! (`inbound`); `IN=` empty and `OUT=` set is one the host sends (`outbound`); both set
//! is forwarded traffic, with no direction.
//!
//! **Action** comes from the log prefix (the text before `IN=`), since the kernel
//! does not log the verdict: a bracketed Ubiquiti EdgeOS/UniFi prefix
//! `[RULESET-RULE-A]` ends in `A` (accept), `D` (drop) or `R` (reject); otherwise the
//! words of the prefix decide: `DROP`, `DENY`, `REJECT`, `BLOCK` (and their past
//! forms) make it `blocked`, `ACCEPT`, `ALLOW`, `PASS` make it `allowed`, in any case
//! (`[UFW BLOCK]`, `iptables DROP_INPUT:`). A prefix with both kinds or neither
//! (`Inbound`, `[UFW AUDIT]`) is `unknown`.

use super::{Ctx, Needle, Skip, syslog};
use crate::addr::Addr;
use crate::record::{Direction, Record, UNKNOWN, parse_port, transport_name};

const SOURCETYPE: &str = "linux:netfilter";

/// Whether the line looks like a netfilter `LOG` line.
pub fn is_line(line: &str) -> bool {
    static KEYS: [Needle; 4] = [
        Needle::new(b"IN="),
        Needle::new(b" SRC="),
        Needle::new(b" DST="),
        Needle::new(b" PROTO="),
    ];
    KEYS.iter().all(|key| key.is_in(line.as_bytes()))
}

/// Parses one netfilter log line.
pub fn parse_line(line: &str, ctx: &mut Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    let header = syslog::parse(line, ctx);
    let message = header.message;
    let at = fields_start(message).ok_or_else(|| Skip::missing("IN="))?;
    let packet = Packet::read(&message[at..]);
    let mut record = packet.record()?;
    record.action = prefix_action(&message[..at]).to_owned();
    record.time = header.time;
    out.push(record);
    Ok(())
}

/// Where `IN=` starts: at the start, or after a space, `]` or `:`.
fn fields_start(message: &str) -> Option<usize> {
    let bytes = message.as_bytes();
    memchr::memmem::find_iter(bytes, b"IN=")
        .find(|&i| i == 0 || matches!(bytes.get(i - 1), Some(b' ' | b']' | b':')))
}

/// The fields of the outer packet.
#[derive(Debug, Default)]
struct Packet<'a> {
    interface_in: &'a str,
    interface_out: &'a str,
    src: Option<&'a str>,
    dest: Option<&'a str>,
    proto: &'a str,
    src_port: Option<&'a str>,
    dest_port: Option<&'a str>,
    syn: bool,
    ack: bool,
}

impl<'a> Packet<'a> {
    fn read(fields: &'a str) -> Packet<'a> {
        let mut p = Packet::default();
        for token in fields.split_ascii_whitespace() {
            if token.starts_with('[') {
                break;
            }
            match token.split_once('=') {
                Some(("IN", v)) => p.interface_in = v,
                Some(("OUT", v)) => p.interface_out = v,
                Some(("SRC", v)) => p.src = Some(v),
                Some(("DST", v)) => p.dest = Some(v),
                Some(("PROTO", v)) => p.proto = v,
                Some(("SPT", v)) => p.src_port = Some(v),
                Some(("DPT", v)) => p.dest_port = Some(v),
                Some(_) => {}
                None => match token {
                    "SYN" => p.syn = true,
                    "ACK" => p.ack = true,
                    _ => {}
                },
            }
        }
        p
    }

    fn record(&self) -> Result<Record, Skip> {
        let mut record = Record::new(SOURCETYPE);
        record.src_ip = Some(Addr::parse(self.src.ok_or_else(|| Skip::missing("SRC"))?));
        record.dest_ip = Some(Addr::parse(self.dest.ok_or_else(|| Skip::missing("DST"))?));
        record.src_port = self.src_port.and_then(parse_port);
        record.dest_port = self.dest_port.and_then(parse_port).unwrap_or(0);
        record.transport = transport_name(self.proto);
        record.direction = match (self.interface_in.is_empty(), self.interface_out.is_empty()) {
            (false, true) => Some(Direction::Inbound),
            (true, false) => Some(Direction::Outbound),
            _ => None,
        };
        if self.syn && self.ack {
            record.turn_around();
            record.direction = record.direction.map(|d| match d {
                Direction::Inbound => Direction::Outbound,
                Direction::Outbound => Direction::Inbound,
            });
        }
        Ok(record)
    }
}

/// The action a log prefix implies; see the module doc.
///
/// ```
/// use smb_egress::formats::iptables::prefix_action;
///
/// assert_eq!(prefix_action("kernel: [UFW BLOCK] "), "blocked");
/// assert_eq!(prefix_action("kernel: [WAN_OUT-2000-A]"), "allowed");
/// assert_eq!(prefix_action("[  132.172629] Inbound "), "unknown");
/// ```
pub fn prefix_action(prefix: &str) -> &'static str {
    if let Some(action) = ubiquiti_action(prefix) {
        return action;
    }
    const BLOCKED: [&str; 8] = [
        "drop", "dropped", "deny", "denied", "reject", "rejected", "block", "blocked",
    ];
    const ALLOWED: [&str; 5] = ["accept", "accepted", "allow", "allowed", "pass"];
    let words = || prefix.split(|c: char| !c.is_ascii_alphanumeric());
    let has = |list: &[&str]| words().any(|w| list.iter().any(|v| v.eq_ignore_ascii_case(w)));
    match (has(&BLOCKED), has(&ALLOWED)) {
        (true, false) => "blocked",
        (false, true) => "allowed",
        _ => UNKNOWN,
    }
}

/// The action of a bracketed `[NAME-RULE-X]` prefix whose last part is `A`, `D` or `R`.
fn ubiquiti_action(prefix: &str) -> Option<&'static str> {
    let mut groups = prefix.split('[').skip(1).filter_map(|g| g.split_once(']'));
    groups.find_map(|(inner, _)| {
        let (name, letter) = inner.rsplit_once('-')?;
        match letter {
            _ if name.is_empty() => None,
            "A" => Some("allowed"),
            "D" | "R" => Some("blocked"),
            _ => None,
        }
    })
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
    fn reads_a_logged_packet() {
        let r = parse("Jan  8 03:37:09 example-host kernel: iptables DROP_INPUT: IN=eth0 OUT= MAC=90:10:35:5a:1e:3a:90:10:9e:ec:2c:71:08:00 SRC=81.2.69.143 DST=172.16.54.114 LEN=52 TOS=0x00 PREC=0x00 TTL=115 ID=15743 DF PROTO=TCP SPT=17805 DPT=445 WINDOW=8192 RES=0x00 SYN URGP=0 ").unwrap();
        assert_eq!(r.src_ip.unwrap().to_string(), "81.2.69.143");
        assert_eq!(r.src_port, Some(17805));
        assert_eq!(r.dest_ip.unwrap().to_string(), "172.16.54.114");
        assert_eq!(r.dest_port, 445);
        assert_eq!(r.transport, "tcp");
        assert_eq!(r.action, "blocked");
        assert_eq!(r.direction, Some(Direction::Inbound));
        assert_eq!(r.established, None);
        assert_eq!(r.time, Some(1_704_685_029.0));
        assert_eq!(r.sourcetype, "linux:netfilter");
    }

    #[test]
    fn reads_only_the_outer_packet_of_icmp_errors() {
        let r = parse("Jan  8 03:37:09 DENY: IN=eth0 OUT= MAC=90 SRC=192.168.2.71 DST=192.168.2.83 LEN=88 PROTO=ICMP TYPE=3 CODE=3 [SRC=192.168.2.83 DST=192.168.173.191 LEN=60 PROTO=UDP SPT=21458 DPT=62936 LEN=40 ]").unwrap();
        assert_eq!(r.src_ip.unwrap().to_string(), "192.168.2.71");
        assert_eq!(r.dest_ip.unwrap().to_string(), "192.168.2.83");
        assert_eq!((r.src_port, r.dest_port), (None, 0));
        assert_eq!(r.transport, "icmp");
        assert_eq!(r.action, "blocked");
    }

    #[test]
    fn reads_dmesg_and_ipv6_lines() {
        let r = parse("[  262.459249] Inbound IN=ppp0 OUT= MAC= SRC=190.229.26.131 DST=186.124.5.61 LEN=48 PROTO=TCP SPT=3697 DPT=445 WINDOW=65535 RES=0x00 SYN URGP=0 ").unwrap();
        assert_eq!(r.time, None);
        assert_eq!(r.action, "unknown");
        assert_eq!(r.direction, Some(Direction::Inbound));
        let r = parse("Jan 22 10:52:34 ubuntu-bionic kernel: [  307.757925] IN= OUT=enp0s3 SRC=fe80:0000:0000:0000:0084:88ff:feae:790a DST=ff02:0000:0000:0000:0000:0000:0000:0016 LEN=96 PROTO=ICMPv6 TYPE=143 CODE=0").unwrap();
        assert_eq!(r.src_ip.unwrap().to_string(), "fe80::84:88ff:feae:790a");
        assert_eq!(r.dest_ip.unwrap().to_string(), "ff02::16");
        assert_eq!(r.direction, Some(Direction::Outbound));
    }

    #[test]
    fn turns_syn_ack_around() {
        let r = parse("kernel: [UFW ALLOW] IN= OUT=eth0 SRC=10.0.0.5 DST=81.2.69.160 PROTO=TCP SPT=445 DPT=50000 SYN ACK").unwrap();
        assert_eq!(r.src_ip.unwrap().to_string(), "81.2.69.160");
        assert_eq!((r.src_port, r.dest_port), (Some(50000), 445));
        assert_eq!(r.direction, Some(Direction::Inbound));
        assert_eq!(r.action, "allowed");
    }

    #[test]
    fn maps_prefixes() {
        let cases = [
            ("kernel: [wan-lan-default-D]", "blocked"),
            ("[LAN_LOCAL-default-A]", "allowed"),
            ("[SOMETHING-1234-R] ", "blocked"),
            ("kernel: [UFW BLOCK] ", "blocked"),
            ("kernel: [UFW AUDIT] ", "unknown"),
            ("ACCEPT-then-DROP ", "unknown"),
            ("dropbox-gw kernel: ", "unknown"),
            ("kernel: [16571.459614] ", "unknown"),
            ("kernel: [ 3.1] [WAN_IN-10-D]", "blocked"),
            ("", "unknown"),
        ];
        for (prefix, expected) in cases {
            assert_eq!(prefix_action(prefix), expected, "{prefix}");
        }
    }

    #[test]
    fn skips_lines_without_addresses() {
        let cases = [
            (
                "IN=eth0 OUT= DST=1.1.1.1 PROTO=TCP",
                SkipReason::MissingField,
            ),
            ("no fields here", SkipReason::MissingField),
            ("xIN=eth0 SRC=1.1.1.1", SkipReason::MissingField),
        ];
        for (line, reason) in cases {
            assert_eq!(parse(line).unwrap_err().reason, reason, "{line}");
        }
    }
}
