//! The profiles' rules: which records are SMB egress, and why the others are not.
//!
//! [`judge`] gives every record a [`Verdict`]: not an SMB candidate, a candidate
//! excluded for a named [`Exclusion`], or a finding. The report counts exclusions by
//! name, so an empty result explains itself.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::addr::{Addr, is_escu_private, is_global};
use crate::config::{Config, Profile};
use crate::record::Record;

/// What the detection made of one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Not SMB traffic by port, application or kind.
    NotCandidate,
    /// SMB traffic that a rule excludes.
    Excluded(Exclusion),
    /// SMB egress: the record counts toward its source's finding.
    Finding,
}

/// Why a candidate did not become part of a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    /// The record has no source address (tstats drops rows without the group-by field).
    NoSource,
    /// The source is not in the internal set (`default`).
    SourceNotInternal,
    /// The device blocked the connection.
    Blocked,
    /// The destination's asset category includes `internal`.
    InternalCategory,
    /// The destination is in the seed's private IPv4 ranges (`escu`).
    PrivateDestination,
    /// The record has no destination address (`default`).
    NoDestination,
    /// The destination is a name or text, not an address (`default`).
    DestinationNotAddress,
    /// The destination is in the internal set (`default`).
    DestinationInternal,
    /// The destination is not globally reachable (`default`).
    DestinationNotGlobal,
    /// An allowlist rule matched.
    Allowlisted,
    /// `require-established` is on and the record shows no completed handshake.
    NotEstablished,
}

impl Exclusion {
    /// The name the report uses.
    pub fn name(self) -> &'static str {
        match self {
            Exclusion::NoSource => "no_source",
            Exclusion::SourceNotInternal => "source_not_internal",
            Exclusion::Blocked => "blocked",
            Exclusion::InternalCategory => "internal_category",
            Exclusion::PrivateDestination => "private_destination",
            Exclusion::NoDestination => "no_destination",
            Exclusion::DestinationNotAddress => "destination_not_address",
            Exclusion::DestinationInternal => "destination_internal",
            Exclusion::DestinationNotGlobal => "destination_not_global",
            Exclusion::Allowlisted => "allowlisted",
            Exclusion::NotEstablished => "not_established",
        }
    }
}

/// The application names that mark SMB in the `default` profile.
pub const SMB_APPS: [&str; 10] = [
    "smb",
    "smb2",
    "smb3",
    "cifs",
    "microsoft-ds",
    "netbios-ssn",
    "ms-ds-smb",
    "ms-ds-smb-base",
    "ms-ds-smbv2",
    "ms-ds-smbv3",
];

/// Judges a record under the configured profile. The record's `dest_category` must
/// already hold the asset lookup's categories (see [`crate::Analyzer`]).
///
/// ```
/// use smb_egress::{judge, Addr, Config, Record, Verdict};
///
/// let mut record = Record::new("bro:conn");
/// record.src_ip = Some(Addr::parse("10.1.2.3"));
/// record.dest_ip = Some(Addr::parse("8.8.8.8"));
/// record.dest_port = 445;
/// record.transport = "tcp".into();
/// assert_eq!(judge(&record, &Config::default()), Verdict::Finding);
/// ```
pub fn judge(record: &Record, config: &Config) -> Verdict {
    match config.profile {
        Profile::Escu if !is_escu_candidate(record, config) => Verdict::NotCandidate,
        Profile::Default if !is_default_candidate(record, config) => Verdict::NotCandidate,
        Profile::Escu => verdict(escu_exclusion(record, config)),
        Profile::Default => verdict(default_exclusion(record, config)),
    }
}

fn verdict(exclusion: Option<Exclusion>) -> Verdict {
    exclusion.map_or(Verdict::Finding, Verdict::Excluded)
}

/// `escu`: `dest_port` in the ports (139, 445) or `app="smb"`, case-insensitive.
pub fn is_escu_candidate(record: &Record, config: &Config) -> bool {
    config.ports.contains(&record.dest_port)
        || record
            .app
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case("smb"))
}

/// `default`: a configured port over TCP (or an unknown transport), an SMB application
/// name in the `app` list, or a record that is SMB by its kind.
pub fn is_default_candidate(record: &Record, config: &Config) -> bool {
    let tcp = record.transport == "tcp" || record.transport == crate::record::UNKNOWN;
    (tcp && config.ports.contains(&record.dest_port))
        || record.app.as_deref().is_some_and(names_smb)
        || record.smb_kind
}

/// Whether an `app` value, a comma or space separated list, names SMB.
pub fn names_smb(app: &str) -> bool {
    app.split([',', ' ']).any(|name| {
        SMB_APPS
            .iter()
            .any(|smb| smb.eq_ignore_ascii_case(name.trim()))
    })
}

fn escu_exclusion(record: &Record, config: &Config) -> Option<Exclusion> {
    let dest = record.dest_ip.as_ref().and_then(Addr::ip);
    if is_blocked(record) && !config.include_blocked {
        Some(Exclusion::Blocked)
    } else if has_internal_category(record) {
        Some(Exclusion::InternalCategory)
    } else if dest.is_some_and(is_escu_private) {
        Some(Exclusion::PrivateDestination)
    } else {
        common_exclusion(record, config)
    }
}

fn default_exclusion(record: &Record, config: &Config) -> Option<Exclusion> {
    let src = record.src_ip.as_ref().and_then(Addr::ip);
    if src.is_some_and(|ip| !config.internal.contains(ip)) || is_text(&record.src_ip) {
        return Some(Exclusion::SourceNotInternal);
    }
    if is_blocked(record) && !config.include_blocked {
        return Some(Exclusion::Blocked);
    }
    if has_internal_category(record) {
        return Some(Exclusion::InternalCategory);
    }
    if let Some(exclusion) = destination_exclusion(record, config) {
        return Some(exclusion);
    }
    common_exclusion(record, config)
}

fn destination_exclusion(record: &Record, config: &Config) -> Option<Exclusion> {
    let dest: IpAddr = match &record.dest_ip {
        None => return Some(Exclusion::NoDestination),
        Some(Addr::Text(_)) => return Some(Exclusion::DestinationNotAddress),
        Some(Addr::Ip(ip)) => *ip,
    };
    if config.internal.contains(dest) {
        Some(Exclusion::DestinationInternal)
    } else if !is_global(dest) {
        Some(Exclusion::DestinationNotGlobal)
    } else {
        None
    }
}

/// The rules both profiles share, after their own.
fn common_exclusion(record: &Record, config: &Config) -> Option<Exclusion> {
    if config.allow.matches(record) {
        Some(Exclusion::Allowlisted)
    } else if config.require_established && record.established != Some(true) {
        Some(Exclusion::NotEstablished)
    } else if record.src_ip.is_none() {
        Some(Exclusion::NoSource)
    } else {
        None
    }
}

fn is_text(addr: &Option<Addr>) -> bool {
    matches!(addr, Some(Addr::Text(_)))
}

fn is_blocked(record: &Record) -> bool {
    record.action.eq_ignore_ascii_case("blocked")
}

fn has_internal_category(record: &Record) -> bool {
    record
        .dest_category
        .iter()
        .any(|c| c.eq_ignore_ascii_case("internal"))
}
