//! AWS VPC Flow Logs, space-separated: the default format and custom formats.
//!
//! Specified by the Amazon VPC user guide, "Flow log records" and "Available fields"
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html>). A record
//! describes the packets of one direction of a flow seen at one network interface
//! during an aggregation interval.
//!
//! # Layouts
//!
//! - A header line naming the fields (`version account-id interface-id srcaddr …`, as
//!   S3 delivery writes it; `${srcaddr}` and `account_id` spellings are accepted) gives
//!   a custom layout for the rows below it ([`header_line`], [`parse_row`]).
//! - Rows without a header ([`is_line`], [`parse_line`]) are read by their number of
//!   fields. The default format is the 14 version-2 fields. The `version` field of a
//!   record is the highest version among the fields chosen, not a layout, so a row of
//!   another width is read as the documented field list up to a version (21 fields:
//!   version 3, 25: version 4, 29: version 5, 39: version 7, 40: version 8), the only
//!   layouts the documentation defines without a header. The corpus's version-5 row
//!   (29 fields) and its 40-field row marked version 3 are read this way.
//!
//! # Mapping
//!
//! | record field | field |
//! | --- | --- |
//! | `_time` | `start` (epoch seconds), else `end` |
//! | `src_ip`, `dest_ip` | `pkt-srcaddr`, `pkt-dstaddr` when present, else `srcaddr`, `dstaddr` |
//! | `src_port`, `dest_port` | `srcport`, `dstport` (none for ICMP, where AWS writes 0) |
//! | `transport` | `protocol` (IANA number) |
//! | `bytes_out` | `bytes` (sent by the record's source) |
//! | `action` | `ACCEPT` → `allowed`, `REJECT` → `blocked` |
//! | `direction` | `flow-direction`: `ingress` → inbound, `egress` → outbound |
//!
//! `pkt-srcaddr`/`pkt-dstaddr` are the packet's own addresses; `srcaddr`/`dstaddr` are
//! those of the interface's side of an intermediate hop. At a NAT gateway's interface,
//! a workstation's packet to the Internet has `dstaddr` = the gateway and
//! `pkt-dstaddr` = the Internet host, so the packet-level pair is the one that shows
//! the workstation reaching the Internet.
//!
//! Each direction of a connection is its own record, and a single record cannot show
//! who opened the connection, except through `tcp-flags` (version 3): the SYN-ACK bit
//! (18) is only set on the responder's packets, so a TCP record with it is turned
//! around (its source is the responder) and is `established`. A `REJECT` record is not
//! established; otherwise `established` is unknown. Rows whose `log-status` is
//! `NODATA` or `SKIPDATA` describe no connection and give `not_connection`.

use std::sync::OnceLock;

use super::{Ctx, Needle, Skip, SkipReason};
use crate::addr::Addr;
use crate::record::{Direction, Record, cim_action, parse_port, transport_name};
use crate::time::parse_epoch;

const SOURCETYPE: &str = "aws:cloudwatchlogs:vpcflow";

/// Every field, in the order of the documentation (versions 2, 3, 4, 5, 7, 8).
const ALL_FIELDS: [&str; 40] = [
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
    "vpc-id",
    "subnet-id",
    "instance-id",
    "tcp-flags",
    "type",
    "pkt-srcaddr",
    "pkt-dstaddr",
    "region",
    "az-id",
    "sublocation-type",
    "sublocation-id",
    "pkt-src-aws-service",
    "pkt-dst-aws-service",
    "flow-direction",
    "traffic-path",
    "ecs-cluster-arn",
    "ecs-cluster-name",
    "ecs-container-instance-arn",
    "ecs-container-instance-id",
    "ecs-container-id",
    "ecs-second-container-id",
    "ecs-service-name",
    "ecs-task-definition-arn",
    "ecs-task-arn",
    "ecs-task-id",
    "reject-reason",
];

/// Widths of the documented field lists up to versions 2, 3, 4, 5, 7 and 8.
const HEADERLESS_WIDTHS: [usize; 6] = [14, 21, 25, 29, 39, 40];

/// The fields the parser reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Col {
    SrcAddr,
    DstAddr,
    SrcPort,
    DstPort,
    Protocol,
    Bytes,
    Start,
    End,
    Action,
    LogStatus,
    TcpFlags,
    PktSrcAddr,
    PktDstAddr,
    FlowDirection,
}

