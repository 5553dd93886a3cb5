//! The Fluent Bit filter on one record of arbitrary text, in both modes.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| smb_egress_fuzz::fluentbit_filter(data));
