//! `app_info`: what the Settings page shows about this build.

use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Whether this is a debug or a release build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum BuildProfile {
    /// Built without optimisations (`cargo build`).
    Debug,
    /// Built for release (`cargo build --release`, installers).
    Release,
}

/// Facts about the running app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AppInfo {
    /// The app's version (semver).
    pub version: String,
    /// Where the app keeps its database and logs.
    pub data_dir: String,
    /// Debug or release build.
    pub build_profile: BuildProfile,
    /// Operating system (`linux`, `macos`, `windows`).
    pub os: String,
    /// CPU architecture (`x86_64`, `aarch64`).
    pub arch: String,
}

/// Describes this build; `data_dir` is the app's data directory as the shell resolved it.
pub fn app_info(data_dir: &Path) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: data_dir.display().to_string(),
        build_profile: if cfg!(debug_assertions) {
            BuildProfile::Debug
        } else {
            BuildProfile::Release
        },
        os: std::env::consts::OS.to_owned(),
        arch: std::env::consts::ARCH.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_version_dir_and_profile() {
        let dir = tempfile::tempdir().unwrap();
        let info = app_info(dir.path());
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(info.data_dir, dir.path().display().to_string());
        // Tests run in the debug profile unless `--release` was given.
        let expected = if cfg!(debug_assertions) {
            BuildProfile::Debug
        } else {
            BuildProfile::Release
        };
        assert_eq!(info.build_profile, expected);
        assert_eq!(info.os, std::env::consts::OS);
    }

    #[test]
    fn serializes_in_camel_case() {
        let info = app_info(Path::new("/data"));
        let v = serde_json::to_value(&info).unwrap();
        assert_eq!(v["dataDir"], "/data");
        assert!(v["buildProfile"] == "debug" || v["buildProfile"] == "release");
    }
}
