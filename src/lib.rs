//! Finds internal hosts that open SMB connections (TCP 139/445, Windows file sharing)
//! to the Internet, from the logs that sensors and firewalls already write.
//!
//! Outbound SMB is how attackers make a victim send its NTLM credential hash to a
//! server they control (ATT&CK T1071.002, T1187), and a way to steal files. This crate
//! reproduces the Splunk ESCU search "Detect Outbound SMB Traffic" exactly (profile
//! `escu`) and offers a stricter default (profile `default`) that handles IPv6,
//! reserved ranges and the direction of a connection.
//!
//! The crate is a pure core: no I/O, no clock, no logging. The wasm binding
//! (`wasm` module, for the npm package) and the Fluent Bit filter (`fluentbit` module)
//! are thin layers over it.
//!
//! # Modules
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`record`] | the normalized CIM Network_Traffic [`Record`] |
//! | [`addr`] | canonical addresses ([`Addr`]) and the globally-reachable table |
//! | [`netset`] | address sets ([`IpSet`]) and the Splunk ES asset lookup ([`AssetTable`]) |
//! | [`allowlist`] | the user's exclusions ([`Allowlist`]) |
//! | [`config`] | [`Options`] as given and the checked [`Config`] |
//! | [`reader`] | the push line reader and the multi-line JSON assembler |
//! | [`prefilter`] | the test that passes over lines with no SMB port or name |
//! | [`formats`] | format detection and one module per input format |
//! | [`filter`] | the profiles' rules: [`judge`] gives each record a [`Verdict`] |
//! | [`aggregate`] | bounded, mergeable grouping by source ([`Aggregator`]) |
//! | [`report`] | the [`Report`]: findings and statistics (or a [`ReportView`] of the state) |
//! | [`render`] | JSON, NDJSON, CSV and terminal table output, written finding by finding |
//! | [`analyzer`] | the [`Analyzer`] that ties them together, with snapshots |
//! | [`time`] | timestamp reading and formatting |
//! | [`verdicts`] | the verdicts view: each SMB record with its profile's verdict |
//! | `wasm` (feature `wasm`) | the JS binding of the npm package |
//! | `fluentbit` (feature `fluentbit`) | the Fluent Bit `filter_wasm` module (docs/fluent-bit.md) |
//!
//! # Example
//!
//! A Zeek conn.log line of a workstation reaching an Internet host on port 445:
//!
//! ```
//! use smb_egress::{render, Analyzer, Config, Options};
//!
//! let log = concat!(
//!     r#"{"ts":1709028000.25,"uid":"C1","id.orig_h":"10.1.2.3","id.orig_p":50312,"#,
//!     r#""id.resp_h":"203.0.114.7","id.resp_p":445,"proto":"tcp","conn_state":"SF"}"#,
//!     "\n"
//! );
//! let config = Config::new(&Options::default()).unwrap();
//! let report = Analyzer::analyze(config, log.as_bytes());
//! assert_eq!(report.findings.len(), 1);
//! assert_eq!(report.findings[0].src_ip, "10.1.2.3");
//! assert_eq!(report.findings[0].dest_ip, ["203.0.114.7"]);
//! println!("{}", render::to_table(&report));
//! ```

#![warn(missing_docs)]

pub mod addr;
pub mod aggregate;
pub mod allowlist;
pub mod analyzer;
pub mod config;
pub mod error;
pub mod filter;
#[cfg(feature = "fluentbit")]
pub mod fluentbit;
pub mod formats;
pub mod netset;
pub mod prefilter;
pub mod reader;
pub mod record;
pub mod render;
pub mod report;
#[cfg(test)]
mod testing;
pub mod time;
pub mod verdicts;
#[cfg(feature = "wasm")]
pub mod wasm;

pub use addr::Addr;
pub use aggregate::Aggregator;
pub use allowlist::Allowlist;
pub use analyzer::Analyzer;
pub use config::{Config, Options, Profile};
pub use error::ConfigError;
pub use filter::{Exclusion, Verdict, judge};
pub use formats::Format;
pub use netset::{AssetTable, IpSet};
pub use record::Record;
pub use report::{Finding, Report, ReportView, Stats};
