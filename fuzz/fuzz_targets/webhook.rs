#![no_main]
// Checks and the properties asserted: `kickstand_fuzz::webhook`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kickstand_fuzz::webhook(data));
