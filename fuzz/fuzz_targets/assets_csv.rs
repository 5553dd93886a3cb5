//! The Splunk ES asset lookup reader on arbitrary text.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| smb_egress_fuzz::assets_csv(data));
