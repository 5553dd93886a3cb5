//! CIM (to be written).

use serde_json::Value;

use super::{Ctx, Skip, SkipReason};
use crate::record::Record;

/// Whether the JSON document looks like this format.
pub fn is_json(_v: &Value) -> bool {
    false
}

/// Reads one JSON document.
pub fn from_json(_v: &Value, _ctx: &mut Ctx, _out: &mut Vec<Record>) -> Result<(), Skip> {
    Err(Skip::new(SkipReason::Unrecognized, "not implemented"))
}

/// The layout a header gave.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CsvLayout {
    /// Column names.
    pub fields: Vec<String>,
}

/// Reads a header line into `layout`; true when the line was one.
pub fn header_line(_line: &str, _layout: &mut Option<CsvLayout>) -> bool {
    false
}

/// Parses a row under a header's layout.
pub fn parse_row(
    _line: &str,
    _layout: &CsvLayout,
    _ctx: &mut Ctx,
    _out: &mut Vec<Record>,
) -> Result<(), Skip> {
    Err(Skip::new(SkipReason::Unrecognized, "not implemented"))
}
