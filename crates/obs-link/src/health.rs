//! Live stream health from successive `GetStreamStatus` answers: bitrate
//! from byte deltas, dropped frames, congestion, reconnecting, duration.

use crate::types::StreamStatus;
use serde::Serialize;
use tokio::time::Instant;

/// One health reading while streaming.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StreamHealth {
    pub active: bool,
    pub reconnecting: bool,
    /// Kilobits per second over the last interval; `None` until two readings.
    pub bitrate_kbps: Option<u32>,
    /// Bytes sent since the stream started.
    pub bytes: u64,
    /// Frames the output dropped (`outputSkippedFrames`), and of how many.
    pub dropped_frames: u64,
    pub total_frames: u64,
    /// `dropped_frames / total_frames` in percent (0 when no frames yet).
    pub dropped_percent: f64,
    /// OBS's congestion figure, 0 (none) to 1 (fully congested).
    pub congestion: f64,
    pub duration_ms: u64,
    /// OBS's own `HH:MM:SS.mmm`.
    pub timecode: String,
}

/// Turns status readings into health readings.
#[derive(Debug, Default)]
pub struct HealthMeter {
    last: Option<(Instant, u64)>,
}

impl HealthMeter {
    pub fn reset(&mut self) {
        self.last = None;
    }

    pub fn sample(&mut self, s: &StreamStatus, at: Instant) -> StreamHealth {
        let bitrate_kbps = match self.last {
            Some((t0, b0)) if s.active && s.bytes >= b0 => {
                let dt = at.saturating_duration_since(t0).as_secs_f64();
                (dt > 0.05).then(|| ((s.bytes - b0) as f64 * 8.0 / dt / 1000.0).round() as u32)
            }
            _ => None,
        };
        self.last = s.active.then_some((at, s.bytes));
        StreamHealth {
            active: s.active,
            reconnecting: s.reconnecting,
            bitrate_kbps,
            bytes: s.bytes,
            dropped_frames: s.skipped_frames,
            total_frames: s.total_frames,
            dropped_percent: if s.total_frames == 0 {
                0.0
            } else {
                (s.skipped_frames as f64 * 100.0 / s.total_frames as f64 * 100.0).round() / 100.0
            },
            congestion: s.congestion,
            duration_ms: s.duration_ms,
            timecode: s.timecode.clone(),
        }
    }
}

/// Did the stream OBS sends reach Kick? OBS's view (streaming for how long)
/// against Kick's (the live poller's `is_live`), for the "not reaching
/// Kick" warning of issue #12.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Arrival {
    /// OBS is not streaming.
    NotStreaming,
    /// OBS streams and Kick shows it live.
    Arrived,
    /// OBS streams, Kick not live yet, within the grace period (Kick's API
    /// takes a while to show a new stream).
    Waiting,
    /// OBS has streamed longer than the grace period and Kick still says
    /// offline: the stream is not reaching Kick (a stale key, a wrong server).
    NotReachingKick,
}

/// `obs_streaming_for`: from the last health reading,
/// `h.active.then(|| Duration::from_millis(h.duration_ms))`.
pub fn arrival(
    obs_streaming_for: Option<std::time::Duration>,
    kick_live: bool,
    grace: std::time::Duration,
) -> Arrival {
    match obs_streaming_for {
        None => Arrival::NotStreaming,
        Some(_) if kick_live => Arrival::Arrived,
        Some(d) if d < grace => Arrival::Waiting,
        Some(_) => Arrival::NotReachingKick,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn arrival_at_kick() {
        let g = Duration::from_secs(60);
        assert_eq!(arrival(None, true, g), Arrival::NotStreaming);
        assert_eq!(
            arrival(Some(Duration::from_secs(5)), true, g),
            Arrival::Arrived
        );
        assert_eq!(
            arrival(Some(Duration::from_secs(5)), false, g),
            Arrival::Waiting
        );
        assert_eq!(
            arrival(Some(Duration::from_secs(61)), false, g),
            Arrival::NotReachingKick
        );
    }

    fn status(bytes: u64, skipped: u64, total: u64) -> StreamStatus {
        StreamStatus {
            active: true,
            bytes,
            skipped_frames: skipped,
            total_frames: total,
            ..Default::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn bitrate_from_byte_deltas() {
        let mut m = HealthMeter::default();
        let t0 = Instant::now();
        let h = m.sample(&status(0, 0, 0), t0);
        assert_eq!(h.bitrate_kbps, None);
        assert_eq!(h.dropped_percent, 0.0);
        // 750 000 bytes in 2 s = 3000 kbit/s.
        let h = m.sample(&status(750_000, 3, 120), t0 + Duration::from_secs(2));
        assert_eq!(h.bitrate_kbps, Some(3000));
        assert_eq!(h.dropped_frames, 3);
        assert_eq!(h.dropped_percent, 2.5);
        // A new stream (counter went back) starts over.
        let h = m.sample(&status(10, 0, 1), t0 + Duration::from_secs(4));
        assert_eq!(h.bitrate_kbps, None);
        let h = m.sample(&status(250_010, 0, 61), t0 + Duration::from_secs(6));
        assert_eq!(h.bitrate_kbps, Some(1000));
        // Stopped: no bitrate, and the next start begins fresh.
        let h = m.sample(
            &StreamStatus {
                active: false,
                ..Default::default()
            },
            t0 + Duration::from_secs(8),
        );
        assert_eq!(h.bitrate_kbps, None);
        assert!(!h.active);
    }
}
