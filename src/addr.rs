//! Addresses as logs write them, in canonical form, and their classes.
//!
//! Logs write addresses in many ways: `[fe80::1%eth0]`, `FE80:0:0:0:0:0:0:1`,
//! `010.001.002.003`, or a host name where an address was expected. [`Addr::parse`]
//! turns each into an [`Addr`]: a real [`IpAddr`] whose text is canonical (IPv4
//! dotted decimal without leading zeros, IPv6 per RFC 5952 with `::ffff:a.b.c.d` for
//! IPv4-mapped addresses), or the original text when it is not an address.
//!
//! [`is_global`] answers whether an address is globally reachable, from the IANA
//! special-purpose address registries as [`NOT_GLOBAL`] lists them.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A value from an address field: an IP address, or text that is not one.
///
/// Text values (`OCSP_Server`, `-`, `unknown`) are kept so that a user can see them,
/// but they never match a CIDR.
///
/// ```
/// use smb_egress::Addr;
///
/// assert_eq!(Addr::parse("[FE80::0:1%eth0]").to_string(), "fe80::1");
/// assert_eq!(Addr::parse("010.001.002.003").to_string(), "10.1.2.3");
/// assert_eq!(Addr::parse("OCSP_Server"), Addr::Text("OCSP_Server".into()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Addr {
    /// A parsed address, shown in canonical form.
    Ip(IpAddr),
    /// A value that is not an address, kept as written.
    Text(String),
}

impl Addr {
    /// Parses a value from a log's address field.
    ///
    /// Surrounding brackets and an IPv6 zone suffix (`%eth0`) are removed; IPv4 parts
    /// with leading zeros are read as decimal. Anything else is kept as text.
    pub fn parse(text: &str) -> Addr {
        match parse_ip(text) {
            Some(ip) => Addr::Ip(ip),
            None => Addr::Text(text.to_owned()),
        }
    }

    /// The address, if the value is one.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Addr::Ip(ip) => Some(*ip),
            Addr::Text(_) => None,
        }
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Addr::Ip(ip) => ip.fmt(f),
            Addr::Text(text) => f.write_str(text),
        }
    }
}

impl From<IpAddr> for Addr {
    fn from(ip: IpAddr) -> Addr {
        Addr::Ip(ip)
    }
}

impl Serialize for Addr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Addr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Addr, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(Addr::parse(&text))
    }
}

/// Parses an address as logs write it, or returns `None`.
///
/// ```
/// use smb_egress::addr::parse_ip;
///
/// assert_eq!(parse_ip(" 192.168.001.010 ").unwrap().to_string(), "192.168.1.10");
/// assert_eq!(parse_ip("[::ffff:10.0.0.1]").unwrap().to_string(), "::ffff:10.0.0.1");
/// assert!(parse_ip("fileserver").is_none());
/// ```
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    let mut text = text.trim();
    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        text = inner;
    }
    if let Some(zone) = text.find('%') {
        text = &text[..zone];
    }
    if text.is_empty() || text.len() > 64 {
        return None;
    }
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    parse_zero_padded_v4(text).map(IpAddr::V4)
}

/// Reads `010.000.000.001`, which the standard parser refuses, as decimal.
fn parse_zero_padded_v4(text: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = text.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    parts.next().is_none().then_some(Ipv4Addr::from(octets))
}

/// Where an IPv6 address carries an IPv4 address that decides its class, that address.
///
/// The forms are IPv4-mapped (`::ffff:a.b.c.d`), the NAT64 well-known prefix
/// (`64:ff9b::a.b.c.d`) and 6to4 (`2002:AABB:CCDD::/48`).
///
/// ```
/// use smb_egress::addr::embedded_v4;
///
/// let nat64 = "64:ff9b::8.8.8.8".parse().unwrap();
/// assert_eq!(embedded_v4(nat64).unwrap().to_string(), "8.8.8.8");
/// let six_to_four = "2002:c000:0204::1".parse().unwrap();
/// assert_eq!(embedded_v4(six_to_four).unwrap().to_string(), "192.0.2.4");
/// ```
pub fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(low),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low),
        [0x2002, hi, lo, ..] => Some(Ipv4Addr::new(
            (hi >> 8) as u8,
            hi as u8,
            (lo >> 8) as u8,
            lo as u8,
        )),
        _ => None,
    }
}

/// One row of the special-purpose table: a range and whether it is globally reachable.
///
/// Rows are looked up most specific first, so an exception (a global /128 inside a
/// non-global /23) is a row of its own.
#[derive(Clone, Copy, Debug)]
pub struct Special {
    /// The range, as CIDR text.
    pub cidr: &'static str,
    /// Whether addresses in it are globally reachable.
    pub global: bool,
}

