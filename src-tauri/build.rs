fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(kickstand_commands::COMMANDS)),
    )
    .expect("tauri build script");
}

/// The app's own commands; each gets an `allow-<name>` permission that the
/// capability file grants. Keep in sync with `src/commands.rs` (a test checks).
mod kickstand_commands {
    include!("src/command_names.rs");
}
