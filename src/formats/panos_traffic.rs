//! Palo Alto Networks PAN-OS TRAFFIC logs in the syslog CSV form.
//!
//! Specified by Palo Alto Networks' *PAN-OS Administrator's Guide*, "Syslog Field
//! Descriptions" → "Traffic Log Fields" (the field order below is the same from PAN-OS
//! 6.0 to 11.x; newer versions only add fields at the end, so older, shorter rows such
//! as the 46-field PAN-OS 6.0 layout read the same way). The CSV may follow any syslog
//! header; it is found by its shape: `FUTURE_USE,receive time,serial,TRAFFIC,...`.
//! Fields in double quotes (names with commas) are read as one field.
//!
//! | position | field | record |
//! | --- | --- | --- |
//! | 1 | receive time | `_time` when no start time |
//! | 3 / 4 | type / subtype (`start`, `end`, `drop`, `deny`) | only `TRAFFIC` rows are read |
//! | 6 | generated time | `_time` when no start time |
//! | 7 / 8 | source / destination address | `src_ip` / `dest_ip` |
//! | 9 / 10 | NAT source / destination | not used |
//! | 14 | application (`ms-ds-smb`, `incomplete`, ...) | `app` |
//! | 24 / 25 | source / destination port | `src_port` / `dest_port` |
//! | 29 | protocol | `transport` |
//! | 30 | action | `action` |
//! | 32 / 33 | bytes sent / received | `bytes_out` / `bytes_in` |
//! | 35 | start time | `_time` |
//! | 45 | packets received | `established` when above 0 |
//!
//! Addresses are the pre-NAT ones: the source is the host that opened the session as
//! the firewall saw it arrive, so an inside workstation keeps its private address
//! rather than the firewall's public one, and the destination is the server it asked
//! for. Times are written without a zone, in the firewall's own time; they are read
//! at the user's offset.
//!
//! The action column (`allow`, `deny`, `drop`, `drop-icmp`, `reset-client`,
//! `reset-server`, `reset-both`) gives `allowed` or `blocked`; a `drop` or `deny`
//! subtype (session refused by policy) makes the record `blocked` whatever the column
//! says. `bytes sent` is client-to-server, so the initiator's bytes. `established` is
//! true when the server sent packets back (`packets received` above 0). Rows of the
//! other log types (THREAT, SYSTEM, CONFIG, ...) are `not_connection`.

use super::{Ctx, Needle, Skip};
use crate::addr::Addr;
use crate::record::{Record, cim_action, parse_port, transport_name};
use crate::time::parse_iso8601;

const SOURCETYPE: &str = "pan:traffic";

/// The most fields a row is split into; later fields are not read.
const MAX_FIELDS: usize = 48;

const RECEIVE_TIME: usize = 1;
const TYPE: usize = 3;
const SUBTYPE: usize = 4;
const GENERATED_TIME: usize = 6;
const SRC: usize = 7;
const DEST: usize = 8;
const APP: usize = 14;
const SRC_PORT: usize = 24;
const DEST_PORT: usize = 25;
const PROTOCOL: usize = 29;
const ACTION: usize = 30;
const BYTES_SENT: usize = 32;
const BYTES_RECEIVED: usize = 33;
const START_TIME: usize = 35;
const PACKETS_RECEIVED: usize = 45;

/// The PAN-OS log types between commas; their rows share the leading columns.
static LOG_TYPES: [Needle; 14] = [
    Needle::new(b",TRAFFIC,"),
    Needle::new(b",THREAT,"),
    Needle::new(b",SYSTEM,"),
    Needle::new(b",CONFIG,"),
    Needle::new(b",HIPMATCH,"),
    Needle::new(b",CORRELATION,"),
    Needle::new(b",USERID,"),
    Needle::new(b",GLOBALPROTECT,"),
    Needle::new(b",DECRYPTION,"),
    Needle::new(b",AUTHENTICATION,"),
    Needle::new(b",TUNNEL,"),
    Needle::new(b",GTP,"),
    Needle::new(b",SCTP,"),
    Needle::new(b",IPTAG,"),
];

/// Whether the line holds a PAN-OS CSV row.
pub fn is_line(line: &str) -> bool {
    csv_start(line).is_some()
}

/// Parses one PAN-OS syslog line.
pub fn parse_line(line: &str, ctx: &mut Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    let start = csv_start(line).ok_or_else(|| Skip::malformed("no PAN-OS CSV row"))?;
    let mut fields = [""; MAX_FIELDS];
    let count = split_csv(&line[start..], &mut fields);
    let fields = &fields[..count];
    let log_type = fields.get(TYPE).copied().unwrap_or("");
    if log_type != "TRAFFIC" {
        return Err(Skip::not_connection(format!("{log_type} log")));
    }
    if count <= ACTION {
        return Err(Skip::malformed(format!("TRAFFIC row of {count} fields")));
    }
    out.push(record(fields, ctx));
    Ok(())
}

