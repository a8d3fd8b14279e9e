//! (Filled in by issue #2.)
