//! Sets of addresses: the user's internal CIDRs and the Splunk ES asset lookup.
//!
//! An [`IpSet`] holds CIDRs and `a-b` ranges as sorted, merged intervals, so a lookup
//! is a binary search whatever the size of the set. An [`AssetTable`] reads the asset
//! lookup CSV of Splunk Enterprise Security: its `ip` column holds pipe-separated
//! addresses, CIDRs and ranges, its `category` column pipe-separated categories.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::addr::parse_ip;
use crate::error::ConfigError;

/// A set of addresses, built from CIDRs, single addresses and `a-b` ranges.
///
/// ```
/// use smb_egress::IpSet;
///
/// let set = IpSet::parse_list(&["10.0.0.0/8", "192.0.2.10-192.0.2.20", "fd00::1"]).unwrap();
/// assert!(set.contains("10.200.0.1".parse().unwrap()));
/// assert!(set.contains("192.0.2.15".parse().unwrap()));
/// assert!(!set.contains("192.0.2.21".parse().unwrap()));
/// assert!(set.contains("fd00::1".parse().unwrap()));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IpSet {
    v4: Vec<(u128, u128)>,
    v6: Vec<(u128, u128)>,
}

impl IpSet {
    /// An empty set.
    pub fn new() -> IpSet {
        IpSet::default()
    }

    /// A set of the given CIDRs, addresses or ranges; the first bad entry is an error.
    pub fn parse_list<S: AsRef<str>>(entries: &[S]) -> Result<IpSet, ConfigError> {
        let mut set = IpSet::new();
        for entry in entries {
            set.push_text(entry.as_ref())?;
        }
        set.normalize();
        Ok(set)
    }

    /// Adds a CIDR (`10.0.0.0/8`), an address, or a range (`10.0.0.1-10.0.0.9`).
    pub fn insert_text(&mut self, entry: &str) -> Result<(), ConfigError> {
        self.push_text(entry)?;
        self.normalize();
        Ok(())
    }

    fn push_text(&mut self, entry: &str) -> Result<(), ConfigError> {
        let (start, end) = parse_interval(entry.trim()).ok_or_else(|| {
            ConfigError::new(
                "bad_cidr",
                format!("not a CIDR, address or range: {entry:?}"),
            )
        })?;
        let list = if start.is_ipv4() {
            &mut self.v4
        } else {
            &mut self.v6
        };
        list.push((to_u128(start), to_u128(end)));
        Ok(())
    }

    /// Adds a network.
    pub fn insert_net(&mut self, net: IpNet) {
        let list = if net.addr().is_ipv4() {
            &mut self.v4
        } else {
            &mut self.v6
        };
        list.push((to_u128(net.network()), to_u128(net.broadcast())));
        self.normalize();
    }

    /// Adds every address of another set.
    pub fn extend(&mut self, other: &IpSet) {
        self.v4.extend_from_slice(&other.v4);
        self.v6.extend_from_slice(&other.v6);
        self.normalize();
    }

    /// Sorts and merges the intervals, which [`IpSet::contains`] relies on.
    fn normalize(&mut self) {
        merge_intervals(&mut self.v4);
        merge_intervals(&mut self.v6);
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// Whether the set holds the address; an IPv4-mapped IPv6 address is looked up as
    /// the IPv4 address it carries.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        let list = if ip.is_ipv4() { &self.v4 } else { &self.v6 };
        let n = to_u128(ip);
        let after = list.partition_point(|&(start, _)| start <= n);
        after > 0 && list[after - 1].1 >= n
    }
}

fn merge_intervals(list: &mut Vec<(u128, u128)>) {
    list.sort_unstable();
    let mut merged: Vec<(u128, u128)> = Vec::with_capacity(list.len());
    for &(s, e) in list.iter() {
        match merged.last_mut() {
            Some(last) if s <= last.1.saturating_add(1) => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    *list = merged;
}

fn to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// Reads a CIDR, an address or an `a-b` range as its first and last address.
fn parse_interval(entry: &str) -> Option<(IpAddr, IpAddr)> {
    if let Ok(net) = entry.parse::<IpNet>() {
        return Some((net.network(), net.broadcast()));
    }
    if let Some(ip) = parse_ip(entry) {
        return Some((ip, ip));
    }
    let (a, b) = entry.split_once('-')?;
    let (a, b) = (parse_ip(a)?, parse_ip(b)?);
    (a.is_ipv4() == b.is_ipv4() && to_u128(a) <= to_u128(b)).then_some((a, b))
}

/// The Splunk ES asset lookup: which addresses are which categories.
///
/// ```
/// use smb_egress::AssetTable;
///
/// let csv = "nt_host,category,ip\nfs01,internal|file_server,10.1.0.0/16|192.0.2.5\n";
/// let assets = AssetTable::parse_csv(csv).unwrap();
/// let ip = "192.0.2.5".parse().unwrap();
/// assert_eq!(assets.categories(ip), vec!["internal", "file_server"]);
/// assert!(assets.internal().contains(ip));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AssetTable {
    entries: Vec<(IpSet, Vec<String>)>,
    internal: IpSet,
}

impl AssetTable {
    /// Reads the lookup from CSV text with a header row naming `ip` and `category`
    /// (in any order, among any other columns).
    pub fn parse_csv(text: &str) -> Result<AssetTable, ConfigError> {
        let bad = |message: String| ConfigError::new("bad_assets", message);
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let header = reader
            .headers()
            .map_err(|e| bad(format!("asset CSV header: {e}")))?;
        let column = |name: &str| {
            header
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
        };
        let ip_col = column("ip").ok_or_else(|| bad("asset CSV has no `ip` column".into()))?;
        let cat_col =
            column("category").ok_or_else(|| bad("asset CSV has no `category` column".into()))?;
        let mut table = AssetTable::default();
        for (index, row) in reader.records().enumerate() {
            let line = index + 2;
            let row = row.map_err(|e| bad(format!("asset CSV line {line}: {e}")))?;
            table
                .add_row(
                    row.get(ip_col).unwrap_or(""),
                    row.get(cat_col).unwrap_or(""),
                )
                .map_err(|e| bad(format!("asset CSV line {line}: {}", e.message)))?;
        }
        table.internal.normalize();
        Ok(table)
    }

    fn add_row(&mut self, ips: &str, categories: &str) -> Result<(), ConfigError> {
        let mut set = IpSet::new();
        for ip in ips.split('|').map(str::trim).filter(|s| !s.is_empty()) {
            set.push_text(ip)?;
        }
        set.normalize();
        let categories: Vec<String> = categories
            .split('|')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if categories
            .iter()
            .any(|c| c.eq_ignore_ascii_case("internal"))
        {
            self.internal.v4.extend_from_slice(&set.v4);
            self.internal.v6.extend_from_slice(&set.v6);
        }
        if !set.is_empty() && !categories.is_empty() {
            self.entries.push((set, categories));
        }
        Ok(())
    }

    /// The categories of every entry that holds the address, in table order, each once.
    pub fn categories(&self, ip: IpAddr) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (set, categories) in &self.entries {
            if set.contains(ip) {
                for c in categories {
                    if !out.contains(c) {
                        out.push(c.clone());
                    }
                }
            }
        }
        out
    }

    /// The addresses of entries whose category includes `internal`.
    pub fn internal(&self) -> &IpSet {
        &self.internal
    }

    /// How many entries the table has.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