const fn no(cidr: &'static str) -> Special {
    Special {
        cidr,
        global: false,
    }
}

const fn yes(cidr: &'static str) -> Special {
    Special { cidr, global: true }
}

/// The special-purpose ranges that decide [`is_global`], from the IANA IPv4 and IPv6
/// special-purpose address registries.
///
/// IPv6 outside `2000::/3` is not global (the embedded-IPv4 forms aside); the table
/// lists the ranges inside it, and the ranges outside it that have a name of their own.
pub const NOT_GLOBAL: &[Special] = &[
    no("0.0.0.0/8"),
    no("10.0.0.0/8"),
    no("100.64.0.0/10"),
    no("127.0.0.0/8"),
    no("169.254.0.0/16"),
    no("172.16.0.0/12"),
    no("192.0.0.0/24"),
    yes("192.0.0.9/32"),
    yes("192.0.0.10/32"),
    no("192.0.2.0/24"),
    no("192.88.99.0/24"),
    no("192.168.0.0/16"),
    no("198.18.0.0/15"),
    no("198.51.100.0/24"),
    no("203.0.113.0/24"),
    no("224.0.0.0/4"),
    no("240.0.0.0/4"),
    no("::/128"),
    no("::1/128"),
    no("64:ff9b:1::/48"),
    no("100::/64"),
    no("2001::/23"),
    yes("2001:1::1/128"),
    yes("2001:1::2/128"),
    yes("2001:1::3/128"),
    yes("2001:3::/32"),
    yes("2001:4:112::/48"),
    yes("2001:20::/28"),
    yes("2001:30::/28"),
    no("2001:db8::/32"),
    no("3fff::/20"),
    no("5f00::/16"),
    no("fc00::/7"),
    no("fe80::/10"),
    no("ff00::/8"),
];

/// The IPv4 ranges that the `escu` profile excludes as private, as the seed's search
/// writes them.
pub const ESCU_PRIVATE: [Ipv4Net; 4] = [
    v4net([10, 0, 0, 0], 8),
    v4net([172, 16, 0, 0], 12),
    v4net([192, 168, 0, 0], 16),
    v4net([100, 64, 0, 0], 10),
];

/// The internal set used when the user gives neither CIDRs nor an asset lookup.
pub const DEFAULT_INTERNAL: [&str; 5] = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "fc00::/7",
];

const fn v4net(octets: [u8; 4], len: u8) -> Ipv4Net {
    match Ipv4Net::new(
        Ipv4Addr::new(octets[0], octets[1], octets[2], octets[3]),
        len,
    ) {
        Ok(net) => net,
        Err(_) => panic!("bad constant prefix length"),
    }
}

struct Table {
    v4: Vec<(Ipv4Net, bool)>,
    v6: Vec<(Ipv6Net, bool)>,
}

fn table() -> &'static Table {
    static TABLE: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for row in NOT_GLOBAL {
            match row
                .cidr
                .parse::<IpNet>()
                .expect("NOT_GLOBAL holds valid CIDRs")
            {
                IpNet::V4(net) => v4.push((net, row.global)),
                IpNet::V6(net) => v6.push((net, row.global)),
            }
        }
        v4.sort_by_key(|(net, _)| std::cmp::Reverse(net.prefix_len()));
        v6.sort_by_key(|(net, _)| std::cmp::Reverse(net.prefix_len()));
        Table { v4, v6 }
    })
}

/// Whether an address is globally reachable, per [`NOT_GLOBAL`].
///
/// ```
/// use smb_egress::addr::is_global;
///
/// assert!(is_global("8.8.8.8".parse().unwrap()));
/// assert!(!is_global("198.51.100.7".parse().unwrap()));
/// assert!(is_global("2606:4700::1111".parse().unwrap()));
/// assert!(!is_global("::ffff:10.1.2.3".parse().unwrap()));
/// ```
pub fn is_global(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_global_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => is_global_v4(v4),
            None => is_global_v6(v6),
        },
    }
}

fn is_global_v4(ip: Ipv4Addr) -> bool {
    let row = table().v4.iter().find(|(net, _)| net.contains(&ip));
    row.is_none_or(|(_, global)| *global)
}

fn is_global_v6(ip: Ipv6Addr) -> bool {
    if let Some((_, global)) = table().v6.iter().find(|(net, _)| net.contains(&ip)) {
        return *global;
    }
    ip.segments()[0] & 0xe000 == 0x2000
}

/// Whether the `escu` profile's private ranges hold the address (IPv4 only, as Splunk's
/// CIDR match on those IPv4 ranges would).
pub fn is_escu_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => ESCU_PRIVATE.iter().any(|net| net.contains(&v4)),
        IpAddr::V6(_) => false,
    }
}
