//! Format detection: every line of arbitrary bytes goes through detection and, when a
//! format claims it, that format's parser.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| smb_egress_fuzz::detect(data));
