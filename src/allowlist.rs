//! The allowlist: connections the user has judged legitimate.
//!
//! It is the structured form of the `_filter` macro that Splunk searches end with. One
//! rule a line:
//!
//! | rule | excludes records whose |
//! | --- | --- |
//! | `src CIDR` | source is in the CIDR |
//! | `dest CIDR` | destination address is in the CIDR |
//! | `dest-host SUFFIX` | destination host name ends with the suffix (`.file.core.windows.net`) |
//! | `pair SRC_CIDR DEST_CIDR` | source and destination are in the two CIDRs |
//!
//! `#` starts a comment; blank lines are ignored. A CIDR may also be a single address
//! or an `a-b` range.

use std::net::IpAddr;

use crate::error::ConfigError;
use crate::netset::IpSet;
use crate::record::Record;

/// A parsed allowlist.
///
/// ```
/// use smb_egress::{Addr, Allowlist, Record};
///
/// let list = Allowlist::parse("# backups\npair 10.1.0.0/16 203.0.113.0/24\n").unwrap();
/// let mut record = Record::new("cim");
/// record.src_ip = Some(Addr::parse("10.1.2.3"));
/// record.dest_ip = Some(Addr::parse("203.0.113.7"));
/// assert!(list.matches(&record));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Allowlist {
    rules: Vec<Rule>,
}

#[derive(Clone, Debug, PartialEq)]
enum Rule {
    Src(IpSet),
    Dest(IpSet),
    DestHost(String),
    Pair(IpSet, IpSet),
}

impl Allowlist {
    /// Reads the allowlist text; a bad line is an error naming its number.
    pub fn parse(text: &str) -> Result<Allowlist, ConfigError> {
        let mut rules = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let rule = parse_rule(line).map_err(|why| {
                ConfigError::new(
                    "bad_allowlist",
                    format!("allowlist line {}: {why}", index + 1),
                )
            })?;
            rules.push(rule);
        }
        Ok(Allowlist { rules })
    }

    /// How many rules the list has.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether the list has no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Whether a rule excludes the record.
    pub fn matches(&self, record: &Record) -> bool {
        let src = record.src_ip.as_ref().and_then(|a| a.ip());
        let dest = record.dest_ip.as_ref().and_then(|a| a.ip());
        let in_set = |set: &IpSet, ip: Option<IpAddr>| ip.is_some_and(|ip| set.contains(ip));
        self.rules.iter().any(|rule| match rule {
            Rule::Src(set) => in_set(set, src),
            Rule::Dest(set) => in_set(set, dest),
            Rule::DestHost(suffix) => host_names(record).any(|h| has_suffix(h, suffix)),
            Rule::Pair(s, d) => in_set(s, src) && in_set(d, dest),
        })
    }
}

/// The destination's names: `dest`, and a `dest_ip` that is a name rather than an address.
fn host_names(record: &Record) -> impl Iterator<Item = &str> {
    let text_ip = match &record.dest_ip {
        Some(crate::Addr::Text(name)) => Some(name.as_str()),
        _ => None,
    };
    record.dest.as_deref().into_iter().chain(text_ip)
}

/// Case-insensitive suffix match; a suffix without a leading dot also matches the
/// name itself (`example.com` matches `example.com` and `fs.example.com`).
fn has_suffix(host: &str, suffix: &str) -> bool {
    let host = host.trim_end_matches('.');
    let bare = suffix.trim_start_matches('.');
    let ends = |s: &str| {
        host.len() >= s.len()
            && host.is_char_boundary(host.len() - s.len())
            && host[host.len() - s.len()..].eq_ignore_ascii_case(s)
    };
    if suffix.starts_with('.') {
        return ends(suffix);
    }
    ends(bare) && (host.len() == bare.len() || host.as_bytes()[host.len() - bare.len() - 1] == b'.')
}

fn parse_rule(line: &str) -> Result<Rule, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let set = |text: &str| IpSet::parse_list(&[text]).map_err(|e| e.message);
    match words.as_slice() {
        ["src", cidr] => Ok(Rule::Src(set(cidr)?)),
        ["dest", cidr] => Ok(Rule::Dest(set(cidr)?)),
        ["dest-host", suffix] => Ok(Rule::DestHost(suffix.to_string())),
        ["pair", src, dest] => Ok(Rule::Pair(set(src)?, set(dest)?)),
        [kind @ ("src" | "dest" | "dest-host" | "pair"), ..] => {
            let want = if *kind == "pair" {
                "two values"
            } else {
                "one value"
            };
            Err(format!("`{kind}` takes {want}, found {}", words.len() - 1))
        }
        [other, ..] => Err(format!(
            "unknown rule `{other}`; expected src, dest, dest-host or pair"
        )),
        [] => Err("empty rule".into()),
    }
}
