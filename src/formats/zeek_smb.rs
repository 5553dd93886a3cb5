//! Zeek SMB logs JSON (to be written).

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
