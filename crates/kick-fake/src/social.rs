//! Chat messages, bans, event subscriptions, rewards, redemptions and the
//! KICKs leaderboard. (Filled in by issue #2.)

#[derive(Default, Debug)]
pub struct Social {}
