//! The whole analyzer, fed in chunks whose sizes come from the input, against the same
//! input fed whole: same report, valid outputs.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| smb_egress_fuzz::chunks(data));
