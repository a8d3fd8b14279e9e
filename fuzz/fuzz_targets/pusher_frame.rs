#![no_main]
// Checks and the properties asserted: `kickstand_fuzz::pusher_frame`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kickstand_fuzz::pusher_frame(data));
