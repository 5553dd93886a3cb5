//! Windows Firewall (to be written).

use super::{Ctx, Skip, SkipReason};
use crate::record::Record;

/// Whether the line looks like this format.
pub fn is_line(_line: &str) -> bool {
    false
}

/// Parses one line.
pub fn parse_line(_line: &str, _ctx: &mut Ctx, _out: &mut Vec<Record>) -> Result<(), Skip> {
    Err(Skip::new(SkipReason::Unrecognized, "not implemented"))
}

/// The layout a header gave.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layout {
    /// Column names.
    pub fields: Vec<String>,
}

/// Reads a header line into `layout`; true when the line was one.
pub fn header_line(_line: &str, _layout: &mut Option<Layout>) -> bool {
    false
}

/// Parses a row under a header's layout.
pub fn parse_row(
    _line: &str,
    _layout: &Layout,
    _ctx: &mut Ctx,
    _out: &mut Vec<Record>,
) -> Result<(), Skip> {
    Err(Skip::new(SkipReason::Unrecognized, "not implemented"))
}
