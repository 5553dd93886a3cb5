//! The zeek-conn parser, forced, on arbitrary bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;
use smb_egress::Format;

fuzz_target!(|data: &[u8]| smb_egress_fuzz::forced(Format::ZeekConn, data));
