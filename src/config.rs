//! What the user asks for: the [`Options`] as given, and the [`Config`] built from them.
//!
//! [`Options`] is plain data with the names the JS package and the pipeline plugin use
//! (camelCase in JSON). [`Config::new`] checks it and builds the address sets; every
//! problem is a [`ConfigError`] naming the option and the bad value.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::addr::DEFAULT_INTERNAL;
use crate::allowlist::Allowlist;
use crate::error::ConfigError;
use crate::formats::Format;
use crate::netset::{AssetTable, IpSet};
use crate::record::Record;
use crate::time::parse_offset;

/// Which detection to run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// The product's recommended detection (SPEC §3).
    #[default]
    Default,
    /// The Splunk ESCU search "Detect Outbound SMB Traffic", reproduced exactly.
    Escu,
}

impl Profile {
    /// The profile's name: `default` or `escu`.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Default => "default",
            Profile::Escu => "escu",
        }
    }

    /// The profile of a name.
    pub fn from_name(name: &str) -> Option<Profile> {
        match name {
            "default" => Some(Profile::Default),
            "escu" => Some(Profile::Escu),
            _ => None,
        }
    }
}

/// The caps that keep memory bounded.
pub const DEFAULT_MAX_SOURCES: usize = 100_000;
/// The default cap on distinct values kept per column of a finding.
pub const DEFAULT_MAX_VALUES: usize = 1_000;
/// The default cap on one line's length, in bytes.
pub const DEFAULT_MAX_LINE_BYTES: usize = 1 << 20;

/// The options as a user gives them; every field is optional.
///
/// ```
/// use smb_egress::{Config, Options};
///
/// let options = Options::from_json(r#"{"profile":"escu","ports":[445]}"#).unwrap();
/// let config = Config::new(&options).unwrap();
/// assert_eq!(config.ports, vec![445]);
/// assert!(Options::from_json(r#"{"prots":[445]}"#).is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Options {
    /// `default` or `escu`.
    pub profile: Option<String>,
    /// A format id to force, or `auto`.
    pub format: Option<String>,
    /// Internal CIDRs (addresses and `a-b` ranges work too).
    pub internal: Vec<String>,
    /// The Splunk ES asset lookup, as CSV text.
    pub assets: Option<String>,
    /// The allowlist, as text.
    pub allow: Option<String>,
    /// The SMB ports; 139 and 445 when not given.
    pub ports: Option<Vec<u16>>,
    /// Report blocked attempts too.
    pub include_blocked: bool,
    /// Count only records that show a completed handshake.
    pub require_established: bool,
    /// The fixed offset of times written without a zone, and of the report's times.
    pub tz: Option<String>,
    /// The year of syslog dates written without one.
    pub year: Option<i32>,
    /// A sourcetype that replaces the format's own.
    pub sourcetype: Option<String>,
    /// The cap on distinct sources.
    pub max_sources: Option<usize>,
    /// The cap on distinct values per column of a finding.
    pub max_values: Option<usize>,
    /// The cap on one line's length, in bytes.
    pub max_line_bytes: Option<usize>,
}

/// The option names [`Options::from_json`] accepts.
pub const OPTION_NAMES: [&str; 14] = [
    "profile",
    "format",
    "internal",
    "assets",
    "allow",
    "ports",
    "includeBlocked",
    "requireEstablished",
    "tz",
    "year",
    "sourcetype",
    "maxSources",
    "maxValues",
    "maxLineBytes",
];

