//! Is OBS running on this machine? Used only to word a refused connection:
//! "OBS is not running" versus "OBS runs, but its WebSocket server is off".

/// `Some(true)` when a process named `obs` runs (OBS Studio's binary, also
/// inside Flatpak), `Some(false)` when none does, `None` where we cannot tell
/// (not Linux, or `/proc` unreadable): callers then say "not running".
pub fn obs_process_running() -> Option<bool> {
    #[cfg(target_os = "linux")]
    {
        let dir = std::fs::read_dir("/proc").ok()?;
        let mut any = false;
        for entry in dir.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if !name.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            any = true;
            if let Ok(comm) = std::fs::read_to_string(entry.path().join("comm")) {
                if is_obs(comm.trim_end()) {
                    return Some(true);
                }
            }
        }
        any.then_some(false)
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

fn is_obs(comm: &str) -> bool {
    // `obs` on Linux (Debian, Flatpak, PPA); macOS/Windows names for a later port.
    matches!(comm, "obs" | "obs64.exe" | "obs32.exe")
}

#[cfg(test)]
mod tests {
    #[test]
    fn names() {
        assert!(super::is_obs("obs"));
        assert!(!super::is_obs("obs-link"));
        assert!(!super::is_obs("jobs"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reads_proc() {
        assert!(super::obs_process_running().is_some());
    }
}