fn record(fields: &[&str], ctx: &Ctx) -> Record {
    let field = |i: usize| fields.get(i).copied().unwrap_or("");
    let number = |i: usize| field(i).parse::<u64>().ok();
    let mut record = Record::new(SOURCETYPE);
    record.src_ip = Some(Addr::parse(field(SRC)));
    record.dest_ip = Some(Addr::parse(field(DEST)));
    record.src_port = parse_port(field(SRC_PORT));
    record.dest_port = parse_port(field(DEST_PORT)).unwrap_or(0);
    record.transport = transport_name(field(PROTOCOL));
    record.app = Some(field(APP))
        .filter(|a| !a.is_empty())
        .map(str::to_owned);
    record.action = action(field(SUBTYPE), field(ACTION)).to_owned();
    record.bytes_out = number(BYTES_SENT);
    record.bytes_in = number(BYTES_RECEIVED);
    record.established = number(PACKETS_RECEIVED).filter(|p| *p > 0).map(|_| true);
    record.time = [START_TIME, GENERATED_TIME, RECEIVE_TIME]
        .into_iter()
        .find_map(|i| parse_time(field(i), ctx.offset));
    record
}

/// The CIM action of a row's subtype and action column.
fn action(subtype: &str, verb: &str) -> &'static str {
    if matches!(subtype, "drop" | "deny") {
        return "blocked";
    }
    let verb = verb.trim();
    if verb.starts_with("reset-") || verb.starts_with("drop-") {
        return "blocked";
    }
    cim_action(verb)
}

/// Reads `YYYY/MM/DD HH:MM:SS` at `offset` seconds from UTC.
fn parse_time(text: &str, offset: i32) -> Option<f64> {
    let bytes = text.as_bytes();
    if bytes.len() != 19 || bytes[4] != b'/' || bytes[7] != b'/' {
        return None;
    }
    let mut iso = [0u8; 19];
    iso.copy_from_slice(bytes);
    iso[4] = b'-';
    iso[7] = b'-';
    let iso = std::str::from_utf8(&iso).ok()?;
    parse_iso8601(iso, offset).filter(|t| *t > 0.0)
}

/// The byte index where the CSV row starts, if the line holds one: the field before
/// `,receive time,serial,TYPE,`, after the last space before it.
fn csv_start(line: &str) -> Option<usize> {
    LOG_TYPES.iter().find_map(|t| row_start_for(line, t))
}

fn row_start_for(line: &str, needle: &Needle) -> Option<usize> {
    let at = needle.find(line.as_bytes())?;
    let serial_start = line[..at].rfind(',')? + 1;
    let time_start = line[..serial_start - 1].rfind(',')? + 1;
    if !looks_like_time(&line[time_start..serial_start - 1]) {
        return None;
    }
    let field_start = line[..time_start - 1]
        .rfind([' ', '>'])
        .map_or(0, |i| i + 1);
    Some(field_start)
}

fn looks_like_time(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 19
        && b[4] == b'/'
        && b[7] == b'/'
        && b[10] == b' '
        && b[..4].iter().all(u8::is_ascii_digit)
}