impl Options {
    /// Reads options from a JSON object with camelCase names; `null` means not given.
    pub fn from_json(text: &str) -> Result<Options, ConfigError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| bad("options", format!("not a JSON object: {e}")))?;
        Options::from_value(&value)
    }

    /// Reads options from a JSON value (see [`Options::from_json`]).
    pub fn from_value(value: &Value) -> Result<Options, ConfigError> {
        let map = value
            .as_object()
            .ok_or_else(|| bad("options", "expected an object"))?;
        let mut options = Options::default();
        for (name, value) in map {
            if !value.is_null() {
                options.set(name, value)?;
            }
        }
        Ok(options)
    }

    fn set(&mut self, name: &str, value: &Value) -> Result<(), ConfigError> {
        match name {
            "profile" => self.profile = Some(string(name, value)?),
            "format" => self.format = Some(string(name, value)?),
            "internal" => self.internal = strings(name, value)?,
            "assets" => self.assets = Some(string(name, value)?),
            "allow" => self.allow = Some(string(name, value)?),
            "ports" => self.ports = Some(ports(name, value)?),
            "includeBlocked" => self.include_blocked = boolean(name, value)?,
            "requireEstablished" => self.require_established = boolean(name, value)?,
            "tz" => self.tz = Some(string(name, value)?),
            "year" => self.year = Some(number(name, value, 1970, 9999)? as i32),
            "sourcetype" => self.sourcetype = Some(string(name, value)?),
            "maxSources" => self.max_sources = Some(number(name, value, 1, 1 << 32)? as usize),
            "maxValues" => self.max_values = Some(number(name, value, 1, 1 << 32)? as usize),
            "maxLineBytes" => {
                self.max_line_bytes = Some(number(name, value, 64, 1 << 31)? as usize)
            }
            _ => {
                let known = OPTION_NAMES.join(", ");
                return Err(bad(name, format!("unknown option; known options: {known}")));
            }
        }
        Ok(())
    }
}

fn bad(name: &str, why: impl std::fmt::Display) -> ConfigError {
    ConfigError::new("bad_option", format!("option `{name}`: {why}"))
}

fn string(name: &str, value: &Value) -> Result<String, ConfigError> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| bad(name, format!("expected a string, found {value}")))
}

fn strings(name: &str, value: &Value) -> Result<Vec<String>, ConfigError> {
    match value {
        Value::String(s) => Ok(split_list(s)),
        Value::Array(items) => items.iter().map(|v| string(name, v)).collect(),
        _ => Err(bad(
            name,
            format!("expected a list of strings, found {value}"),
        )),
    }
}

fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn boolean(name: &str, value: &Value) -> Result<bool, ConfigError> {
    value
        .as_bool()
        .ok_or_else(|| bad(name, format!("expected true or false, found {value}")))
}

fn number(name: &str, value: &Value, min: u64, max: u64) -> Result<u64, ConfigError> {
    match value.as_u64() {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(bad(
            name,
            format!("expected a whole number from {min} to {max}, found {value}"),
        )),
    }
}

fn ports(name: &str, value: &Value) -> Result<Vec<u16>, ConfigError> {
    let items: Vec<Value> = match value {
        Value::Array(items) => items.clone(),
        Value::String(s) => split_list(s).into_iter().map(Value::String).collect(),
        Value::Number(_) => vec![value.clone()],
        _ => {
            return Err(bad(
                name,
                format!("expected a list of ports, found {value}"),
            ));
        }
    };
    let port = |v: &Value| {
        let n = match v {
            Value::String(s) => s.trim().parse::<u64>().ok(),
            _ => v.as_u64(),
        };
        n.filter(|n| (1..=65_535).contains(n))
            .map(|n| n as u16)
            .ok_or_else(|| bad(name, format!("not a port from 1 to 65535: {v}")))
    };
    let mut ports = items.iter().map(port).collect::<Result<Vec<u16>, _>>()?;
    if ports.is_empty() {
        return Err(bad(name, "the list is empty"));
    }
    ports.sort_unstable();
    ports.dedup();
    Ok(ports)
}

/// Checked configuration, ready for an [`crate::Analyzer`].
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The detection to run.
    pub profile: Profile,
    /// A format forced by the user, or `None` to detect it.
    pub format: Option<Format>,
    /// The internal set: the user's CIDRs plus internal assets, else the default ranges.
    pub internal: IpSet,
    /// The asset lookup, which gives destinations their categories.
    pub assets: AssetTable,
    /// The allowlist.
    pub allow: Allowlist,
    /// The SMB ports, sorted.
    pub ports: Vec<u16>,
    /// Report blocked attempts too.
    pub include_blocked: bool,
    /// Count only records with a completed handshake.
    pub require_established: bool,
    /// Seconds east of UTC of times written without a zone, and of the report's times.
    pub offset_secs: i32,
    /// The year given for syslog dates written without one.
    pub year: Option<i32>,
    /// The year used when none is given: the current year, set by the caller.
    pub current_year: i32,
    /// A sourcetype that replaces the format's own.
    pub sourcetype: Option<String>,
    /// The cap on distinct sources.
    pub max_sources: usize,
    /// The cap on distinct values per column.
    pub max_values: usize,
    /// The cap on one line's length, in bytes.
    pub max_line_bytes: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config::new(&Options::default()).expect("default options are valid")
    }
}

