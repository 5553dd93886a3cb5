//! Windows Firewall (Windows Defender Firewall with Advanced Security) log,
//! `pfirewall.log`, in the W3C extended log format.
//!
//! Specified by Microsoft's "Configure Windows Firewall logging" and "Windows Firewall
//! log file format" pages (learn.microsoft.com), and the W3C working draft "Extended Log
//! File Format" for the header lines. The file starts with `#Version`, `#Software`,
//! `#Time Format: Local` and `#Fields:`; [`header_line`] reads `#Fields:` into a
//! [`Layout`]. Rows are space-separated and `-` marks an empty field. Rows without a
//! header (a copied excerpt) are recognized by [`is_line`] and read in the default
//! column order:
//!
//! `date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn
//! tcpack tcpwin icmptype icmpcode info path` (newer Windows versions add `pid`).
//!
//! | record field | column |
//! | --- | --- |
//! | `_time` | `date` and `time`, local time without a zone: read at the input's offset |
//! | `action` | `ALLOW` → `allowed`, `DROP` → `blocked` (`INFO-EVENTS-LOST` rows give `not_connection`) |
//! | `transport` | `protocol` (`TCP`, `UDP`, `ICMP`, or a number) |
//! | `src_ip`, `src_port` | `src-ip`, `src-port` |
//! | `dest_ip`, `dest_port` | `dst-ip`, `dst-port` |
//! | `direction` | `path`: `SEND` → outbound, `RECEIVE` → inbound, others (`FORWARD`) → none |
//!
//! The firewall logs the connection's first packet as the filtering platform saw it:
//! for `SEND` the local host is the source, for `RECEIVE` the remote host that opened
//! the connection is. So the addresses as written are initiator and responder in both
//! cases and rows are never turned around; `direction` tells which side is local.
//! `size` is that one packet's size, not the connection's bytes, so no byte counts are
//! given, and one packet cannot show a handshake, so `established` is unknown. A row
//! cut short after `dst-port` (no `path`) is still read, without a direction.

use super::{Ctx, Skip, SkipReason};
use crate::addr::Addr;
use crate::record::{Direction, Record, UNKNOWN, cim_action, parse_port, transport_name};
use crate::time::parse_iso8601;

const SOURCETYPE: &str = "windows:firewall";

/// The columns the parser reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Date,
    Time,
    Action,
    Protocol,
    SrcIp,
    DstIp,
    SrcPort,
    DstPort,
    Path,
}

const COLUMN_COUNT: usize = 9;

impl Column {
    const ALL: [Column; COLUMN_COUNT] = [
        Column::Date,
        Column::Time,
        Column::Action,
        Column::Protocol,
        Column::SrcIp,
        Column::DstIp,
        Column::SrcPort,
        Column::DstPort,
        Column::Path,
    ];

    fn name(self) -> &'static str {
        match self {
            Column::Date => "date",
            Column::Time => "time",
            Column::Action => "action",
            Column::Protocol => "protocol",
            Column::SrcIp => "src-ip",
            Column::DstIp => "dst-ip",
            Column::SrcPort => "src-port",
            Column::DstPort => "dst-port",
            Column::Path => "path",
        }
    }
}

/// The default column order of pfirewall.log.
const DEFAULT_FIELDS: [&str; 17] = [
    "date", "time", "action", "protocol", "src-ip", "dst-ip", "src-port", "dst-port", "size",
    "tcpflags", "tcpsyn", "tcpack", "tcpwin", "icmptype", "icmpcode", "info", "path",
];

/// The layout a `#Fields:` header gave.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layout {
    /// Column names.
    pub fields: Vec<String>,
    /// Index of each column the parser reads, in the order of `Column::ALL`.
    positions: [Option<usize>; COLUMN_COUNT],
}

impl Layout {
    fn new<'a>(fields: impl Iterator<Item = &'a str>) -> Layout {
        let fields: Vec<String> = fields.map(str::to_owned).collect();
        let mut positions = [None; COLUMN_COUNT];
        for (slot, column) in positions.iter_mut().zip(Column::ALL) {
            *slot = fields
                .iter()
                .position(|f| f.eq_ignore_ascii_case(column.name()));
        }
        Layout { fields, positions }
    }

    fn position(&self, column: Column) -> Option<usize> {
        self.positions[column as usize]
    }

    /// The last column a row needs to describe a connection.
    fn required(&self) -> usize {
        let needed = [
            Column::Action,
            Column::SrcIp,
            Column::DstIp,
            Column::DstPort,
        ];
        needed
            .iter()
            .filter_map(|c| self.position(*c))
            .max()
            .unwrap_or(0)
    }
}

