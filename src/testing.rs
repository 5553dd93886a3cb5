//! Helpers for the crate's unit tests.

/// A small deterministic generator (xorshift64), so that a failing case can be replayed
/// from its seed.
pub(crate) fn xorshift(mut seed: u64) -> impl FnMut() -> usize {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed as usize
    }
}