impl Config {
    /// Checks the options and builds the configuration.
    ///
    /// The current year (for syslog dates without one) is taken as 1970 here, since the
    /// core reads no clock; callers set [`Config::current_year`].
    pub fn new(options: &Options) -> Result<Config, ConfigError> {
        let profile = match options.profile.as_deref() {
            None => Profile::Default,
            Some(name) => Profile::from_name(name).ok_or_else(|| {
                bad(
                    "profile",
                    format!("expected default or escu, found {name:?}"),
                )
            })?,
        };
        let format = match options.format.as_deref() {
            None | Some("auto") => None,
            Some(id) => Some(Format::from_id(id).ok_or_else(|| {
                let ids: Vec<&str> = Format::ALL.iter().map(|f| f.id()).collect();
                bad(
                    "format",
                    format!("unknown format {id:?}; known: auto, {}", ids.join(", ")),
                )
            })?),
        };
        let assets = match &options.assets {
            Some(csv) => AssetTable::parse_csv(csv)?,
            None => AssetTable::default(),
        };
        let allow = match &options.allow {
            Some(text) => Allowlist::parse(text)?,
            None => Allowlist::default(),
        };
        let offset_secs = match options.tz.as_deref() {
            None => 0,
            Some(tz) => parse_offset(tz).ok_or_else(|| {
                bad(
                    "tz",
                    format!("expected an offset such as +02:00, found {tz:?}"),
                )
            })?,
        };
        Ok(Config {
            profile,
            format,
            internal: internal_set(&options.internal, &assets)?,
            assets,
            allow,
            ports: options.ports.clone().unwrap_or_else(|| vec![139, 445]),
            include_blocked: options.include_blocked,
            require_established: options.require_established,
            offset_secs,
            year: options.year,
            current_year: 1970,
            sourcetype: options.sourcetype.clone(),
            max_sources: options.max_sources.unwrap_or(DEFAULT_MAX_SOURCES),
            max_values: options.max_values.unwrap_or(DEFAULT_MAX_VALUES),
            max_line_bytes: options.max_line_bytes.unwrap_or(DEFAULT_MAX_LINE_BYTES),
        })
    }

    /// The year for syslog dates written without one.
    pub fn syslog_year(&self) -> i32 {
        self.year.unwrap_or(self.current_year)
    }

    /// Prepares a parsed record for [`crate::judge`]: the user's sourcetype replaces the
    /// format's, and the asset lookup adds the destination's categories.
    ///
    /// ```
    /// use smb_egress::{Addr, Config, Options, Record};
    ///
    /// let assets = "ip,category\n8.8.8.8,internal\n".to_owned();
    /// let config = Config::new(&Options { assets: Some(assets), ..Options::default() }).unwrap();
    /// let mut record = Record::new("bro:conn:json");
    /// record.dest_ip = Some(Addr::parse("8.8.8.8"));
    /// config.enrich(&mut record);
    /// assert_eq!(record.dest_category, ["internal"]);
    /// ```
    pub fn enrich(&self, record: &mut Record) {
        if let Some(sourcetype) = &self.sourcetype {
            sourcetype.clone_into(&mut record.sourcetype);
        }
        let dest = record.dest_ip.as_ref().and_then(|d| d.ip());
        if let Some(dest) = dest.filter(|_| !self.assets.is_empty()) {
            for category in self.assets.categories(dest) {
                if !record.dest_category.contains(&category) {
                    record.dest_category.push(category);
                }
            }
        }
    }
}

fn internal_set(cidrs: &[String], assets: &AssetTable) -> Result<IpSet, ConfigError> {
    let mut set = IpSet::parse_list(cidrs).map_err(|e| bad("internal", e.message))?;
    set.extend(assets.internal());
    if set.is_empty() {
        set = IpSet::parse_list(&DEFAULT_INTERNAL)?;
    }
    Ok(set)
}
