#![no_main]
// Checks and the properties asserted: `kickstand_fuzz::centrifugo_frame`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kickstand_fuzz::centrifugo_frame(data));
