//! The one error type of the crate: configuration that cannot be used.
//!
//! Bad input lines are never errors; they are skipped and counted in the report.

use std::fmt;

/// Configuration or state that cannot be used: a bad CIDR, asset file, allowlist line,
/// option value or snapshot.
///
/// `code` is a stable identifier (`bad_cidr`, `bad_assets`, `bad_allowlist`,
/// `bad_option`, `bad_snapshot`) for programs; `message` is one lowercase line for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// A stable identifier of the kind of error.
    pub code: &'static str,
    /// What is wrong, naming the value or line.
    pub message: String,
}

impl ConfigError {
    /// An error of a kind, with its message.
    pub fn new(code: &'static str, message: impl Into<String>) -> ConfigError {
        ConfigError {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}
