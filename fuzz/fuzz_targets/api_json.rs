#![no_main]
// Checks and the properties asserted: `kickstand_fuzz::api_json`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kickstand_fuzz::api_json(data));
