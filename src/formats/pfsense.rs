//! pfSense filterlog (to be written).

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