fn default_layout() -> &'static Layout {
    static DEFAULT: std::sync::OnceLock<Layout> = std::sync::OnceLock::new();
    DEFAULT.get_or_init(|| Layout::new(DEFAULT_FIELDS.into_iter()))
}

/// Reads a header line into `layout`; true when the line was the `#Fields:` line.
///
/// ```
/// use smb_egress::formats::windows_firewall::header_line;
///
/// let mut layout = None;
/// assert!(header_line("#Fields: date time action protocol src-ip dst-ip", &mut layout));
/// assert_eq!(layout.unwrap().fields.len(), 6);
/// assert!(!header_line("#Version: 1.5", &mut None));
/// ```
pub fn header_line(line: &str, layout: &mut Option<Layout>) -> bool {
    let Some(fields) = line.strip_prefix("#Fields:") else {
        return false;
    };
    *layout = Some(Layout::new(fields.split_ascii_whitespace()));
    true
}

/// Whether the line looks like a pfirewall.log row in the default column order: a
/// date, a time, then `ALLOW`, `DROP` or `INFO-EVENTS-LOST`.
///
/// ```
/// use smb_egress::formats::windows_firewall::is_line;
///
/// assert!(is_line("2022-11-11 16:58:57 ALLOW TCP 10.1.2.3 81.2.69.160 63695 445 0 - 0 0 0 - - - SEND"));
/// assert!(!is_line("2022-11-11 16:58:57 accepted TCP 10.1.2.3"));
/// ```
pub fn is_line(line: &str) -> bool {
    let mut parts = line.split_ascii_whitespace();
    let (Some(date), Some(time), Some(action)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    is_date(date)
        && is_time(time)
        && matches!(action, "ALLOW" | "DROP" | "INFO-EVENTS-LOST")
        && (action == "INFO-EVENTS-LOST" || parts.nth(4).is_some())
}

/// Parses one row in the default column order.
pub fn parse_line(line: &str, ctx: &mut Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    parse_row(line, default_layout(), ctx, out)
}

/// Parses a row under a header's layout.
pub fn parse_row(
    line: &str,
    layout: &Layout,
    ctx: &mut Ctx,
    out: &mut Vec<Record>,
) -> Result<(), Skip> {
    let mut values = [None; COLUMN_COUNT];
    let mut count = 0;
    for (i, value) in line.split_ascii_whitespace().enumerate() {
        count = i + 1;
        for (slot, position) in values.iter_mut().zip(layout.positions) {
            if position == Some(i) && value != "-" {
                *slot = Some(value);
            }
        }
    }
    if count == 0 {
        return Err(Skip::new(SkipReason::Unrecognized, "empty line"));
    }
    let get = |c: Column| values[c as usize];
    let action = get(Column::Action).ok_or_else(|| Skip::missing("action"))?;
    if action.eq_ignore_ascii_case("INFO-EVENTS-LOST") {
        return Err(Skip::not_connection("events lost notice"));
    }
    if count <= layout.required() {
        return Err(Skip::malformed(format!(
            "row of {count} fields is cut before the addresses and ports"
        )));
    }
    out.push(record(&values, action, ctx)?);
    Ok(())
}

fn record(values: &[Option<&str>; COLUMN_COUNT], action: &str, ctx: &Ctx) -> Result<Record, Skip> {
    let get = |c: Column| values[c as usize];
    let mut record = Record::new(SOURCETYPE);
    record.src_ip = get(Column::SrcIp).map(Addr::parse);
    record.dest_ip = get(Column::DstIp).map(Addr::parse);
    if record.src_ip.is_none() && record.dest_ip.is_none() {
        return Err(Skip::missing("src-ip"));
    }
    record.src_port = get(Column::SrcPort).and_then(parse_port);
    record.dest_port = get(Column::DstPort).and_then(parse_port).unwrap_or(0);
    record.transport = get(Column::Protocol).map_or_else(|| UNKNOWN.to_owned(), transport_name);
    record.action = cim_action(action).to_owned();
    record.direction = match get(Column::Path) {
        Some(p) if p.eq_ignore_ascii_case("SEND") => Some(Direction::Outbound),
        Some(p) if p.eq_ignore_ascii_case("RECEIVE") => Some(Direction::Inbound),
        _ => None,
    };
    record.time = match (get(Column::Date), get(Column::Time)) {
        (Some(date), Some(time)) => local_time(date, time, ctx.offset),
        _ => None,
    };
    Ok(record)
}

/// Reads `2019-11-06` and `12:35:19` as a time at `offset` seconds from UTC.
fn local_time(date: &str, time: &str, offset: i32) -> Option<f64> {
    if !is_date(date) || time.len() > 32 {
        return None;
    }
    let mut buf = [0u8; 43];
    let len = date.len() + 1 + time.len();
    let target = buf.get_mut(..len)?;
    target[..date.len()].copy_from_slice(date.as_bytes());
    target[date.len()] = b'T';
    target[date.len() + 1..].copy_from_slice(time.as_bytes());
    parse_iso8601(std::str::from_utf8(target).ok()?, offset)
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

fn is_time(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 8 && b[2] == b':' && b[5] == b':' && b[..2].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::{FileState, Format, parse_line as dispatch};

    fn row(line: &str, layout: &Layout) -> Result<Record, Skip> {
        let mut out = Vec::new();
        parse_row(line, layout, &mut Ctx::new(2024, 0), &mut out)?;
        assert_eq!(out.len(), 1);
        Ok(out.remove(0))
    }

    #[test]
    fn maps_a_send_row() {
        let line =
            "2022-11-11 16:58:57 ALLOW TCP 172.168.9.2 192.168.1.79 63695 445 0 - 0 0 0 - - - SEND";
        assert!(is_line(line));
        let r = row(line, default_layout()).unwrap();
        assert_eq!(r.src_ip.unwrap().to_string(), "172.168.9.2");
        assert_eq!(r.src_port, Some(63695));
        assert_eq!(r.dest_ip.unwrap().to_string(), "192.168.1.79");
        assert_eq!(r.dest_port, 445);
        assert_eq!(r.transport, "tcp");
        assert_eq!(r.action, "allowed");
        assert_eq!(r.direction, Some(Direction::Outbound));
        assert_eq!(r.time, Some(1668185937.0));
        assert_eq!((r.established, r.bytes_out), (None, None));
        assert_eq!(r.sourcetype, "windows:firewall");
    }

    #[test]
    fn actions_and_paths() {
        let cases = [
            ("ALLOW", "SEND", "allowed", Some(Direction::Outbound)),
            ("DROP", "RECEIVE", "blocked", Some(Direction::Inbound)),
            ("ALLOW", "FORWARD", "allowed", None),
            ("DROP", "-", "blocked", None),
        ];
        for (action, path, want_action, want_direction) in cases {
            let line = format!(
                "2019-11-06 12:35:19 {action} UDP 5.5.3.197 224.0.0.251 5353 5353 59 - - - - - - - {path}"
            );
            let r = row(&line, default_layout()).unwrap();
            assert_eq!(r.action, want_action, "{line}");
            assert_eq!(r.direction, want_direction, "{line}");
            assert_eq!(
                r.src_ip.unwrap().to_string(),
                "5.5.3.197",
                "never turned around"
            );
        }
    }

    #[test]
    fn times_are_local_at_the_offset() {
        let line = "2022-11-11 16:58:57 ALLOW TCP 10.0.0.1 8.8.8.8 1 445 0 - 0 0 0 - - - SEND";
        let mut out = Vec::new();
        parse_row(line, default_layout(), &mut Ctx::new(2024, 3600), &mut out).unwrap();
        assert_eq!(out[0].time, Some(1668185937.0 - 3600.0));
    }

    #[test]
    fn header_columns_in_another_order_with_pid() {
        let mut layout = None;
        header_line(
            "#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path pid",
            &mut layout,
        );
        let layout = layout.unwrap();
        let r = row(
            "2024-02-27 10:00:00 ALLOW TCP 10.1.2.3 81.2.69.160 50100 445 52 S 1 0 64240 - - - SEND 4",
            &layout,
        )
        .unwrap();
        assert_eq!(r.dest_port, 445);
        let mut reordered = None;
        header_line(
            "#Fields: action path dst-ip src-ip dst-port date time",
            &mut reordered,
        );
        let r = row(
            "DROP RECEIVE 10.0.0.1 81.2.69.160 445 2024-02-27 10:00:00",
            &reordered.unwrap(),
        )
        .unwrap();
        assert_eq!(r.src_ip.unwrap().to_string(), "81.2.69.160");
        assert_eq!(r.dest_port, 445);
        assert_eq!(r.direction, Some(Direction::Inbound));
        assert_eq!(r.time, Some(1709028000.0));
    }

    #[test]
    fn short_and_odd_rows() {
        let truncated = "2019-11-06 12:35:19 DROP UDP fe80::3680:dff:fe01:9e88 ff02::fb 5353 5353 89 - - - - - - ";
        let r = row(truncated, default_layout()).unwrap();
        assert_eq!(r.direction, None);
        assert_eq!(r.dest_ip.unwrap().to_string(), "ff02::fb");
        let cut = "2019-11-06 12:35:19 DROP UDP 10.0.0.1 8.8.8.8 5353";
        assert_eq!(
            row(cut, default_layout()).unwrap_err().reason,
            SkipReason::Malformed
        );
        let lost = "2019-11-06 12:35:19 INFO-EVENTS-LOST - - - - - - - - - - - - 5 -";
        assert!(is_line(lost));
        assert_eq!(
            row(lost, default_layout()).unwrap_err().reason,
            SkipReason::NotConnection
        );
        assert_eq!(
            row("", default_layout()).unwrap_err().reason,
            SkipReason::Unrecognized
        );
        let no_addr = "2019-11-06 12:35:19 DROP UDP - - 1 2 0 - - - - - - - SEND";
        assert_eq!(
            row(no_addr, default_layout()).unwrap_err().reason,
            SkipReason::MissingField
        );
        let icmp = "2019-11-06 12:35:19 DROP ICMP 10.0.0.1 10.0.0.2 - - 60 - - - - 8 0 - RECEIVE";
        let r = row(icmp, default_layout()).unwrap();
        assert_eq!(
            (r.src_port, r.dest_port, r.transport.as_str()),
            (None, 0, "icmp")
        );
        let bad_time = "2019-13-99 99:99:99 DROP TCP 10.0.0.1 10.0.0.2 1 2";
        assert_eq!(row(bad_time, default_layout()).unwrap().time, None);
    }

    #[test]
    fn sniffing() {
        for line in [
            "2019-11-06 12:35:19 DROP",
            "Nov  6 12:35:19 host DROP TCP",
            "2019-11-06T12:35:19 ALLOW TCP 1 2 3 4",
            "2019-11-06 12:35 ALLOW TCP 1 2 3 4",
            "",
        ] {
            assert!(!is_line(line), "{line}");
        }
    }

    #[test]
    fn dispatch_uses_the_header_then_the_rows() {
        let mut file = FileState::default();
        let mut ctx = Ctx::new(2024, 0);
        let mut out = Vec::new();
        for line in [
            "#Version: 1.5",
            "#Software: Microsoft Windows Firewall",
            "#Time Format: Local",
        ] {
            assert_eq!(
                dispatch(line, &mut file, None, &mut ctx, &mut out),
                Ok(None)
            );
        }
        let fields = "#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path";
        assert_eq!(
            dispatch(fields, &mut file, None, &mut ctx, &mut out),
            Ok(None)
        );
        let line =
            "2019-11-06 12:35:19 DROP UDP 5.5.3.197 224.0.0.251 5353 5353 59 - - - - - - - RECEIVE";
        let parsed = dispatch(line, &mut file, None, &mut ctx, &mut out);
        assert_eq!(parsed, Ok(Some(Format::WindowsFirewall)));
        let mut bare = FileState::default();
        let parsed = dispatch(line, &mut bare, None, &mut ctx, &mut out);
        assert_eq!(parsed, Ok(Some(Format::WindowsFirewall)));
        assert_eq!(out.len(), 2);
    }

    proptest::proptest! {
        #[test]
        fn rows_never_panic(line in "(20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9:]{8} (ALLOW|DROP|INFO-EVENTS-LOST) )?[-A-Za-z0-9:. ]{0,80}") {
            if is_line(&line) {
                let _ = parse_line(&line, &mut Ctx::new(2024, 0), &mut Vec::new());
            }
            let _ = parse_row(&line, default_layout(), &mut Ctx::new(2024, 0), &mut Vec::new());
        }
    }
}
