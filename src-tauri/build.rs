fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(kickstand_commands::COMMANDS)),
    )
    .expect("tauri build script");
}

/// The app's own commands, from the one list in `src/command_list.rs`; each
/// gets an `allow-<name>` permission that the capability file grants.
mod kickstand_commands {
    include!("src/command_list.rs");
    macro_rules! names {
        ([$($c:ident),*]) => {
            &[$(stringify!($c)),*]
        };
    }
    pub const COMMANDS: &[&str] = app_commands!(names);
}
