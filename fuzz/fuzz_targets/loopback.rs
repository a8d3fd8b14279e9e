#![no_main]
// Checks and the properties asserted: `kickstand_fuzz::loopback`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kickstand_fuzz::loopback(data));
