//! Address canonical forms and the globally-reachable table (SPEC §1 and §3.3): both
//! edges of every range and every exception, written out by hand.

use std::net::IpAddr;

use smb_egress::Addr;
use smb_egress::addr::{NOT_GLOBAL, is_global};

fn ip(text: &str) -> IpAddr {
    text.parse()
        .unwrap_or_else(|_| panic!("test address {text}"))
}

/// (address, globally reachable): the first and last address of each range of SPEC §3.3,
/// the neighbours just outside, and each exception with its neighbours.
const EDGES: &[(&str, bool)] = &[
    // 0.0.0.0/8
    ("0.0.0.0", false),
    ("0.255.255.255", false),
    ("1.0.0.0", true),
    // 10.0.0.0/8
    ("9.255.255.255", true),
    ("10.0.0.0", false),
    ("10.255.255.255", false),
    ("11.0.0.0", true),
    // 100.64.0.0/10
    ("100.63.255.255", true),
    ("100.64.0.0", false),
    ("100.127.255.255", false),
    ("100.128.0.0", true),
    // 127.0.0.0/8
    ("126.255.255.255", true),
    ("127.0.0.0", false),
    ("127.255.255.255", false),
    ("128.0.0.0", true),
    // 169.254.0.0/16
    ("169.253.255.255", true),
    ("169.254.0.0", false),
    ("169.254.255.255", false),
    ("169.255.0.0", true),
    // 172.16.0.0/12, and its look-alikes
    ("172.15.255.255", true),
    ("172.16.0.0", false),
    ("172.31.255.255", false),
    ("172.32.0.0", true),
    ("172.11.1.11", true),
    ("172.168.9.2", true),
    // 192.0.0.0/24 with 192.0.0.9 and 192.0.0.10 global
    ("191.255.255.255", true),
    ("192.0.0.0", false),
    ("192.0.0.8", false),
    ("192.0.0.9", true),
    ("192.0.0.10", true),
    ("192.0.0.11", false),
    ("192.0.0.255", false),
    ("192.0.1.0", true),
    // 192.0.2.0/24
    ("192.0.1.255", true),
    ("192.0.2.0", false),
    ("192.0.2.255", false),
    ("192.0.3.0", true),
    // 192.88.99.0/24
    ("192.88.98.255", true),
    ("192.88.99.0", false),
    ("192.88.99.255", false),
    ("192.88.100.0", true),
    // 192.168.0.0/16
    ("192.167.255.255", true),
    ("192.168.0.0", false),
    ("192.168.255.255", false),
    ("192.169.0.0", true),
    // 198.18.0.0/15
    ("198.17.255.255", true),
    ("198.18.0.0", false),
    ("198.19.255.255", false),
    ("198.20.0.0", true),
    // 198.51.100.0/24
    ("198.51.99.255", true),
    ("198.51.100.0", false),
    ("198.51.100.255", false),
    ("198.51.101.0", true),
    // 203.0.113.0/24
    ("203.0.112.255", true),
    ("203.0.113.0", false),
    ("203.0.113.255", false),
    ("203.0.114.0", true),
    // 224.0.0.0/4 and 240.0.0.0/4
    ("223.255.255.255", true),
    ("224.0.0.0", false),
    ("239.255.255.255", false),
    ("240.0.0.0", false),
    ("255.255.255.255", false),
    // IPv6 outside 2000::/3
    ("::", false),
    ("::1", false),
    ("::2", false),
    ("1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false),
    ("2000::", true),
    ("3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true),
    ("4000::", false),
    // 2001::/23 and its exceptions
    ("2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true),
    ("2001::", false),
    ("2001:1::", false),
    ("2001:1::1", true),
    ("2001:1::2", true),
    ("2001:1::3", true),
    ("2001:1::4", false),
    ("2001:2::", false),
    ("2001:2:ffff:ffff:ffff:ffff:ffff:ffff", false),
    ("2001:3::", true),
    ("2001:3:ffff:ffff:ffff:ffff:ffff:ffff", true),
    ("2001:4::", false),
    ("2001:4:111:ffff:ffff:ffff:ffff:ffff", false),
    ("2001:4:112::", true),
    ("2001:4:112:ffff:ffff:ffff:ffff:ffff", true),
    ("2001:4:113::", false),
    ("2001:1f:ffff:ffff:ffff:ffff:ffff:ffff", false),
    ("2001:20::", true),
    ("2001:2f:ffff:ffff:ffff:ffff:ffff:ffff", true),
    ("2001:30::", true),
    ("2001:3f:ffff:ffff:ffff:ffff:ffff:ffff", true),
    ("2001:40::", false),
    ("2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", false),
    ("2001:200::", true),
    // 2001:db8::/32
    ("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", true),
    ("2001:db8::", false),
    ("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", false),
    ("2001:db9::", true),
    // 3fff::/20
    ("3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true),
    ("3fff::", false),
    ("3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", false),
    ("3fff:1000::", true),
    // 64:ff9b:1::/48 (local-use NAT64) is not global; 64:ff9b::/96 is judged by its IPv4
    ("64:ff9b:1::", false),
    ("64:ff9b:1:ffff:ffff:ffff:ffff:ffff", false),
    ("64:ff9b::808:808", true),
    ("64:ff9b::a00:1", false),
    // 100::/64
    ("100::", false),
    ("100::ffff:ffff:ffff:ffff", false),
    // 5f00::/16
    ("5f00::", false),
    ("5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false),
    // fc00::/7, fe80::/10, ff00::/8
    ("fc00::", false),
    ("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false),
    ("fe80::", false),
    ("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false),
    ("ff00::", false),
    ("ff02::1:2", false),
    ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false),
    // Embedded IPv4: mapped, NAT64, 6to4
    ("::ffff:8.8.8.8", true),
    ("::ffff:10.1.2.3", false),
    ("::ffff:192.0.0.9", true),
    ("2002:0808:0808::1", true),
    ("2002:c0a8:0101::1", false),
    ("2002:cb00:7100::", false),
    ("2a00:1450:4001::200e", true),
];

#[test]
fn every_edge_of_every_range_has_its_class() {
    let wrong: Vec<String> = EDGES
        .iter()
        .filter(|(text, global)| is_global(ip(text)) != *global)
        .map(|(text, global)| format!("{text}: expected global={global}"))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_table_row_is_covered_by_the_edges() {
    let uncovered: Vec<&str> = NOT_GLOBAL
        .iter()
        .filter(|row| {
            let net: ipnet::IpNet = row.cidr.parse().unwrap();
            !EDGES.iter().any(|(text, _)| ip(text) == net.network())
        })
        .map(|row| row.cidr)
        .collect();
    assert!(
        uncovered.is_empty(),
        "ranges without an edge test: {uncovered:?}"
    );
}

#[test]
fn addresses_take_their_canonical_form() {
    let cases = [
        ("192.168.1.10", "192.168.1.10"),
        ("010.001.002.003", "10.1.2.3"),
        (" 8.8.8.8 ", "8.8.8.8"),
        (
            "FE80:0:0:0:80AC:4126:FA58:1B81",
            "fe80::80ac:4126:fa58:1b81",
        ),
        ("fe80::1%eth0", "fe80::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("[fe80::1%12]", "fe80::1"),
        (
            "2001:0db8:0000:0000:0001:0000:0000:0001",
            "2001:db8::1:0:0:1",
        ),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("0:0:0:0:0:ffff:0a00:0001", "::ffff:10.0.0.1"),
        ("::FFFF:10.0.0.1", "::ffff:10.0.0.1"),
        ("0:0:0:0:0:0:0:1", "::1"),
    ];
    for (input, canonical) in cases {
        assert_eq!(Addr::parse(input).to_string(), canonical, "input {input}");
        assert!(matches!(Addr::parse(input), Addr::Ip(_)), "input {input}");
    }
}

#[test]
fn values_that_are_not_addresses_stay_text() {
    for text in [
        "OCSP_Server",
        "-",
        "unknown",
        "<IP>",
        "10.0.0",
        "10.0.0.256",
        "fs01.corp",
        "",
    ] {
        assert_eq!(
            Addr::parse(text),
            Addr::Text(text.to_owned()),
            "input {text:?}"
        );
    }
}
