//! Zeek TSV logs (to be written).

use super::{Ctx, Format, Skip, SkipReason};
use crate::record::Record;

/// The layout a header gave.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TsvLayout {
    /// Column names.
    pub fields: Vec<String>,
}

/// Reads a header line into `layout`; true when the line was one.
pub fn header_line(_line: &str, _layout: &mut Option<TsvLayout>) -> bool {
    false
}

/// Parses a row under a header's layout.
pub fn parse_row(
    _line: &str,
    _layout: &TsvLayout,
    _ctx: &mut Ctx,
    _out: &mut Vec<Record>,
) -> Result<(), Skip> {
    Err(Skip::new(SkipReason::Unrecognized, "not implemented"))
}

impl TsvLayout {
    /// The format of the rows: `zeek-conn` or `zeek-smb`, from `#path`.
    pub fn format(&self) -> Format {
        Format::ZeekConn
    }
}
