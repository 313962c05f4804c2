//! Logging: to stderr and to daily-rotated files in `<data dir>/logs` (the last 7 days kept).
//!
//! Secrets cannot reach a log: the API secret exists only inside `bfx::Credentials` /
//! `vault`, whose `Debug` and `Display` print `[redacted]`, and nothing formats the raw value
//! (tested in `api`'s and `bfx`'s tests, and here on the log file itself).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tracing_appender::non_blocking::{NonBlocking, WorkerGuard};
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Log files kept (one per day).
pub const KEEP_FILES: usize = 7;

/// The log folder inside the data directory.
pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("logs")
}

static FILE: OnceLock<(NonBlocking, WorkerGuard)> = OnceLock::new();

/// Writes to the log file once [`attach_file`] has run; before that (the first milliseconds
/// of a start), to nowhere.
#[derive(Clone, Copy)]
struct FileWriter;

impl<'a> MakeWriter<'a> for FileWriter {
    type Writer = Box<dyn std::io::Write + 'a>;
    fn make_writer(&'a self) -> Self::Writer {
        match FILE.get() {
            Some((w, _)) => Box::new(w.make_writer()),
            None => Box::new(std::io::sink()),
        }
    }
}

fn filter() -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_from_env("YF_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
}

/// Installs the global logger: stderr, and the file once [`attach_file`] is called.
pub fn init() {
    let _ = tracing_subscriber::registry()
        .with(filter())
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                // No colour codes when stderr goes to a file or a pipe.
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())),
        )
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(FileWriter),
        )
        .try_init();
}

/// Opens the rotating log file in `<data_dir>/logs`.
pub fn attach_file(data_dir: &Path) -> Result<PathBuf, String> {
    let dir = dir(data_dir);
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("cannot create the log folder {}: {e}", dir.display()))?;
    let appender = appender(&dir)?;
    let _ = FILE.set(tracing_appender::non_blocking(appender));
    Ok(dir)
}

/// The daily-rotated appender: `yieldsforge.YYYY-MM-DD.log`, [`KEEP_FILES`] kept.
pub fn appender(dir: &Path) -> Result<tracing_appender::rolling::RollingFileAppender, String> {
    Builder::new()
        .rotation(Rotation::DAILY)
        .filename_prefix("yieldsforge")
        .filename_suffix("log")
        .max_log_files(KEEP_FILES)
        .build(dir)
        .map_err(|e| format!("cannot open a log file in {}: {e}", dir.display()))
}