const COL_COUNT: usize = 14;

impl Col {
    const ALL: [Col; COL_COUNT] = [
        Col::SrcAddr,
        Col::DstAddr,
        Col::SrcPort,
        Col::DstPort,
        Col::Protocol,
        Col::Bytes,
        Col::Start,
        Col::End,
        Col::Action,
        Col::LogStatus,
        Col::TcpFlags,
        Col::PktSrcAddr,
        Col::PktDstAddr,
        Col::FlowDirection,
    ];

    fn name(self) -> &'static str {
        match self {
            Col::SrcAddr => "srcaddr",
            Col::DstAddr => "dstaddr",
            Col::SrcPort => "srcport",
            Col::DstPort => "dstport",
            Col::Protocol => "protocol",
            Col::Bytes => "bytes",
            Col::Start => "start",
            Col::End => "end",
            Col::Action => "action",
            Col::LogStatus => "log-status",
            Col::TcpFlags => "tcp-flags",
            Col::PktSrcAddr => "pkt-srcaddr",
            Col::PktDstAddr => "pkt-dstaddr",
            Col::FlowDirection => "flow-direction",
        }
    }
}

/// The layout a header gave.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layout {
    /// Column names, normalized (`account-id`, not `${account-id}` or `account_id`).
    pub fields: Vec<String>,
    positions: [Option<usize>; COL_COUNT],
}

impl Layout {
    fn new(fields: Vec<String>) -> Layout {
        let mut positions = [None; COL_COUNT];
        for (slot, col) in positions.iter_mut().zip(Col::ALL) {
            *slot = fields.iter().position(|f| f == col.name());
        }
        Layout { fields, positions }
    }
}

/// The documented layout of a headerless row of `width` fields.
fn headerless_layout(width: usize) -> Option<&'static Layout> {
    static LAYOUTS: OnceLock<Vec<Layout>> = OnceLock::new();
    let layouts = LAYOUTS.get_or_init(|| {
        HEADERLESS_WIDTHS
            .iter()
            .map(|&n| Layout::new(ALL_FIELDS[..n].iter().map(|f| (*f).to_owned()).collect()))
            .collect()
    });
    let index = HEADERLESS_WIDTHS.iter().position(|&n| n == width)?;
    layouts.get(index)
}

/// A header token as the documentation spells it: `${srcaddr}` and `account_id` are
/// read as `srcaddr` and `account-id`.
fn normalize(token: &str) -> String {
    let bare = token
        .strip_prefix("${")
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(token);
    bare.replace('_', "-")
}

/// Reads a header line into `layout`; true when the line was one: every token a field
/// name, with a source and a destination address among them.
///
/// ```
/// use smb_egress::formats::aws_vpc_flow::header_line;
///
/// let mut layout = None;
/// assert!(header_line("version srcaddr dstaddr dstport action log-status", &mut layout));
/// assert_eq!(layout.unwrap().fields.len(), 6);
/// assert!(!header_line("2 123456789010 eni-1 10.0.0.1 8.8.8.8", &mut None));
/// ```
pub fn header_line(line: &str, layout: &mut Option<Layout>) -> bool {
    static SRC: Needle = Needle::new(b"srcaddr");
    static DEST: Needle = Needle::new(b"dstaddr");
    if !SRC.is_in(line.as_bytes()) || !DEST.is_in(line.as_bytes()) {
        return false;
    }
    let fields: Vec<String> = line.split_ascii_whitespace().map(normalize).collect();
    let names_only = fields.iter().all(|f| {
        !f.is_empty()
            && f.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    });
    let found = Layout::new(fields);
    let has = |a: Col, b: Col| found.positions[a as usize].or(found.positions[b as usize]);
    let addresses = has(Col::SrcAddr, Col::PktSrcAddr).and(has(Col::DstAddr, Col::PktDstAddr));
    if !names_only || addresses.is_none() {
        return false;
    }
    *layout = Some(found);
    true
}

