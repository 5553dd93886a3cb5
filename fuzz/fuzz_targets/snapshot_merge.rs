//! Snapshot merge on arbitrary bytes, raw or behind a valid header.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| smb_egress_fuzz::snapshot_merge(data));
