//! The bodies of Kickstand's fuzz targets. Each `fuzz_targets/<name>.rs` is
//! one line calling the function of the same name here, so the same checks
//! also run on stable without libFuzzer: `cargo test` in this folder replays
//! the committed corpus (`tests/corpus.rs`).
//!
//! Each function asserts properties of what it decodes, not only that
//! nothing panics; its doc comment lists them.

pub mod api;
pub mod chat;
pub mod webhook;

pub use api::{api_json, loopback};
pub use chat::{centrifugo_frame, chat_message, pusher_frame};
pub use webhook::webhook;

/// A target's body.
pub type Target = fn(&[u8]);

/// Every target by name, for the corpus replay.
pub const TARGETS: &[(&str, Target)] = &[
    ("pusher_frame", pusher_frame),
    ("centrifugo_frame", centrifugo_frame),
    ("chat_message", chat_message),
    ("webhook", webhook),
    ("loopback", loopback),
    ("api_json", api_json),
];