/// Whether the line looks like a headerless flow log row: a documented width, a
/// numeric version first, and `action`/`log-status` where the documented order puts
/// them.
///
/// ```
/// use smb_egress::formats::aws_vpc_flow::is_line;
///
/// assert!(is_line("2 123456789010 eni-1235b8ca123456789 10.0.0.5 81.2.69.160 49761 445 6 20 4249 1418530010 1418530070 ACCEPT OK"));
/// assert!(!is_line("2 123456789010 eni-1235b8ca123456789 10.0.0.5 81.2.69.160"));
/// ```
pub fn is_line(line: &str) -> bool {
    if !line.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    let mut count = 0;
    let mut shape = true;
    for (i, token) in line.split_ascii_whitespace().enumerate() {
        count = i + 1;
        shape &= match i {
            0 => token.bytes().all(|b| b.is_ascii_digit()),
            12 => matches!(token, "ACCEPT" | "REJECT" | "-"),
            13 => matches!(token, "OK" | "NODATA" | "SKIPDATA"),
            _ => true,
        };
    }
    shape && HEADERLESS_WIDTHS.contains(&count)
}

/// Parses one headerless row, in the documented layout of its width.
pub fn parse_line(line: &str, ctx: &mut Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    let width = line.split_ascii_whitespace().count();
    let layout = headerless_layout(width).ok_or_else(|| {
        Skip::malformed(format!(
            "flow log row of {width} fields has no documented layout"
        ))
    })?;
    parse_row(line, layout, ctx, out)
}

/// Parses a row under a header's layout.
pub fn parse_row(
    line: &str,
    layout: &Layout,
    _ctx: &mut Ctx,
    out: &mut Vec<Record>,
) -> Result<(), Skip> {
    let mut values = [None; COL_COUNT];
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
    if count != layout.fields.len() {
        return Err(Skip::malformed(format!(
            "flow log row has {count} fields, its layout {}",
            layout.fields.len()
        )));
    }
    if let Some(status @ ("NODATA" | "SKIPDATA")) = values[Col::LogStatus as usize] {
        return Err(Skip::not_connection(format!("{status} record")));
    }
    out.push(record(&values)?);
    Ok(())
}

fn record(values: &[Option<&str>; COL_COUNT]) -> Result<Record, Skip> {
    let get = |c: Col| values[c as usize];
    let mut record = Record::new(SOURCETYPE);
    let src = get(Col::PktSrcAddr).or(get(Col::SrcAddr));
    let dest = get(Col::PktDstAddr).or(get(Col::DstAddr));
    if src.is_none() && dest.is_none() {
        return Err(Skip::missing("srcaddr"));
    }
    record.src_ip = src.map(Addr::parse);
    record.dest_ip = dest.map(Addr::parse);
    record.src_port = get(Col::SrcPort).and_then(parse_port);
    record.dest_port = get(Col::DstPort).and_then(parse_port).unwrap_or(0);
    if let Some(protocol) = get(Col::Protocol) {
        record.transport = transport_name(protocol);
    }
    if record.transport.contains("icmp") {
        record.src_port = None;
        record.dest_port = 0;
    }
    record.bytes_out = get(Col::Bytes).and_then(|b| b.parse().ok());
    record.time = get(Col::Start).or(get(Col::End)).and_then(parse_epoch);
    if let Some(action) = get(Col::Action) {
        record.action = cim_action(action).to_owned();
    }
    record.direction = match get(Col::FlowDirection) {
        Some("ingress") => Some(Direction::Inbound),
        Some("egress") => Some(Direction::Outbound),
        _ => None,
    };
    orient(&mut record, get(Col::TcpFlags));
    Ok(record)
}