/// Splits a CSV row into `fields`, returning how many were filled. Quoted fields lose
/// their quotes (a doubled `""` inside stays doubled); fields past the array are not
/// split.
fn split_csv<'a>(row: &'a str, fields: &mut [&'a str]) -> usize {
    let bytes = row.as_bytes();
    let mut count = 0;
    let mut pos = 0;
    while count < fields.len() {
        let (field, next) = if bytes.get(pos) == Some(&b'"') {
            quoted_field(row, pos + 1)
        } else {
            let end = memchr::memchr(b',', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
            (&row[pos..end], end)
        };
        fields[count] = field.trim_end_matches(['\r', '\n']);
        count += 1;
        if next >= bytes.len() {
            break;
        }
        pos = next + 1;
    }
    count
}

/// A quoted field starting after its `"` at `start`: the field and the index of the
/// comma (or end) after it.
fn quoted_field(row: &str, start: usize) -> (&str, usize) {
    let bytes = row.as_bytes();
    let mut i = start;
    while i < bytes.len() {
        if bytes[i] == b'"' {
            if bytes.get(i + 1) == Some(&b'"') {
                i += 2;
                continue;
            }
            let next = memchr::memchr(b',', &bytes[i..]).map_or(bytes.len(), |j| i + j);
            return (&row[start..i], next);
        }
        i += 1;
    }
    (&row[start..], bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::SkipReason;

    const END: &str = "Nov 30 16:09:08 PA-220 1,2018/11/30 16:09:07,012801096514,TRAFFIC,end,2049,2018/11/30 16:09:07,192.168.15.207,175.16.199.1,192.168.1.63,175.16.199.1,new_outbound_from_trust,,,apple-maps,vsys1,trust,untrust,ethernet1/2,ethernet1/1,send_to_mac,2018/11/30 16:09:07,22751,1,55113,443,16418,443,0x400053,tcp,allow,7734,1758,5976,36,2018/11/30 15:59:04,586,computer-and-internet-info,0,32091112,0x0,192.168.0.0-192.168.255.255,United States,0,16,20,tcp-fin,0,0,0,0,,PA-220,from-policy,,,0,,0,,N/A,0,0,0,0";

    fn parse(line: &str) -> Result<Record, Skip> {
        let mut ctx = Ctx::new(2024, 0);
        let mut out = Vec::new();
        parse_line(line, &mut ctx, &mut out)?;
        Ok(out.remove(0))
    }

    #[test]
    fn reads_a_traffic_row() {
        let r = parse(END).unwrap();
        assert_eq!(r.src_ip.unwrap().to_string(), "192.168.15.207");
        assert_eq!(r.src_port, Some(55113));
        assert_eq!(r.dest_ip.unwrap().to_string(), "175.16.199.1");
        assert_eq!(r.dest_port, 443);
        assert_eq!(r.transport, "tcp");
        assert_eq!(r.app.as_deref(), Some("apple-maps"));
        assert_eq!(r.action, "allowed");
        assert_eq!((r.bytes_out, r.bytes_in), (Some(1758), Some(5976)));
        assert_eq!(r.established, Some(true));
        assert_eq!(r.time, Some(1_543_593_544.0));
        assert_eq!(r.sourcetype, "pan:traffic");
    }

    #[test]
    fn maps_actions_and_subtypes() {
        let cases = [
            ("end", "allow", "allowed"),
            ("end", "deny", "blocked"),
            ("end", "drop", "blocked"),
            ("end", "reset-both", "blocked"),
            ("end", "drop-icmp", "blocked"),
            ("drop", "allow", "blocked"),
            ("deny", "allow", "blocked"),
            ("start", "allow", "allowed"),
            ("", "allow", "allowed"),
            ("end", "alert", "unknown"),
        ];
        for (subtype, verb, expected) in cases {
            assert_eq!(action(subtype, verb), expected, "{subtype} {verb}");
        }
    }

    #[test]
    fn reads_the_short_six_zero_layout_and_quotes() {
        let line = "<14>Jan  5 12:51:34 PAN1 1,2015/01/05 12:51:33,0011C103117,TRAFFIC,end,1,2015/01/05 12:51:33,10.0.0.39,10.1.0.163,0.0.0.0,0.0.0.0,\"Rule, with comma\",,example\\user.name,ms-ds-smb,vsys1,v_external,v_internal,ethernet1/2,ethernet1/1,LOG-Default,2015/01/05 12:51:33,33760927,1,52688,445,0,0,0x401a,tcp,allow,2229,1287,942,10,2015/01/05 12:51:01,30,any,0,17754932062,0x0,10.0.0.0-10.255.255.255,10.0.0.0-10.255.255.255,0,6,4";
        let r = parse(line).unwrap();
        assert_eq!(r.app.as_deref(), Some("ms-ds-smb"));
        assert_eq!(r.dest_port, 445);
        assert_eq!(r.time, Some(1_420_462_261.0));
        assert_eq!(r.established, Some(true));
    }

    #[test]
    fn skips_other_types_and_short_rows() {
        let threat = END.replacen(",TRAFFIC,end,", ",THREAT,url,", 1);
        assert_eq!(
            parse(&threat).unwrap_err().reason,
            SkipReason::NotConnection
        );
        let short = "1,2018/11/30 16:09:07,0128,TRAFFIC,end,2049,2018/11/30 16:09:07,1.1.1.1";
        assert_eq!(parse(short).unwrap_err().reason, SkipReason::Malformed);
        assert!(!is_line("a,TRAFFIC,b"));
        assert!(!is_line(",,TRAFFIC,"));
    }

    #[test]
    fn never_panics_on_truncated_lines() {
        for end in 0..=END.len() {
            let _ = parse(&END[..end]);
        }
    }
}
