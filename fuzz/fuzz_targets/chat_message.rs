#![no_main]
// Checks and the properties asserted: `kickstand_fuzz::chat_message`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kickstand_fuzz::chat_message(data));