/// Turns a responder's record around and sets `established` (see the module doc).
fn orient(record: &mut Record, tcp_flags: Option<&str>) {
    const SYN: u16 = 2;
    const SYN_ACK: u16 = 18;
    let flags = tcp_flags
        .and_then(|f| f.parse::<u16>().ok())
        .filter(|_| record.transport == "tcp");
    if flags.is_some_and(|f| f & SYN_ACK == SYN_ACK && f & SYN != 0) {
        record.turn_around();
        record.direction = record.direction.map(|d| match d {
            Direction::Inbound => Direction::Outbound,
            Direction::Outbound => Direction::Inbound,
        });
        record.established = Some(true);
    }
    if record.action == "blocked" {
        record.established = Some(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::{FileState, Format, parse_line as dispatch};

    fn headerless(line: &str) -> Result<Record, Skip> {
        let mut out = Vec::new();
        parse_line(line, &mut Ctx::new(2024, 0), &mut out)?;
        assert_eq!(out.len(), 1);
        Ok(out.remove(0))
    }

    fn under(header: &str, line: &str) -> Result<Record, Skip> {
        let mut layout = None;
        assert!(header_line(header, &mut layout), "{header}");
        let mut out = Vec::new();
        parse_row(line, &layout.unwrap(), &mut Ctx::new(2024, 0), &mut out)?;
        Ok(out.remove(0))
    }

    fn text(a: &Option<Addr>) -> String {
        a.as_ref().map(Addr::to_string).unwrap_or_default()
    }

    #[test]
    fn maps_a_default_v2_row() {
        let line = "2 123456789010 eni-1235b8ca123456789 78.24.182.42 158.109.0.1 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK";
        assert!(is_line(line));
        let r = headerless(line).unwrap();
        assert_eq!(text(&r.src_ip), "78.24.182.42");
        assert_eq!(r.src_port, Some(49761));
        assert_eq!(text(&r.dest_ip), "158.109.0.1");
        assert_eq!(r.dest_port, 3389);
        assert_eq!(r.transport, "tcp");
        assert_eq!(r.bytes_out, Some(4249));
        assert_eq!(r.bytes_in, None);
        assert_eq!(r.time, Some(1418530010.0));
        assert_eq!(r.action, "blocked");
        assert_eq!(r.established, Some(false));
        assert_eq!(r.direction, None);
        assert_eq!(r.sourcetype, "aws:cloudwatchlogs:vpcflow");
    }

    #[test]
    fn accept_is_allowed_and_unknown_established() {
        let r = headerless("2 123456789010 eni-1 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK").unwrap();
        assert_eq!((r.action.as_str(), r.established), ("allowed", None));
        assert_eq!(text(&r.src_ip), "2001:db8:1234:a100:8d6e:3477:df66:f105");
    }

    #[test]
    fn icmp_rows_have_no_ports() {
        let r = headerless("2 123456789010 eni-1 203.0.113.12 172.31.16.139 0 0 1 4 336 1432917027 1432917142 ACCEPT OK").unwrap();
        assert_eq!(
            (r.transport.as_str(), r.src_port, r.dest_port),
            ("icmp", None, 0)
        );
    }

    #[test]
    fn nodata_and_skipdata_are_not_connections() {
        for line in [
            "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA",
            "2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA",
        ] {
            assert!(is_line(line), "{line}");
            assert_eq!(
                headerless(line).unwrap_err().reason,
                SkipReason::NotConnection
            );
        }
    }

    #[test]
    fn reads_a_headerless_v5_row_with_packet_addresses() {
        let line = "5 64111117617 eni-069xxxxxb7a490 89.160.20.156 10.200.0.0 50041 33004 17 52 1 164000066 1640000297 REJECT OK vpc-09676f97xxxxxb8a7 subnet-02d645xxxxxxxdbc0 i-0axxxxxx1ad77 1 IPv4 89.160.20.156 10.200.0.80 us-east-1 use1-az5 - - AMAZON CLOUDFRONT ingress 1";
        assert!(is_line(line));
        let r = headerless(line).unwrap();
        assert_eq!(text(&r.dest_ip), "10.200.0.80");
        assert_eq!(r.dest_port, 33004);
        assert_eq!(r.transport, "udp");
        assert_eq!(r.direction, Some(Direction::Inbound));
        assert_eq!(r.time, Some(164000066.0));
    }

    #[test]
    fn syn_ack_records_are_turned_around() {
        let header = "version srcaddr dstaddr srcport dstport protocol bytes start action tcp-flags flow-direction log-status";
        let cases = [
            (
                "81.2.69.160 10.0.0.5 445 50100 6 900 1 ACCEPT 19 egress OK",
                true,
                Some(true),
            ),
            (
                "10.0.0.5 81.2.69.160 50100 445 6 700 1 ACCEPT 3 egress OK",
                false,
                None,
            ),
            (
                "10.0.0.5 81.2.69.160 50100 445 6 700 1 ACCEPT 2 egress OK",
                false,
                None,
            ),
            (
                "81.2.69.160 10.0.0.5 445 50100 17 900 1 ACCEPT 18 egress OK",
                false,
                None,
            ),
            (
                "10.0.0.5 81.2.69.160 50100 445 6 700 1 REJECT - egress OK",
                false,
                Some(false),
            ),
        ];
        for (row, turned, established) in cases {
            let r = under(header, &format!("5 {row}")).unwrap();
            assert_eq!(r.established, established, "{row}");
            if turned {
                assert_eq!(text(&r.src_ip), "10.0.0.5");
                assert_eq!((r.src_port, r.dest_port), (Some(50100), 445));
                assert_eq!((r.bytes_out, r.bytes_in), (None, Some(900)));
                assert_eq!(r.direction, Some(Direction::Inbound));
            } else {
                assert_eq!(r.direction, Some(Direction::Outbound), "{row}");
            }
        }
    }

    #[test]
    fn packet_addresses_win_over_interface_addresses() {
        let header = "${instance-id} ${interface-id} ${srcaddr} ${dstaddr} ${pkt_srcaddr} ${pkt_dstaddr} ${dstport}";
        let r = under(
            header,
            "- eni-1 10.0.1.5 10.0.0.220 10.0.1.5 81.2.69.160 445",
        )
        .unwrap();
        assert_eq!(text(&r.src_ip), "10.0.1.5");
        assert_eq!(text(&r.dest_ip), "81.2.69.160");
        let r = under(header, "- eni-1 10.0.1.5 10.0.0.220 - - 445").unwrap();
        assert_eq!(text(&r.dest_ip), "10.0.0.220");
        assert_eq!(r.time, None);
        assert_eq!(r.transport, "unknown");
    }

    #[test]
    fn rows_must_match_their_layout() {
        let header = "srcaddr dstaddr dstport";
        assert_eq!(
            under(header, "1 2").unwrap_err().reason,
            SkipReason::Malformed
        );
        assert_eq!(
            under(header, "- - 445").unwrap_err().reason,
            SkipReason::MissingField
        );
        assert_eq!(
            under(header, "  ").unwrap_err().reason,
            SkipReason::Unrecognized
        );
        let skip = headerless("2 1 eni-1 10.0.0.1 8.8.8.8 1 445 6 1 1 1 1").unwrap_err();
        assert_eq!(skip.reason, SkipReason::Malformed);
    }

    #[test]
    fn header_and_sniffing_refuse_other_text() {
        for line in [
            "srcaddr=10.0.0.1 dstaddr=8.8.8.8",
            "Connection from srcaddr to dstaddr",
            "version account-id interface-id srcport dstport",
        ] {
            assert!(!header_line(line, &mut None), "{line}");
        }
        for line in [
            "2 123456789010 eni-1 10.0.0.5 81.2.69.160 49761 445 6 20 4249 1418530010 1418530070 ALLOW OK",
            "x 123456789010 eni-1 10.0.0.5 81.2.69.160 49761 445 6 20 4249 1418530010 1418530070 ACCEPT OK",
            "2 123456789010 eni-1 10.0.0.5 81.2.69.160 49761 445 6 20 4249 1418530010 1418530070 ACCEPT OK extra",
            "",
        ] {
            assert!(!is_line(line), "{line}");
        }
    }

    #[test]
    fn dispatch_reads_headers_and_bare_rows() {
        let mut file = FileState::default();
        let mut ctx = Ctx::new(2024, 0);
        let mut out = Vec::new();
        let header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
        assert_eq!(
            dispatch(header, &mut file, None, &mut ctx, &mut out),
            Ok(None)
        );
        let row = "2 123456789010 eni-1 10.0.0.5 81.2.69.160 49761 445 6 20 4249 1418530010 1418530070 ACCEPT OK";
        let parsed = dispatch(row, &mut file, None, &mut ctx, &mut out);
        assert_eq!(parsed, Ok(Some(Format::AwsVpcFlow)));
        let parsed = dispatch(row, &mut FileState::default(), None, &mut ctx, &mut out);
        assert_eq!(parsed, Ok(Some(Format::AwsVpcFlow)));
        assert_eq!(out.len(), 2);
    }

    proptest::proptest! {
        #[test]
        fn rows_never_panic(fields in proptest::collection::vec("[-A-Za-z0-9:.]{1,8}", 0..45)) {
            let line = fields.join(" ");
            let _ = is_line(&line);
            let _ = parse_line(&line, &mut Ctx::new(2024, 0), &mut Vec::new());
            let _ = header_line(&line, &mut None);
        }
    }
}
